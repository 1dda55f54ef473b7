"""`gongkai workdays add DATE N | count A B | import FILE`.

Answers from the strict rules: when the answer depends on a year the calendar does not know,
the command fails (exit code 2) naming the year, never guessing Monday to Friday.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai.workdays import importing, services

NOT_A_DATE = gettext_lazy("“%(value)s” is not a date: write it as YYYY-MM-DD, e.g. 2025-10-01.")
NOT_A_COUNT = gettext_lazy(
    "“%(value)s” is not a number of working days: write a whole number, 0 or more."
)
COMMAND_HELP = gettext_lazy(
    "Count working days on the Chinese calendar, or load a year's holidays from a file."
)
IMPORTED = gettext_lazy("Loaded %(count)d days into the working-day calendar.")
YEAR_DECLARED = gettext_lazy("%(year)d is now marked complete: its dates count as known.")

# Bad input and missing calendar data both exit 2, like a usage error.
EXIT_BAD_INPUT = 2


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(NOT_A_DATE % {"value": value}, returncode=EXIT_BAD_INPUT) from None


def parse_count(value: str) -> int:
    try:
        n = int(value.strip())
    except ValueError:
        raise CommandError(NOT_A_COUNT % {"value": value}, returncode=EXIT_BAD_INPUT) from None
    if n < 0:
        raise CommandError(services.NEGATIVE_COUNT % {"n": n}, returncode=EXIT_BAD_INPUT)
    return n


def missing_data(error: services.CalendarDataMissing) -> CommandError:
    message = "{}\n{}".format(error, services.HOW_TO_ADD_YEAR % {"year": error.year})
    return CommandError(message, returncode=EXIT_BAD_INPUT)


class Command(BaseCommand):
    # A calculator over two small tables: it answers even when an unrelated app's URLs or
    # settings would fail the system checks, and answers faster for scripts that loop.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # argparse needs a real string, so the translated help is fetched only now.
        self.help = str(COMMAND_HELP)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser(
            "add", help=_("Print the N-th working day after DATE (DATE itself does not count).")
        )
        add.add_argument("date", metavar="DATE", help=_("a date, YYYY-MM-DD"))
        add.add_argument("n", metavar="N", help=_("a number of working days, 0 or more"))
        count = actions.add_parser(
            "count", help=_("Print the number of working days after A up to and including B.")
        )
        count.add_argument("a", metavar="A", help=_("a date, YYYY-MM-DD"))
        count.add_argument("b", metavar="B", help=_("a date, YYYY-MM-DD"))
        load = actions.add_parser(
            "import", help=_("Load holidays and make-up working days from a YAML or CSV file.")
        )
        load.add_argument("file", metavar="FILE", type=Path)
        load.add_argument(
            "--year",
            help=_("Declare this year complete after loading (a YAML file may name it itself)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "import":
            self.load(options["file"], options["year"])
            return
        try:
            if action == "add":
                answer = services.add_working_days(
                    parse_date(options["date"]), parse_count(options["n"])
                ).isoformat()
            else:
                answer = str(
                    services.count_working_days(parse_date(options["a"]), parse_date(options["b"]))
                )
        except services.CalendarDataMissing as error:
            raise missing_data(error) from error
        self.stdout.write(answer)

    def load(self, path: Path, year_option: str | None) -> None:
        try:
            year = importing.parse_year(year_option) if year_option is not None else None
            schedule = importing.read_schedule(path, year=year)
        except ValidationError as error:
            raise CommandError("\n".join(error.messages), returncode=EXIT_BAD_INPUT) from error
        importing.apply_schedule(schedule)
        self.stdout.write(IMPORTED % {"count": len(schedule.days)})
        if schedule.year is not None and schedule.complete:
            self.stdout.write(YEAR_DECLARED % {"year": schedule.year})
