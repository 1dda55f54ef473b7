"""Load a year's holiday schedule from a small file, so an administrator can enter next year
as soon as the State Council publishes it, before any package knows it.

YAML (the year travels with the file)::

    year: 2027              # optional; with it the year is declared complete
    complete: true          # optional, default true
    note: 国办发明电〔2026〕…号
    days:
      - {date: 2027-01-01, kind: holiday, name: 元旦}
      - {from: 2027-02-06, to: 2027-02-13, kind: holiday, name: 春节}
      - {date: 2027-02-14, kind: workday, name: 春节调休}

CSV (a header row; `to` makes a range; the year comes from --year)::

    date,to,kind,name,note
    2027-01-01,,holiday,元旦,
    2027-02-06,2027-02-13,休,春节,
    2027-02-14,,班,春节调休,

`kind` is holiday / workday, or 休 / 班 as printed on Chinese calendars. The whole file is
checked before anything is written, and written in one transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from gongkai import validation
from gongkai.workdays.models import CalendarDay, CalendarYear

FILE_UNREADABLE = _("Cannot read “%(path)s”: %(error)s")
FILE_TOO_LARGE = _("“%(path)s” is larger than %(limit)d bytes.")
UNKNOWN_FORMAT = _("“%(path)s” is neither a YAML (.yaml, .yml) nor a CSV (.csv) file.")
NOT_YAML = _("“%(path)s” is not valid YAML: %(error)s")
YAML_SHAPE = _(
    "The YAML file must be a mapping with a “days” list (and optionally “year”, “complete” "
    "and “note”)."
)
CSV_COLUMNS = _(
    "The CSV file needs a header row with the columns date and kind (to, name and note are "
    "optional)."
)
NO_DAYS = _("The file lists no days.")
ENTRY_PROBLEM = _("Entry %(number)d: %(problem)s")
LINE_PROBLEM = _("Line %(number)d: %(problem)s")
BAD_DATE = _("“%(value)s” is not a date (write YYYY-MM-DD).")
BAD_KIND = _("“%(value)s” is not a kind: write holiday (休) or workday (班).")
BAD_RANGE = _("the range ends on %(end)s, before it starts on %(start)s.")
RANGE_TOO_LONG = _("the range is longer than %(days)d days.")
DUPLICATE_DATE = _("%(date)s is listed twice.")
BAD_YEAR = _("“%(value)s” is not a year.")
YEAR_MISMATCH = _("The file is for %(file_year)d but --year says %(option_year)d.")

KIND_WORDS: Mapping[str, str] = {
    "holiday": CalendarDay.Kind.HOLIDAY,
    "休": CalendarDay.Kind.HOLIDAY,
    "workday": CalendarDay.Kind.WORKDAY,
    "班": CalendarDay.Kind.WORKDAY,
}
# No statutory holiday lasts longer; a longer range is a typo in a date.
MAX_RANGE_DAYS = 31


@dataclass
class Schedule:
    days: dict[dt.date, tuple[str, str, str]] = field(default_factory=dict)  # kind, name, note
    year: int | None = None
    complete: bool = True
    note: str = ""


def read_schedule(path: Path, *, year: int | None = None) -> Schedule:
    """Parse and check a schedule file. Raises ValidationError listing every problem."""
    try:
        size = path.stat().st_size
        if size > settings.GONGKAI_MAX_IMPORT_BYTES:
            raise ValidationError(
                FILE_TOO_LARGE, params={"path": path, "limit": settings.GONGKAI_MAX_IMPORT_BYTES}
            )
        raw = path.read_bytes()
    except OSError as error:
        raise ValidationError(
            FILE_UNREADABLE, params={"path": path, "error": error.strerror or error}
        ) from error
    suffix = path.suffix.lower()
    if suffix in {".yaml", ".yml"}:
        schedule = _from_yaml(path, raw)
    elif suffix == ".csv":
        schedule = _from_csv(raw)
    else:
        raise ValidationError(UNKNOWN_FORMAT, params={"path": path})
    if year is not None:
        if schedule.year is not None and schedule.year != year:
            raise ValidationError(
                YEAR_MISMATCH, params={"file_year": schedule.year, "option_year": year}
            )
        schedule.year = year
    return schedule


@transaction.atomic
def apply_schedule(schedule: Schedule) -> None:
    """Write the days (replacing what the table said about those dates), then declare the
    year complete if the schedule names one. Saves one by one so the calendar's cache and
    open alerts follow."""
    for day, (kind, name, note) in sorted(schedule.days.items()):
        CalendarDay.objects.update_or_create(
            date=day, defaults={"kind": kind, "name": name, "note": note}
        )
    if schedule.year is not None:
        CalendarYear.objects.update_or_create(
            year=schedule.year,
            defaults={"complete": schedule.complete, "note": schedule.note},
        )


def decode(raw: bytes) -> str:
    """Text of an uploaded or pasted file: UTF-8 (with or without BOM), else GB18030."""
    return _text(raw)


def _text(raw: bytes) -> str:
    # Excel in China saves CSV as GB18030 unless told otherwise; UTF-8 (with BOM) first.
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def _from_yaml(path: Path, raw: bytes) -> Schedule:
    try:
        data = yaml.safe_load(_text(raw))
    except yaml.YAMLError as error:
        raise ValidationError(
            NOT_YAML, params={"path": path, "error": validation.yaml_problem_text(error)}
        ) from error
    if not isinstance(data, dict) or not isinstance(data.get("days"), list):
        raise ValidationError(YAML_SHAPE)
    schedule = Schedule(
        complete=bool(data.get("complete", True)), note=str(data.get("note") or "")[:200]
    )
    if data.get("year") is not None:
        schedule.year = parse_year(data["year"])
    entries = [entry if isinstance(entry, dict) else {} for entry in data["days"]]
    _add_entries(schedule, enumerate(entries, start=1), ENTRY_PROBLEM)
    return schedule


def _from_csv(raw: bytes) -> Schedule:
    reader = csv.DictReader(io.StringIO(_text(raw)))
    columns = {(name or "").strip().lower() for name in reader.fieldnames or []}
    if not {"date", "kind"} <= columns:
        raise ValidationError(CSV_COLUMNS)
    rows = (
        {(key or "").strip().lower(): (value or "").strip() for key, value in row.items()}
        for row in reader
    )
    schedule = Schedule()
    # Line numbers as a spreadsheet shows them: the header is line 1.
    _add_entries(schedule, enumerate(rows, start=2), LINE_PROBLEM)
    return schedule


def _add_entries(
    schedule: Schedule, numbered: Iterable[tuple[int, dict[str, Any]]], where: Any
) -> None:
    problems: list[ValidationError] = []
    for number, entry in numbered:
        try:
            for day in _dates(entry):
                if day in schedule.days:
                    raise ValidationError(DUPLICATE_DATE, params={"date": day.isoformat()})
                schedule.days[day] = (
                    _kind(entry.get("kind")),
                    str(entry.get("name") or "")[:50],
                    str(entry.get("note") or "")[:200],
                )
        except ValidationError as problem:
            problems.append(
                ValidationError(where, params={"number": number, "problem": problem.messages[0]})
            )
    if problems:
        raise ValidationError(problems)
    if not schedule.days:
        raise ValidationError(NO_DAYS)


def _dates(entry: Mapping[str, Any]) -> list[dt.date]:
    start = _date(entry.get("date") or entry.get("from"))
    if not entry.get("to"):
        return [start]
    end = _date(entry["to"])
    if end < start:
        raise ValidationError(BAD_RANGE, params={"start": start, "end": end})
    length = (end - start).days + 1
    if length > MAX_RANGE_DAYS:
        raise ValidationError(RANGE_TOO_LONG, params={"days": MAX_RANGE_DAYS})
    return [start + dt.timedelta(days=i) for i in range(length)]


def _date(value: Any) -> dt.date:
    # YAML reads an unquoted 2027-01-01 as a date already.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(BAD_DATE, params={"value": value or ""}) from None


def _kind(value: Any) -> str:
    kind = KIND_WORDS.get(str(value or "").strip().lower())
    if kind is None:
        raise ValidationError(BAD_KIND, params={"value": value or ""})
    return kind


def parse_year(value: Any) -> int:
    try:
        year = int(str(value).strip())
    except ValueError:
        raise ValidationError(BAD_YEAR, params={"value": value}) from None
    if not 1900 <= year <= 9999:
        raise ValidationError(BAD_YEAR, params={"value": value})
    return year
