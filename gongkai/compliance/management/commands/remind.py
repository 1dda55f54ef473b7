"""`gongkai remind [--date YYYY-MM-DD] [--dry-run] [--json]`: the daily compliance job.

Generates what new periods and recorded events owe, moves obligations by the calendar, and
notifies: due within three working days, overdue, and escalation to the superior's office.
Safe to run twice (every notice has a key; see gongkai.compliance.reminders). Run it once a
day from cron or a systemd timer, or enqueue `gongkai.compliance.tasks.remind`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai.compliance import reminders

COMMAND_HELP = gettext_lazy("Remind of due and overdue disclosures and escalate the late ones.")
BAD_DATE = gettext_lazy("“%(value)s” is not a date: write it as 2026-01-15.")
SUMMARY = gettext_lazy(
    "%(date)s: %(generated)d obligations generated, %(moved)d moved, %(notices)d notices"
    " (%(due_soon)d due soon, %(overdue)d overdue, %(escalation)d escalations)."
)
DRY_RUN = gettext_lazy("Dry run: nothing was stored or sent.")


def day(value: str) -> dt.date:
    try:
        parsed = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(BAD_DATE % {"value": value[:40]}, returncode=2) from None
    if not 1900 <= parsed.year <= 2099:
        raise CommandError(BAD_DATE % {"value": value[:40]}, returncode=2)
    return parsed


class Command(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(COMMAND_HELP)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=day, help=_("the day to run for (default: today)"))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("compute and show, store and send nothing")
        )
        parser.add_argument("--json", action="store_true", help=_("print the result as JSON"))

    def handle(self, *args: Any, **options: Any) -> None:
        report = reminders.run(options["date"], dry_run=options["dry_run"])
        counts = report.counts()
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "date": report.on.isoformat(),
                        "dry_run": options["dry_run"],
                        "generated": report.generated,
                        "moved": report.moved,
                        "notices": counts,
                        "sent": report.sent,
                        "topic_notices": len(report.topic_notices),
                    },
                    ensure_ascii=False,
                )
            )
            return
        self.stdout.write(
            str(SUMMARY)
            % {
                "date": report.on.isoformat(),
                "generated": report.generated,
                "moved": sum(report.moved.values()),
                "notices": len(report.notices),
                "due_soon": counts.get(reminders.DUE_SOON, 0),
                "overdue": counts.get(reminders.OVERDUE, 0),
                "escalation": counts.get(reminders.ESCALATION, 0),
            }
        )
        if options["dry_run"]:
            for notice in report.notices:
                self.stdout.write(f"  [{notice.kind}] {notice.subject}")
            self.stdout.write(str(DRY_RUN))
