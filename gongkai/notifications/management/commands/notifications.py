"""`gongkai notifications deliver-pending [--older-than SECONDS] [--dry-run]`.

Re-enqueues the deliveries still pending after SECONDS (default 60): run it every few minutes
(cron, a systemd timer). It is the catch-up after a killed worker and the retry of a failed
attempt; running it while their tasks are still queued is harmless (tasks.deliver locks and
checks the row first).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai.notifications import tasks

COMMAND_HELP = gettext_lazy("Send what the notification channels still owe.")
NOT_SECONDS = gettext_lazy(
    "“%(value)s” is not a number of seconds: write a whole number, 0 or more."
)
ENQUEUED = gettext_lazy("Enqueued %(count)d pending deliveries.")
WOULD_ENQUEUE = gettext_lazy("Dry run: %(count)d pending deliveries would be enqueued.")

EXIT_BAD_INPUT = 2


def seconds(value: str) -> int:
    try:
        n = int(value.strip())
    except ValueError:
        n = -1
    if n < 0:
        raise CommandError(NOT_SECONDS % {"value": value}, returncode=EXIT_BAD_INPUT)
    return n


class Command(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(COMMAND_HELP)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        pending = actions.add_parser(
            "deliver-pending",
            help=_("Enqueue again the deliveries still pending after a while."),
        )
        pending.add_argument(
            "--older-than",
            default="60",
            metavar="SECONDS",
            help=_("only deliveries pending (or last tried) at least this long ago; default 60"),
        )
        pending.add_argument(
            "--dry-run", action="store_true", help=_("Count them, enqueue nothing.")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        older_than = dt.timedelta(seconds=seconds(options["older_than"]))
        count = tasks.deliver_pending(older_than=older_than, dry_run=options["dry_run"])
        message = WOULD_ENQUEUE if options["dry_run"] else ENQUEUED
        if options["verbosity"] > 0:
            self.stdout.write(message % {"count": count})
