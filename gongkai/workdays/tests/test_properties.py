"""Properties every deadline rule relies on, over generated dates, counts and tables."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.workdays import services
from gongkai.workdays.models import CalendarDay, CalendarYear
from gongkai.workdays.services import WorkingCalendar

FIRST = dt.date(2004, 1, 1)
# Every walk below stays inside the package's years: the latest start (LAST_START plus 60
# days) plus 200 working days plus 40 overridden days off still ends in 2026, and so does
# LAST_START plus a 400-day span.
LAST_START = dt.date(2025, 10, 31)

counts = st.integers(min_value=0, max_value=200)
starts = st.dates(min_value=FIRST, max_value=LAST_START)


@st.composite
def calendars_with_start(draw: st.DrawFn) -> tuple[WorkingCalendar, dt.date]:
    """A start date and a table of overrides near it, where they change the answers."""
    start = draw(starts)
    offsets = draw(st.dictionaries(st.integers(-5, 380), st.booleans(), max_size=40))
    overrides = {
        start + dt.timedelta(days=offset): working
        for offset, working in offsets.items()
        if start + dt.timedelta(days=offset) <= dt.date(2026, 12, 31)
    }
    return WorkingCalendar(overrides=overrides), start


@given(calendars_with_start(), counts)
def test_the_nth_working_day_is_a_working_day(
    case: tuple[WorkingCalendar, dt.date], n: int
) -> None:
    calendar, start = case
    due = calendar.add_working_days(start, n)
    if n == 0:
        assert due == start
    else:
        assert due > start
        assert calendar.is_working_day(due)


@given(calendars_with_start(), counts)
def test_counting_undoes_adding(case: tuple[WorkingCalendar, dt.date], n: int) -> None:
    calendar, start = case
    assert calendar.count_working_days(start, calendar.add_working_days(start, n)) == n


@given(calendars_with_start(), counts, counts)
def test_adding_more_days_never_ends_earlier(
    case: tuple[WorkingCalendar, dt.date], n: int, m: int
) -> None:
    calendar, start = case
    low, high = sorted((n, m))
    if low < high:
        assert calendar.add_working_days(start, low) < calendar.add_working_days(start, high)
    else:
        assert calendar.add_working_days(start, low) == calendar.add_working_days(start, high)


@given(calendars_with_start(), st.integers(0, 60), counts)
def test_a_later_start_never_ends_earlier(
    case: tuple[WorkingCalendar, dt.date], later_by: int, n: int
) -> None:
    calendar, start = case
    later = start + dt.timedelta(days=later_by)
    assert calendar.add_working_days(start, n) <= calendar.add_working_days(later, n)


@given(calendars_with_start(), st.integers(0, 400))
def test_adding_the_count_reaches_the_last_working_day_on_or_before_the_end(
    case: tuple[WorkingCalendar, dt.date], span: int
) -> None:
    calendar, start = case
    end = start + dt.timedelta(days=span)
    reached = calendar.add_working_days(start, calendar.count_working_days(start, end))
    assert reached <= end
    if end > start and calendar.is_working_day(end):
        assert reached == end


@given(
    st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2028, 12, 31)),
    counts,
    counts,
    st.frozensets(st.sampled_from([2027, 2028])),
)
def test_provisional_deadlines_keep_the_same_properties(
    start: dt.date, n: int, m: int, complete_years: frozenset[int]
) -> None:
    calendar = WorkingCalendar(complete_years=complete_years)
    low, high = sorted((n, m))
    first, second = calendar.deadline(start, low), calendar.deadline(start, high)
    assert first.date <= second.date
    assert (first.date < second.date) == (low < high)
    assert set(second.missing_years) <= {2027, 2028, 2029} - complete_years
    assert second.provisional == bool(second.missing_years)
    if high and not second.provisional:
        # Nothing was guessed, so the strict rules agree.
        assert calendar.add_working_days(start, high) == second.date


@pytest.mark.django_db
# No deadline: the first example pays for warming up the database connection.
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=calendars_with_start(), n=counts)
def test_the_rules_read_the_same_answers_from_the_table(
    case: tuple[WorkingCalendar, dt.date], n: int
) -> None:
    generated, start = case
    with transaction.atomic():
        CalendarDay.objects.bulk_create(
            CalendarDay(date=day, kind="workday" if working else "holiday")
            for day, working in generated.overrides.items()
        )
        CalendarYear.objects.create(year=2099, complete=True)  # a save: the cache follows
        due = services.add_working_days(start, n)
        assert due == generated.add_working_days(start, n)
        assert services.count_working_days(start, due) == n
        transaction.set_rollback(True)
