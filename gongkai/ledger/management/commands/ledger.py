"""`gongkai ledger verify`: walk the ledger's chain.

Exits 0 printing the number of entries and the chain's head hash (worth writing down or
publishing: a chain later cut short or rewritten from scratch no longer ends in it), or exits
1 naming the first bad entry and why, like `makemigrations --check`, so scripts and cron
jobs can act on it.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai.ledger import services

COMMAND_HELP = gettext_lazy("Check the ledger's hash chain and the content it records.")
VERIFIED = gettext_lazy("Ledger verified: %(count)d entries, chain head hash %(hash)s.")
VERIFIED_EMPTY = gettext_lazy("Ledger verified: it has no entries yet.")
FAILED = gettext_lazy("Entry %(sequence)d failed verification: %(reason)s")
BAD_BATCH_SIZE = gettext_lazy("--batch-size must be a positive number.")

EXIT_BAD_LEDGER = 1


class Command(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # argparse needs a real string, so the translated help is fetched only now.
        self.help = str(COMMAND_HELP)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        check = actions.add_parser(
            "verify", help=_("Verify every entry in order; exit 1 at the first bad one.")
        )
        check.add_argument(
            "--batch-size",
            type=int,
            default=services.BATCH_SIZE,
            help=_("entries read per query"),
        )
        check.add_argument("--database", default=DEFAULT_DB_ALIAS, help=_("the database to verify"))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError(BAD_BATCH_SIZE)
        result = services.verify(batch_size=options["batch_size"], using=options["database"])
        if result.ok:
            if result.head_hash is None:
                self.stdout.write(str(VERIFIED_EMPTY))
            else:
                self.stdout.write(VERIFIED % {"count": result.checked, "hash": result.head_hash})
            return
        self.stderr.write(FAILED % {"sequence": result.first_bad, "reason": result.reason})
        sys.exit(EXIT_BAD_LEDGER)
