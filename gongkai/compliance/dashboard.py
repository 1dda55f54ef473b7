"""What a compliance dashboard shows for one organization and one window, put together from
`figures` (the stored roll-ups) — the console page, its Excel files and the API all read this,
so they cannot disagree.

A window is a whole number of months (the roll-ups count obligations by the month of their
due date): a year, a half-year, a quarter, a month, or any range of months; by default the
current year to date. The obligation lists behind the figures are index range scans of the
subtree (path, state, due date), paginated; their totals are the figures' own counts.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from gongkai import validation
from gongkai.compliance import figures, obligations, periods
from gongkai.compliance.figures import Figures
from gongkai.compliance.models import COUNTED, Obligation, State
from gongkai.compliance.rollups import month_of
from gongkai.organizations.models import Organization

#: The earliest and latest years a window may reach (the working-day calendar's range).
YEAR_MIN, YEAR_MAX = validation.MOMENT_YEAR_MIN, validation.YEAR_MAX
#: A window spans at most this many months (the trend draws one column per month).
MAX_MONTHS = 120
#: Overdue obligations shown on the dashboard itself; the list behind it has them all.
OVERDUE_SAMPLE = 20

BAD_PERIOD = gettext_lazy("“%(key)s” is not a year, half-year, quarter or month.")
BAD_DATE = gettext_lazy("“%(value)s” is not a date; write it as 2026-06-30.")
FIRST_AFTER_LAST = gettext_lazy("The window must start before it ends.")
WINDOW_TOO_LONG = gettext_lazy("A window spans at most %(months)d months.")
WINDOW_OUT_OF_RANGE = gettext_lazy("The window must lie between the years %(min)d and %(max)d.")


# --- windows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Whole months from `first`'s month to `last`'s; `key` is the period key when the
    window is one (``2026``, ``2026-H1``, ``2026-Q2``, ``2026-M05``), else ""."""

    first: dt.date
    last: dt.date
    key: str = ""
    year_to_date: bool = False

    @property
    def start(self) -> dt.date:
        """The first day counted."""
        return month_of(self.first)

    @property
    def end(self) -> dt.date:
        """The last day counted (the end of `last`'s month)."""
        return _month_end(self.last)

    @property
    def label(self) -> str:
        if self.key:
            return periods.label(self.key)
        if self.year_to_date:
            return _("%(year)d, year to date") % {"year": self.first.year}
        first = date_format(self.start, "YEAR_MONTH_FORMAT")
        last = date_format(self.end, "YEAR_MONTH_FORMAT")
        if first == last:
            return first
        return _("%(first)s to %(last)s") % {"first": first, "last": last}

    def months(self) -> list[dt.date]:
        out, month = [], self.start
        while month <= self.end:
            out.append(month)
            month = _month_end(month) + dt.timedelta(days=1)
        return out

    def query(self) -> dict[str, str]:
        """The window as URL parameters (the period key when it is one)."""
        if self.key:
            return {"period": self.key}
        return {"first": self.start.isoformat(), "last": self.end.isoformat()}


def _month_end(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def year_to_date(today: dt.date) -> Window:
    return Window(dt.date(today.year, 1, 1), today, year_to_date=True)


def period_window(key: str) -> Window:
    """The window of a period key; ValidationError (in Chinese) for anything else."""
    key = (key or "").strip()
    try:
        span = periods.span(key[:20])
    except ValueError:
        raise ValidationError(BAD_PERIOD % {"key": key[:20]}, code="bad_period") from None
    _check_years(span.start, span.end)
    return Window(span.start, span.end, key=span.key)


def between(first: dt.date, last: dt.date) -> Window:
    """The months from `first`'s to `last`'s; ValidationError (in Chinese) when backwards,
    out of range or longer than MAX_MONTHS."""
    _check_years(first, last)
    if last < first:
        raise ValidationError(FIRST_AFTER_LAST, code="backwards")
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if months > MAX_MONTHS:
        raise ValidationError(WINDOW_TOO_LONG % {"months": MAX_MONTHS}, code="too_long")
    return Window(first, last)


def _check_years(first: dt.date, last: dt.date) -> None:
    if not (YEAR_MIN <= first.year <= YEAR_MAX and YEAR_MIN <= last.year <= YEAR_MAX):
        raise ValidationError(
            WINDOW_OUT_OF_RANGE % {"min": YEAR_MIN, "max": YEAR_MAX}, code="out_of_range"
        )


def _date(value: str) -> dt.date:
    text = value.strip()[:40]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(BAD_DATE % {"value": text}, code="bad_date") from None


def parse_window(params: Mapping[str, str], today: dt.date) -> Window:
    """The window named by URL parameters: ``period`` (a period key), or ``first`` and
    ``last`` (dates; either may be left out), or by default the year to date."""
    period = params.get("period", "")
    if period and period != "ytd":
        return period_window(period)
    first, last = params.get("first", ""), params.get("last", "")
    if not (first or last) or period == "ytd":
        return year_to_date(today)
    start = _date(first) if first else dt.date(_date(last).year, 1, 1)
    end = _date(last) if last else max(start, today)
    return between(start, end)


def period_choices(today: dt.date, years: int = 3) -> list[tuple[str, list[tuple[str, str]]]]:
    """The picker's options, newest year first: (year label, [(key, label)])."""
    groups = []
    for year in range(today.year, today.year - years, -1):
        keys = [str(year), f"{year}-H1", f"{year}-H2"]
        keys += [f"{year}-Q{q}" for q in range(1, 5)]
        keys += [f"{year}-M{m:02d}" for m in range(1, 13)]
        started = [k for k in keys if periods.span(k).start <= today]
        groups.append((str(year), [(k, periods.label(k)) for k in started]))
    return groups


# --- which obligations a count stands for -----------------------------------------------------


@dataclass(frozen=True)
class Show:
    key: str
    label: Any
    states: tuple[str, ...]


#: The count cells a person can open, each the list of the obligations it counts.
SHOWS: dict[str, Show] = {
    show.key: show
    for show in (
        Show("due", pgettext_lazy("count", "Due"), (State.ON_TIME, State.LATE, State.OVERDUE)),
        Show("fulfilled", gettext_lazy("Fulfilled"), (State.ON_TIME, State.LATE)),
        Show("on_time", gettext_lazy("Fulfilled on time"), (State.ON_TIME,)),
        Show("late", gettext_lazy("Fulfilled late"), (State.LATE,)),
        Show("overdue", gettext_lazy("Overdue"), (State.OVERDUE,)),
        Show("exempted", gettext_lazy("Exempted"), (State.EXEMPTED,)),
        Show("deferred", gettext_lazy("Deferred"), (State.DEFERRED,)),
        Show("pending", gettext_lazy("Not yet due"), (State.UPCOMING, State.DUE_SOON)),
        Show("all", gettext_lazy("All obligations"), tuple(COUNTED)),
    )
}


def count_of(fig: Figures, show: Show) -> int:
    """How many obligations the figures count for `show` (the list's length)."""
    return sum(fig.counts[state] for state in show.states)


def obligations_of(org: Organization, window: Window, show: Show) -> QuerySet[Obligation]:
    """The obligations behind a count: the subtree's, in the states `show` names, due in the
    window's months. Ordered as the (path, state, due date) index runs, so a page is a
    range scan of it."""
    return (
        figures.subtree_obligations(org)
        .filter(state__in=show.states, due_date__gte=window.start, due_date__lte=window.end)
        .select_related("organization", "event", "plan", "disclosure")
        .order_by("path", "state", "due_date", "pk")
    )


# --- the dashboard --------------------------------------------------------------------------


@dataclass
class Ranked:
    rank: int | None  # None: nothing was due, so there is nothing to rank
    figures: Figures


@dataclass
class OverdueLine:
    obligation: Obligation
    #: Working days past the due date (obligations.remaining_days, turned positive).
    days_overdue: int


@dataclass
class Dashboard:
    organization: Organization
    window: Window
    headline: Figures
    organizations: int
    ranking: list[Ranked]
    trend: list[Figures]
    quarters: list[Figures]
    overdue: list[OverdueLine]


def _rank_key(f: Figures) -> tuple[Decimal | None, Decimal | None, int]:
    return (f.on_time_rate, f.coverage, f.overdue)


def ranked(ordered: Sequence[Figures]) -> list[Ranked]:
    """Competition ranking (1, 2, 2, 4) of figures already in ranking order; organizations
    with nothing due are listed last, unranked."""
    out: list[Ranked] = []
    previous: tuple[Any, ...] | None = None
    rank = 0
    for position, fig in enumerate(ordered, 1):
        if not fig.due:
            out.append(Ranked(None, fig))
            continue
        key = _rank_key(fig)
        if key != previous:
            rank, previous = position, key
        out.append(Ranked(rank, fig))
    return out


def by_quarter(months: Sequence[Figures]) -> list[Figures]:
    """Monthly figures summed into calendar quarters (a quarter cut by the window counts
    only the window's months)."""
    out: list[Figures] = []
    for fig in months:
        quarter_start = fig.first.replace(month=(fig.first.month - 1) // 3 * 3 + 1)
        if out and out[-1].first == quarter_start:
            out[-1].counts.update(fig.counts)
            out[-1].last = fig.last
            continue
        out.append(Figures(fig.organization, quarter_start, fig.last, Counter(fig.counts)))
    return out


def quarter_key(fig: Figures) -> str:
    return f"{fig.first.year}-Q{(fig.first.month - 1) // 3 + 1}"


def month_key(fig: Figures) -> str:
    return f"{fig.first.year}-M{fig.first.month:02d}"


def overdue_lines(
    org: Organization, window: Window, on: dt.date, *, limit: int = OVERDUE_SAMPLE
) -> list[OverdueLine]:
    """The subtree's obligations overdue in the window, longest overdue first."""
    rows = (
        figures.subtree_obligations(org)
        .filter(state=State.OVERDUE, due_date__gte=window.start, due_date__lte=window.end)
        .select_related("organization", "event", "plan")
        .order_by("due_date", "path", "pk")[:limit]
    )
    return [OverdueLine(ob, max(0, -obligations.remaining_days(ob, on))) for ob in rows]


def headline(org: Organization, window: Window) -> Figures:
    """The subtree's figures over the window (one roll-up query)."""
    return figures.subtree(org, window.start, window.end)


def build(
    org: Organization, window: Window, *, on: dt.date | None = None, overdue: int = OVERDUE_SAMPLE
) -> Dashboard:
    """Every figure of the dashboard: a constant number of queries whatever the subtree's
    size (roll-up rows by the unique (organization, month) index, the children by their
    parent)."""
    on = on or obligations.today()
    first, last = window.start, window.end
    trend = figures.trend(org, first, last)
    return Dashboard(
        organization=org,
        window=window,
        headline=figures.subtree(org, first, last),
        organizations=figures.organizations(org),
        ranking=ranked(figures.ranking(org, first, last)),
        trend=trend,
        quarters=by_quarter(trend),
        overdue=overdue_lines(org, window, on, limit=overdue) if overdue else [],
    )


def rate_text(rate: Decimal | None) -> str:
    """A rate as the pages print it: 87.5% (or — when nothing was due)."""
    return "—" if rate is None else f"{rate}%"
