"""Fixed dates across 春节 and 国庆 with their make-up working days (调休), written by hand
from the State Council notices as the chinese-calendar package records them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from gongkai.workdays.services import (
    PACKAGE_YEARS,
    WorkingCalendar,
    add_working_days,
    count_working_days,
    deadline,
    is_working_day,
)
from gongkai.workdays.tests.conftest import d

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")


def test_the_package_covers_2004_to_2026_as_these_tests_assume() -> None:
    # A newer chinese-calendar may know 2027: then move the "unknown year" tests to 2028.
    assert (PACKAGE_YEARS.start, PACKAGE_YEARS.stop - 1) == (2004, 2026)


def test_it_agrees_with_the_package_on_every_day_the_package_knows() -> None:
    calendar = WorkingCalendar()
    day, last = dt.date(PACKAGE_YEARS.start, 1, 1), dt.date(PACKAGE_YEARS.stop - 1, 12, 31)
    while day <= last:
        assert calendar.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2024-02-04", True),  # Sunday, make-up day before 春节
        ("2024-02-12", False),  # Monday inside 春节 (Feb 10–17)
        ("2024-02-18", True),  # Sunday, make-up day after 春节
        ("2025-01-26", True),  # Sunday, make-up day before 春节
        ("2025-02-04", False),  # Tuesday, last day of 春节 (Jan 28–Feb 4)
        ("2025-02-08", True),  # Saturday, make-up day after 春节
        ("2026-02-14", True),  # Saturday, make-up day before 春节
        ("2026-02-23", False),  # Monday, last day of the nine-day 春节 (Feb 15–23)
        ("2026-02-28", True),  # Saturday, make-up day after 春节
        ("2024-09-29", True),  # Sunday, make-up day before 国庆
        ("2024-10-07", False),  # Monday, last day of 国庆 (Oct 1–7)
        ("2024-10-12", True),  # Saturday, make-up day after 国庆
        ("2025-09-28", True),  # Sunday, make-up day before 国庆
        ("2025-10-08", False),  # Wednesday, last day of 国庆 and 中秋 (Oct 1–8)
        ("2025-10-11", True),  # Saturday, make-up day after 国庆
        ("2026-09-20", True),  # Sunday, make-up day before 中秋 and 国庆
        ("2026-09-25", False),  # Friday, 中秋 (Sep 25–27)
        ("2026-10-10", True),  # Saturday, make-up day after 国庆
        ("2025-10-13", True),  # an ordinary Monday
        ("2025-10-12", False),  # an ordinary Sunday
    ],
)
def test_it_knows_holidays_and_make_up_days(day: str, working: bool) -> None:
    assert is_working_day(d(day)) is working


def test_it_skips_the_spring_festival_2024_and_counts_both_make_up_sundays() -> None:
    assert add_working_days(d("2024-02-02"), 1) == d("2024-02-04")
    assert add_working_days(d("2024-02-09"), 1) == d("2024-02-18")
    assert add_working_days(d("2024-02-09"), 2) == d("2024-02-19")
    assert count_working_days(d("2024-02-09"), d("2024-02-19")) == 2


def test_it_skips_the_spring_festival_2025_and_counts_the_make_up_saturday() -> None:
    assert add_working_days(d("2025-01-24"), 1) == d("2025-01-26")
    assert add_working_days(d("2025-01-24"), 2) == d("2025-01-27")
    assert add_working_days(d("2025-01-24"), 3) == d("2025-02-05")
    assert add_working_days(d("2025-01-27"), 4) == d("2025-02-08")
    assert count_working_days(d("2025-01-27"), d("2025-02-10")) == 5


def test_it_skips_the_nine_day_spring_festival_2026() -> None:
    assert add_working_days(d("2026-02-13"), 1) == d("2026-02-14")
    assert add_working_days(d("2026-02-13"), 2) == d("2026-02-24")
    assert add_working_days(d("2026-02-13"), 6) == d("2026-02-28")
    assert count_working_days(d("2026-02-13"), d("2026-03-02")) == 7


def test_it_skips_the_national_day_holiday_2024_and_counts_the_make_up_saturday() -> None:
    friday = d("2024-09-27")
    assert add_working_days(friday, 5) == d("2024-10-10")
    assert add_working_days(friday, 7) == d("2024-10-12")
    assert count_working_days(friday, d("2024-10-12")) == 7


def test_it_skips_the_national_day_holiday_2025_and_counts_the_make_up_saturday() -> None:
    friday = d("2025-09-26")
    assert add_working_days(friday, 1) == d("2025-09-28")
    assert add_working_days(friday, 3) == d("2025-09-30")
    assert add_working_days(friday, 4) == d("2025-10-09")
    assert add_working_days(friday, 6) == d("2025-10-11")
    assert count_working_days(friday, d("2025-10-11")) == 6


def test_it_skips_mid_autumn_and_national_day_2026_and_counts_both_make_up_days() -> None:
    assert add_working_days(d("2026-09-18"), 1) == d("2026-09-20")
    assert add_working_days(d("2026-09-24"), 1) == d("2026-09-28")
    assert add_working_days(d("2026-09-30"), 1) == d("2026-10-08")
    assert add_working_days(d("2026-09-30"), 3) == d("2026-10-10")
    assert count_working_days(d("2026-09-18"), d("2026-10-10")) == 11


def test_a_notice_published_friday_afternoon_before_national_day_stays_up_across_it() -> None:
    # Published Friday 16:00; the publication day never counts, whatever the hour. The five
    # working days are the make-up Sunday, Monday, Tuesday, then two days after Oct 1–8;
    # the make-up Saturday Oct 11 would be the sixth.
    published = dt.datetime(2025, 9, 26, 16, 0, tzinfo=BEIJING)
    assert deadline(published, 5).date == d("2025-10-10")
    assert deadline(published, 6).date == d("2025-10-11")
    assert not deadline(published, 5).provisional


def test_a_notice_published_friday_afternoon_before_national_day_2023_ends_on_the_make_up_saturday() -> (
    None
):
    # 2023: 中秋 and 国庆 ran Sep 29–Oct 6 and Saturday Oct 7 was worked. Monday to Thursday
    # give four days, the holiday none, and the make-up Saturday completes the five.
    published = dt.datetime(2023, 9, 22, 16, 0, tzinfo=BEIJING)
    assert add_working_days(published, 5) == d("2023-10-07")
    assert count_working_days(published, d("2023-10-07")) == 5


def test_an_aware_datetime_counts_on_the_beijing_date() -> None:
    # 20:00 UTC on Friday is 04:00 on Saturday in Beijing: counting starts after Saturday.
    late = dt.datetime(2025, 9, 26, 20, 0, tzinfo=dt.UTC)
    assert add_working_days(late, 1) == d("2025-09-28")
    assert add_working_days(late, 2) == d("2025-09-29")


def test_adding_zero_working_days_returns_the_start_even_on_a_holiday() -> None:
    assert add_working_days(d("2025-10-01"), 0) == d("2025-10-01")
    assert count_working_days(d("2025-10-01"), d("2025-10-01")) == 0


def test_counting_backwards_gives_zero() -> None:
    assert count_working_days(d("2025-10-10"), d("2025-09-26")) == 0


def test_it_refuses_a_negative_number_of_working_days() -> None:
    with pytest.raises(ValueError, match="工作日数不能为负数"):
        add_working_days(d("2025-10-10"), -1)
