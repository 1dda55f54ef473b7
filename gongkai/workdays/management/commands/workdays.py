"""`gongkai workdays add DATE N | count A B | import FILE | notice FILE [--dry-run]`.

Answers from the strict rules: when the answer depends on a year the calendar does not know,
the command fails (exit code 2) naming the year, never guessing Monday to Friday.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai.workdays import importing, notice, services

NOT_A_DATE = gettext_lazy("“%(value)s” is not a date: write it as YYYY-MM-DD, e.g. 2025-10-01.")
NOT_A_COUNT = gettext_lazy(
    "“%(value)s” is not a number of working days: write a whole number, 0 or more."
)
COMMAND_HELP = gettext_lazy(
    "Count working days on the Chinese calendar, or load a year's holidays from a file."
)
IMPORTED = gettext_lazy("Loaded %(count)d days into the working-day calendar.")
YEAR_DECLARED = gettext_lazy("%(year)d is now marked complete: its dates count as known.")
NOTICE_PROBLEMS = gettext_lazy("Nothing was saved: correct these sentences and run it again.")
NOTICE_DRY_RUN = gettext_lazy("Dry run: nothing was saved.")
NOTICE_SAVED = gettext_lazy(
    "Saved the holidays of %(year)d (%(new)d added, %(changed)d changed, %(same)d unchanged); "
    "the year is complete."
)
NOTICE_LINE = gettext_lazy("Line %(line)d")
HOLIDAY_WORD = gettext_lazy("day off")
WORKDAY_WORD = gettext_lazy("working day")

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

        paste = actions.add_parser(
            "notice",
            help=_("Load a year's holidays from the text of the State Council's notice."),
        )
        paste.add_argument("file", metavar="FILE", type=Path)
        paste.add_argument(
            "--year", help=_("The year, when the text does not name it (关于2027年…的通知).")
        )
        paste.add_argument(
            "--dry-run", action="store_true", help=_("Print the days, save nothing.")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "notice":
            self.notice(options["file"], options["year"], dry_run=options["dry_run"])
            return
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

    def notice(self, path: Path, year_option: str | None, *, dry_run: bool) -> None:
        try:
            year = importing.parse_year(year_option) if year_option is not None else None
            limit = settings.GONGKAI_MAX_IMPORT_BYTES
            if path.stat().st_size > limit:
                raise ValidationError(
                    importing.FILE_TOO_LARGE, params={"path": path, "limit": limit}
                )
            raw = path.read_bytes()
        except ValidationError as error:
            raise CommandError("\n".join(error.messages), returncode=EXIT_BAD_INPUT) from error
        except OSError as error:
            message = importing.FILE_UNREADABLE % {"path": path, "error": error.strerror or error}
            raise CommandError(message, returncode=EXIT_BAD_INPUT) from error
        parsed = notice.parse(importing.decode(raw), year=year)
        rows, _others = notice.preview(parsed)
        for row in rows:
            kind = HOLIDAY_WORD if row.day.kind == notice.HOLIDAY else WORKDAY_WORD
            self.stdout.write(f"{row.day.date.isoformat()}\t{row.weekday}\t{kind}\t{row.day.name}")
        for remark in parsed.skipped:
            self.stdout.write(
                f"# {NOTICE_LINE % {'line': remark.line}}：{remark.sentence} {remark.message}"
            )
        if not parsed.ok:
            lines = [
                f"{NOTICE_LINE % {'line': r.line}}：{r.sentence} {r.message}".replace("：  ", "：")
                if r.line
                else r.message
                for r in parsed.problems
            ]
            raise CommandError("\n".join([*lines, str(NOTICE_PROBLEMS)]), returncode=EXIT_BAD_INPUT)
        if dry_run:
            self.stdout.write(str(NOTICE_DRY_RUN))
            return
        counts = notice.save(parsed)
        self.stdout.write(NOTICE_SAVED % {"year": parsed.year, **counts})
