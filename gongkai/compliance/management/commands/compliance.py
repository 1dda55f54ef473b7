"""`gongkai compliance`: the compliance core's maintenance.

- `recompute` rebuilds the stored roll-ups from the obligations, records the check
  (`RollupCheck`: administrators see its mismatch count on the dashboard and the console's
  overview) and puts disagreeing rows right; `--check-only` records the check and changes
  nothing, exiting 1 when a row disagrees, so cron and scripts can act on it. `--json`
  prints the result as JSON.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai.compliance import crosscheck

COMMAND_HELP = gettext_lazy("Maintain the compliance figures: cross-check the stored roll-ups.")
AGREE = gettext_lazy("All %(rows)d roll-up rows agree with the obligations.")
FIXED = gettext_lazy(
    "%(mismatches)d of %(rows)d roll-up rows disagreed with the obligations; rewritten."
)
FOUND = gettext_lazy(
    "%(mismatches)d of %(rows)d roll-up rows disagree with the obligations (nothing changed)."
)

EXIT_MISMATCH = 1


class Command(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # argparse needs a real string, so the translated help is fetched only now.
        self.help = str(COMMAND_HELP)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        recompute = actions.add_parser(
            "recompute",
            help=_("Rebuild the roll-ups from the obligations and record how many disagreed."),
        )
        recompute.add_argument(
            "--check-only",
            action="store_true",
            help=_("record the check but change nothing; exit 1 when a row disagrees"),
        )
        recompute.add_argument("--json", action="store_true", help=_("print a JSON report"))

    def handle(self, *args: Any, **options: Any) -> None:
        check_only = options["check_only"]
        result = crosscheck.run(fix=not check_only)
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        elif not result["mismatches"]:
            self.stdout.write(str(AGREE % result))
        else:
            self.stdout.write(str((FOUND if check_only else FIXED) % result))
        if check_only and result["mismatches"]:
            sys.exit(EXIT_MISMATCH)
