"""describe(): what a page says next to a date a deadline rule produced."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from gongkai.workdays.models import CalendarDay, CalendarYear
from gongkai.workdays.services import DayDescription, WorkingCalendar, describe
from gongkai.workdays.tests.conftest import d

pytestmark = pytest.mark.django_db

BEIJING = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize(
    ("day", "known", "working", "name", "note"),
    [
        ("2026-03-16", True, True, "", ""),
        ("2026-10-01", True, False, "国庆节", "非工作日（国庆节）"),
        ("2026-10-10", True, True, "国庆节", "调休上班日（国庆节）"),
        ("2026-03-15", True, False, "", "非工作日"),
        (
            "2027-03-15",
            False,
            True,
            "",
            "暂按周一至周五推算，待录入 2027 年节假日安排",
        ),
        (
            "2029-10-07",
            False,
            False,
            "",
            "非工作日；暂按周一至周五推算，待录入 2029 年节假日安排",
        ),
    ],
)
def test_it_describes_known_and_unknown_days(
    day: str, known: bool, working: bool, name: str, note: str
) -> None:
    info = describe(d(day))
    assert info == DayDescription(
        date=d(day),
        known=known,
        working=working,
        name=name,
        missing_year=None if known else d(day).year,
    )
    assert info.provisional is (not known)
    assert info.non_working is (not working)
    assert info.note == note


def test_a_count_that_went_through_an_unknown_year_is_provisional() -> None:
    calendar = WorkingCalendar(complete_years=frozenset({2028}))
    info = calendar.describe(d("2028-01-10"), since=d("2026-12-20"))
    assert info.provisional
    assert info.missing_year == 2027
    assert not calendar.describe(d("2028-01-10")).provisional


def test_an_entered_year_is_known_and_uses_the_administrators_names() -> None:
    CalendarDay.objects.create(date=d("2027-02-06"), kind=CalendarDay.Kind.HOLIDAY, name="春节")
    CalendarDay.objects.create(date=d("2027-02-14"), kind=CalendarDay.Kind.WORKDAY, name="春节调休")
    info = describe(d("2027-02-06"))
    assert (info.known, info.working, info.note) == (
        False,
        False,
        "非工作日（春节）；暂按周一至周五推算，待录入 2027 年节假日安排",
    )
    CalendarYear.objects.create(year=2027, complete=True)
    assert describe(d("2027-02-06")).note == "非工作日（春节）"
    assert describe(d("2027-02-14")).note == "调休上班日（春节调休）"
    assert describe(d("2027-03-15")).note == ""


def test_an_aware_moment_is_described_on_its_beijing_date() -> None:
    # 16:30 UTC on Sep 30 is already Oct 1 in Beijing.
    assert describe(dt.datetime(2026, 9, 30, 16, 30, tzinfo=dt.UTC)).date == d("2026-10-01")
    assert describe(None) is None


def test_describing_a_day_records_no_alert() -> None:
    from gongkai.workdays.models import CalendarAlert

    describe(d("2029-05-05"))
    assert not CalendarAlert.objects.exists()


def render(source: str, **values: object) -> str:
    return Template("{% load workdays %}" + source).render(Context(values))


def test_the_tag_marks_a_provisional_date() -> None:
    html = render("{% workday when %}", when=dt.datetime(2027, 3, 15, 9, 0, tzinfo=BEIJING))
    assert "2027-03-15 09:00" in html
    assert "暂按周一至周五推算，待录入 2027 年节假日安排" in html
    assert 'data-provisional="true"' in html


def test_the_tag_shows_the_last_day_of_an_exclusive_end() -> None:
    # The period ends at the first instant of Oct 2: its last day is the holiday Oct 1.
    end = dt.datetime(2026, 10, 2, 0, 0, tzinfo=BEIJING)
    html = render("{% workday until end=True %}", until=end)
    assert "2026-10-01" in html
    assert "2026-10-02" not in html
    assert "非工作日（国庆节）" in html


def test_the_tag_says_nothing_about_an_ordinary_working_day_or_an_empty_field() -> None:
    assert "badge" not in render("{% workday day %}", day=d("2026-03-16"))
    assert render("{% workday day %}", day=None).strip() == "—"


# --- properties ------------------------------------------------------------------------------


@given(
    complete=st.frozensets(st.integers(2027, 2031)),
    start=st.dates(dt.date(2024, 1, 1), dt.date(2030, 12, 31)),
    n=st.integers(1, 400),
)
def test_a_deadline_is_described_as_a_working_day_provisional_exactly_when_it_was_guessed(
    complete: frozenset[int], start: dt.date, n: int
) -> None:
    calendar = WorkingCalendar(complete_years=complete)
    result = calendar.deadline(start, n)
    info = calendar.describe(result.date, since=start)
    assert info.working
    assert not info.non_working
    assert info.provisional is result.provisional
    if result.provisional:
        assert info.missing_year == result.missing_years[0]
        assert str(info.missing_year) in info.note
