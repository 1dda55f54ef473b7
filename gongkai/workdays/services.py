"""Working days on the Chinese calendar. Every deadline rule in the product counts with these.

Where the answer for one date comes from, first match wins:

1. the administrator's table (`CalendarDay`): a local adjustment, or next year's schedule
   entered before any package knows it;
2. the `chinese-calendar` package, for the years it ships with (2004–2026 in 1.11):
   statutory holidays, make-up working days (调休), otherwise Monday to Friday;
3. Monday to Friday, but only in a year an administrator declared complete (`CalendarYear`).

Any other date is *unknown*, and guessing "Monday to Friday" there would silently move legal
deadlines. So the strict functions (`is_working_day`, `add_working_days`,
`count_working_days`, and the `gongkai workdays` command built on them) raise
`CalendarDataMissing` naming the year. `deadline()` is for pages and compliance jobs that must
always show something: it never raises for missing data, falls back to Monday to Friday, marks
the result provisional and opens (or bumps) a `CalendarAlert` for each missing year, which
administrators see until the year becomes known.

Counting convention: the day a period starts from (the event, the publication) never counts,
whatever the hour. `add_working_days(d, n)` is the n-th working day after d, and
`count_working_days(a, b)` is the number of working days in (a, b]. Hence
`count_working_days(d, add_working_days(d, n)) == n` for every n >= 0, and
`add_working_days(d, 0) == d` (nothing to add; d is returned even when it is a holiday).

Caching: the table is read once per process into a `WorkingCalendar` snapshot and reused.
Saving or deleting a `CalendarDay` or `CalendarYear` drops this process's snapshot and, once
the transaction commits, writes a new version token to Django's cache; every process compares
its snapshot's token with the shared one on each call (one cache read per call, never a query
per day), so all processes agree as soon as the change is committed. That needs a cache shared
by the processes (Redis, Memcached, database); with the per-process default cache a snapshot
is additionally reloaded every SNAPSHOT_MAX_AGE seconds.

To compute many deadlines at once, take `calendar = current_calendar()` once and call its
methods; `record_missing_years()` then records what `calendar.deadline()` found missing.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import chinese_calendar
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongkai.workdays.models import ALERT_BANNER, CalendarAlert, CalendarDay, CalendarYear

__all__ = [
    "ALERT_BANNER",
    "CALENDAR_DATA_MISSING",
    "HOW_TO_ADD_YEAR",
    "NEGATIVE_COUNT",
    "PACKAGE_YEARS",
    "CalendarDataMissing",
    "DayDescription",
    "Deadline",
    "WorkingCalendar",
    "add_working_days",
    "count_working_days",
    "current_calendar",
    "deadline",
    "describe",
    "invalidate_cache",
    "is_known_year",
    "is_working_day",
    "open_alerts",
    "record_missing_years",
]

CALENDAR_DATA_MISSING = _(
    "The working-day calendar has no data for %(year)d yet: neither the chinese-calendar "
    "package nor the administrator's table covers that year."
)
HOW_TO_ADD_YEAR = _(
    "An administrator adds it in the admin site under “Working-day calendar”: enter the "
    "holidays and make-up working days of %(year)d, then add %(year)d as a complete calendar "
    "year; or load them from a file with “gongkai workdays import FILE”."
)
DATE_BEYOND_CALENDAR = _(
    "The date is too far in the future for the working-day calendar to count from."
)
NEGATIVE_COUNT = _("The number of working days cannot be negative (got %(n)d).")

ONE_DAY = dt.timedelta(days=1)

# The package names its holidays in English; people read them in Chinese.
PACKAGE_HOLIDAY_NAMES: Mapping[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}

PROVISIONAL_DAY = _(
    "provisional: counted Monday to Friday until the holidays of %(year)d are entered"
)
NON_WORKING_DAY = _("a non-working day")
NAMED_HOLIDAY = _("a non-working day (%(name)s)")
MAKE_UP_DAY = _("a make-up working day (%(name)s)")

# The package's own is_workday() scans all its keys on every call to find its year range;
# these sets answer the same question in O(1), which matters for thousands of deadlines.
_PACKAGE_HOLIDAYS: frozenset[dt.date] = frozenset(chinese_calendar.holidays)
_PACKAGE_WORKDAYS: frozenset[dt.date] = frozenset(chinese_calendar.workdays)
PACKAGE_YEARS = range(
    min(d.year for d in _PACKAGE_HOLIDAYS), max(d.year for d in _PACKAGE_HOLIDAYS) + 1
)


class CalendarDataMissing(ValidationError):
    """The answer depends on a year the calendar does not know."""

    def __init__(self, year: int) -> None:
        super().__init__(CALENDAR_DATA_MISSING, code="calendar_data_missing", params={"year": year})
        self.year = year

    def __str__(self) -> str:
        return str(self.messages[0])


@dataclass(frozen=True)
class Deadline:
    date: dt.date
    # True when the date was computed with Monday to Friday standing in for unknown years:
    # show it as provisional, and expect it to move once an administrator enters those years.
    provisional: bool = False
    missing_years: tuple[int, ...] = ()


def _as_date(value: dt.date) -> dt.date:
    """A date; an aware datetime counts on the local (Beijing) calendar date."""
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if not isinstance(value, dt.date):
        raise TypeError(f"expected a date, got {type(value).__name__}")
    return value


def _checked_count(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"expected a whole number of working days, got {type(n).__name__}")
    if n < 0:
        raise ValueError(NEGATIVE_COUNT % {"n": n})
    return n


@dataclass(frozen=True)
class WorkingCalendar:
    """The calendar as of one moment: the package plus a snapshot of the table.

    Pure and free of database access, so it can be shared and tested with made-up tables.
    """

    # date -> True for a working day, False for a day off.
    overrides: Mapping[dt.date, bool] = field(default_factory=dict)
    complete_years: frozenset[int] = frozenset()
    # date -> the table's name for it (only for pages; the rules read `overrides`).
    names: Mapping[dt.date, str] = field(default_factory=dict)

    def knows_year(self, year: int) -> bool:
        return year in PACKAGE_YEARS or year in self.complete_years

    def is_working_day(self, day: dt.date) -> bool:
        return self._is_working(_as_date(day), None)

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        return self._add(_as_date(start), _checked_count(n), None)

    def count_working_days(self, a: dt.date, b: dt.date) -> int:
        return self._count(_as_date(a), _as_date(b), None)

    def deadline(self, start: dt.date, n: int) -> Deadline:
        """Like add_working_days, but unknown years count Monday to Friday, provisionally."""
        missing: set[int] = set()
        due = self._add(_as_date(start), _checked_count(n), missing)
        return Deadline(date=due, provisional=bool(missing), missing_years=tuple(sorted(missing)))

    def count_provisional(self, a: dt.date, b: dt.date) -> tuple[int, tuple[int, ...]]:
        """Like count_working_days, but unknown years count Monday to Friday; returns the
        count and the years that were assumed (empty: the count is certain)."""
        missing: set[int] = set()
        total = self._count(_as_date(a), _as_date(b), missing)
        return total, tuple(sorted(missing))

    def day_name(self, day: dt.date) -> str:
        """The holiday or make-up day's name: the table's, else the package's (in Chinese)."""
        name = self.names.get(day)
        if name is not None:
            return name
        if day.year in PACKAGE_YEARS:
            english = chinese_calendar.holidays.get(day) or chinese_calendar.workdays.get(day)
            if english:
                return PACKAGE_HOLIDAY_NAMES.get(english, english)
        return ""

    def describe(self, value: dt.date, since: dt.date | None = None) -> DayDescription:
        """Whether a date is known, a working day, and its name; never raises for a year
        without data. With `since` (the day counting started from) the date is unknown as
        soon as any year from `since` to the date is: the count went through it."""
        day = _as_date(value)
        # Counting starts the day after `since` (the start never counts).
        first = (_as_date(since) + ONE_DAY).year if since is not None else day.year
        missing = [y for y in range(min(first, day.year), day.year + 1) if not self.knows_year(y)]
        # An entered day answers for itself even in a year not yet complete, but a count
        # that reached it still went through days nobody entered: provisional either way.
        working = self._is_working(day, set() if missing else None)
        return DayDescription(
            date=day,
            known=not missing,
            working=working,
            name=self.day_name(day),
            missing_year=missing[0] if missing else None,
        )

    def _is_working(self, day: dt.date, missing: set[int] | None) -> bool:
        """`missing` None: raise for an unknown year; a set: note the year, assume Mon–Fri."""
        override = self.overrides.get(day)
        if override is not None:
            return override
        year = day.year
        if year in PACKAGE_YEARS:
            if day in _PACKAGE_WORKDAYS:
                return True
            return day.weekday() < 5 and day not in _PACKAGE_HOLIDAYS
        if year not in self.complete_years:
            if missing is None:
                raise CalendarDataMissing(year)
            missing.add(year)
        return day.weekday() < 5

    def _add(self, day: dt.date, n: int, missing: set[int] | None) -> dt.date:
        # Terminates: the table is finite, and beyond it every week has working days.
        try:
            while n:
                day += ONE_DAY
                if self._is_working(day, missing):
                    n -= 1
        except OverflowError:
            # Counting ran past 9999-12-31: a clear refusal, not a server error.
            raise ValidationError(DATE_BEYOND_CALENDAR, code="beyond_calendar") from None
        return day

    def _count(self, a: dt.date, b: dt.date, missing: set[int] | None) -> int:
        total = 0
        day = a
        while day < b:
            day += ONE_DAY
            if self._is_working(day, missing):
                total += 1
        return total


@dataclass(frozen=True)
class DayDescription:
    """What a page says about a date a deadline rule produced (see describe())."""

    date: dt.date
    # False when the calendar has no data for the year (or for a year between `since` and
    # the date): the date was counted Monday to Friday and may move.
    known: bool
    # As the deadline rules counted it: where the year is unknown, the table's entry for the
    # day if any, else Monday to Friday (a guess, hence `known` False).
    working: bool
    # The holiday or make-up day's name where the calendar has one, e.g. 春节.
    name: str = ""
    # The first year the calendar lacks, when not known.
    missing_year: int | None = None

    @property
    def provisional(self) -> bool:
        return not self.known

    @property
    def non_working(self) -> bool:
        return not self.working

    @property
    def note(self) -> str:
        """The sentence a page puts next to the date; empty for an ordinary working day."""
        parts = []
        if not self.working:
            parts.append(NAMED_HOLIDAY % {"name": self.name} if self.name else NON_WORKING_DAY)
        elif self.working and self.name:
            parts.append(MAKE_UP_DAY % {"name": self.name})
        if not self.known:
            parts.append(PROVISIONAL_DAY % {"year": self.missing_year})
        return "；".join(str(part) for part in parts)

    @property
    def text(self) -> str:
        """The date as people write it, e.g. 2027年3月15日."""
        return f"{self.date.year}年{self.date.month}月{self.date.day}日"


# --- the process's snapshot of the table -------------------------------------------------

CACHE_KEY = "gongkai:workdays:version"
# Upper bound on staleness when the cache is not shared between processes.
SNAPSHOT_MAX_AGE = 300.0


@dataclass(frozen=True)
class _Snapshot:
    calendar: WorkingCalendar
    version: Any
    loaded_at: float


_snapshot: _Snapshot | None = None
# Per thread, like database connections: on_commit callbacks registered by this thread's
# changes to the table that have not run yet (see _has_uncommitted_changes).
_pending = threading.local()


def _markers() -> list[tuple[str, Callable[[], None]]]:
    if not hasattr(_pending, "markers"):
        _pending.markers = []
    markers: list[tuple[str, Callable[[], None]]] = _pending.markers
    return markers


def _load() -> WorkingCalendar:
    rows = list(CalendarDay.objects.values_list("date", "kind", "name"))
    overrides = {day: kind == CalendarDay.Kind.WORKDAY for day, kind, _name in rows}
    names = {day: name for day, _kind, name in rows if name}
    years = frozenset(CalendarYear.objects.filter(complete=True).values_list("year", flat=True))
    return WorkingCalendar(overrides=overrides, complete_years=years, names=names)


def _shared_version() -> Any:
    version = cache.get(CACHE_KEY)
    if version is None:
        cache.add(CACHE_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(CACHE_KEY)
    return version


def _has_uncommitted_changes() -> bool:
    """True while this thread's own transaction holds uncommitted changes to the table.

    Such a snapshot must not be cached: if the transaction rolls back, it would describe rows
    that never existed. A marker that is no longer queued on its connection either ran (it
    removes itself) or was discarded by a rollback, so it is forgotten here.
    """
    markers = _markers()
    if not markers:
        return False
    markers[:] = [
        (using, marker)
        for using, marker in markers
        if any(queued[1] is marker for queued in connections[using].run_on_commit)
    ]
    return bool(markers)


def current_calendar() -> WorkingCalendar:
    """The calendar with the table as committed (or as this transaction sees it)."""
    global _snapshot
    if _has_uncommitted_changes():
        return _load()
    # The version is read before the rows: a change committed while loading bumps the
    # version after our read, so the next call reloads instead of keeping stale rows.
    version = _shared_version()
    snapshot = _snapshot
    if (
        snapshot is not None
        and snapshot.version == version
        and time.monotonic() - snapshot.loaded_at < SNAPSHOT_MAX_AGE
    ):
        return snapshot.calendar
    calendar = _load()
    _snapshot = _Snapshot(calendar=calendar, version=version, loaded_at=time.monotonic())
    return calendar


def invalidate_cache() -> None:
    """Forget every process's snapshot. Needed only after writes that send no signals
    (QuerySet.update, bulk_create); saves and deletes call it by themselves."""
    global _snapshot
    _snapshot = None
    cache.set(CACHE_KEY, uuid.uuid4().hex, timeout=None)


@receiver(post_save, sender=CalendarDay)
@receiver(post_delete, sender=CalendarDay)
@receiver(post_save, sender=CalendarYear)
@receiver(post_delete, sender=CalendarYear)
def _table_changed(sender: type, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    global _snapshot
    # This process's snapshot goes at once, so the saving request already sees its change.
    _snapshot = None
    markers = _markers()

    # Other processes cannot see the row before the commit, and a snapshot they loaded in
    # between carries the old version token; bumping the token after the commit makes them
    # reload. Outside a transaction on_commit runs the callback immediately.
    def committed() -> None:
        markers[:] = [(u, m) for u, m in markers if m is not committed]
        invalidate_cache()

    markers.append((using, committed))
    try:
        transaction.on_commit(committed, using=using)
    except transaction.TransactionManagementError:  # manual transaction management
        committed()


# --- the rules ----------------------------------------------------------------------------


def is_known_year(year: int) -> bool:
    """True when the package covers the year or an administrator declared it complete."""
    return current_calendar().knows_year(year)


def is_working_day(d: dt.date) -> bool:
    """Whether people work on `d`. Raises CalendarDataMissing for an unknown year."""
    return current_calendar().is_working_day(d)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (start itself never counts); `start` for n == 0.

    Raises ValueError for n < 0 and CalendarDataMissing when a day on the way is unknown.
    """
    return current_calendar().add_working_days(start, n)


def count_working_days(a: dt.date, b: dt.date) -> int:
    """The number of working days after `a` up to and including `b`; 0 when b <= a.

    Raises CalendarDataMissing when a day in between is unknown.
    """
    return current_calendar().count_working_days(a, b)


def deadline(start: dt.date, n: int) -> Deadline:
    """The n-th working day after `start`, for pages and compliance: never raises for
    missing data. Unknown years count Monday to Friday; the result is then provisional and
    an alert is recorded for each missing year. The strict functions and the command raise
    CalendarDataMissing instead."""
    result = current_calendar().deadline(start, n)
    if result.missing_years:
        record_missing_years(result.missing_years)
    return result


def count_provisional(a: dt.date, b: dt.date) -> tuple[int, tuple[int, ...]]:
    """Working days after `a` up to `b` for pages and compliance: never raises; the years
    assumed Monday to Friday come back with the count."""
    return current_calendar().count_provisional(a, b)


def describe(value: dt.date | None, since: dt.date | None = None) -> DayDescription | None:
    """What to say about a date a deadline rule produced, for pages: whether it is
    provisional (its year has no calendar data yet), a non-working day, and the holiday's
    name. None for None, so templates can pass an empty field. Never raises, records no
    alert (reading a page is not a deadline computation)."""
    if value is None:
        return None
    return current_calendar().describe(value, since)


# --- alerts ---------------------------------------------------------------------------------


def record_missing_years(years: Iterable[int]) -> None:
    """Note that someone needed these years: bump each year's open alert, or open one."""
    now = timezone.now()
    for year in sorted(set(years)):
        open_alert = CalendarAlert.objects.open().filter(year=year)
        bump = {"last_asked_at": now, "times_asked": F("times_asked") + 1}
        if open_alert.update(**bump):
            continue
        try:
            # A savepoint: losing the race below must not break the caller's transaction.
            with transaction.atomic():
                CalendarAlert.objects.create(year=year, first_asked_at=now, last_asked_at=now)
        except IntegrityError:
            # Another process opened the alert between our UPDATE and INSERT (the partial
            # unique index refused a second one): count this request on theirs.
            open_alert.update(**bump)


def open_alerts() -> list[CalendarAlert]:
    """Open alerts, oldest year first, for the console's banner.

    Alerts for years that have become known meanwhile (declared complete, or a newer
    package) are resolved here, so the banner never nags about a solved problem.
    """
    calendar = current_calendar()
    alerts = list(CalendarAlert.objects.open().order_by("year"))
    solved = [alert.pk for alert in alerts if calendar.knows_year(alert.year)]
    if solved:
        CalendarAlert.objects.filter(pk__in=solved).update(resolved_at=timezone.now())
    return [alert for alert in alerts if alert.pk not in solved]
