"""The administrator's table wins over the package, and adds years the package lacks."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks

from gongkai.workdays import services
from gongkai.workdays.models import CalendarDay, CalendarYear
from gongkai.workdays.services import (
    CALENDAR_DATA_MISSING,
    CalendarDataMissing,
    add_working_days,
    count_working_days,
    is_known_year,
    is_working_day,
)
from gongkai.workdays.tests.conftest import d

pytestmark = pytest.mark.django_db

HOLIDAY, WORKDAY = CalendarDay.Kind.HOLIDAY, CalendarDay.Kind.WORKDAY


def enter_2027() -> None:
    """A few days of a 2027 schedule, then the year declared complete."""
    CalendarDay.objects.create(date=d("2027-01-01"), kind=HOLIDAY, name="元旦")
    for day in ("2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09", "2027-02-10"):
        CalendarDay.objects.create(date=d(day), kind=HOLIDAY, name="春节")
    CalendarDay.objects.create(date=d("2027-02-13"), kind=WORKDAY, name="春节调休")
    CalendarYear.objects.create(year=2027, complete=True, note="测试用的日程")


def test_a_package_holiday_declared_a_working_day_is_worked() -> None:
    CalendarDay.objects.create(date=d("2025-10-08"), kind=WORKDAY, name="本地调整")
    assert is_working_day(d("2025-10-08"))
    assert add_working_days(d("2025-09-30"), 1) == d("2025-10-08")


def test_a_package_working_day_declared_a_holiday_is_skipped() -> None:
    CalendarDay.objects.create(date=d("2025-10-09"), kind=HOLIDAY, name="本地调整")
    assert not is_working_day(d("2025-10-09"))
    assert add_working_days(d("2025-09-30"), 1) == d("2025-10-10")
    assert count_working_days(d("2025-09-30"), d("2025-10-10")) == 1


def test_a_make_up_day_of_the_package_can_be_taken_back() -> None:
    CalendarDay.objects.create(date=d("2025-10-11"), kind=HOLIDAY)
    assert add_working_days(d("2025-10-10"), 1) == d("2025-10-13")


def test_2027_is_unknown_while_nobody_entered_it() -> None:
    assert not is_known_year(2027)
    with pytest.raises(CalendarDataMissing) as raised:
        is_working_day(d("2027-03-01"))
    assert raised.value.year == 2027
    assert str(raised.value) == CALENDAR_DATA_MISSING % {"year": 2027}
    assert str(raised.value).startswith("工作日历尚无 2027 年的数据")


def test_adding_across_the_new_year_into_an_unknown_year_refuses_to_guess() -> None:
    with pytest.raises(CalendarDataMissing) as raised:
        add_working_days(d("2026-12-20"), 30)
    assert raised.value.year == 2027
    with pytest.raises(CalendarDataMissing):
        count_working_days(d("2026-12-20"), d("2027-01-05"))


def test_the_missing_data_error_is_a_validation_error_a_form_can_show() -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as raised:
        add_working_days(d("2026-12-31"), 1)
    assert raised.value.code == "calendar_data_missing"
    assert raised.value.messages == [CALENDAR_DATA_MISSING % {"year": 2027}]


def test_a_year_not_yet_declared_complete_stays_unknown() -> None:
    CalendarYear.objects.create(year=2027, complete=False)
    with pytest.raises(CalendarDataMissing):
        is_working_day(d("2027-03-01"))


def test_an_entered_day_answers_for_itself_before_the_year_is_complete() -> None:
    # The table is read first, so an entered date is known; its neighbours are not.
    CalendarDay.objects.create(date=d("2027-01-01"), kind=HOLIDAY, name="元旦")
    assert not is_working_day(d("2027-01-01"))
    with pytest.raises(CalendarDataMissing):
        is_working_day(d("2027-01-04"))


def test_2027_is_known_once_its_days_are_entered_and_the_year_declared() -> None:
    enter_2027()
    assert is_known_year(2027)
    assert not is_working_day(d("2027-01-01"))  # Friday, 元旦
    assert is_working_day(d("2027-01-04"))  # an ordinary Monday
    assert is_working_day(d("2027-02-13"))  # Saturday, make-up day
    assert not is_working_day(d("2027-02-14"))  # an ordinary Sunday
    # Dec 21–25 and 28–31 are nine days; then Jan 4–8 and so on, 元旦 skipped.
    assert add_working_days(d("2026-12-20"), 10) == d("2027-01-04")
    assert add_working_days(d("2027-02-05"), 1) == d("2027-02-11")
    assert add_working_days(d("2027-02-05"), 3) == d("2027-02-13")


def test_the_next_call_sees_a_saved_day() -> None:
    assert is_working_day(d("2025-10-09"))
    CalendarDay.objects.create(date=d("2025-10-09"), kind=HOLIDAY)
    assert not is_working_day(d("2025-10-09"))


def test_the_next_call_sees_a_changed_and_then_a_deleted_day(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    # Callbacks run as after a real commit, so this exercises the cached path.
    with django_capture_on_commit_callbacks(execute=True):
        day = CalendarDay.objects.create(date=d("2025-10-09"), kind=HOLIDAY)
    assert not is_working_day(d("2025-10-09"))
    with django_capture_on_commit_callbacks(execute=True):
        day.kind = WORKDAY
        day.save()
    assert is_working_day(d("2025-10-09"))
    with django_capture_on_commit_callbacks(execute=True):
        CalendarDay.objects.filter(pk=day.pk).delete()  # the admin's bulk delete
    assert add_working_days(d("2025-09-30"), 1) == d("2025-10-09")
    with django_capture_on_commit_callbacks(execute=True):
        CalendarYear.objects.create(year=2027, complete=True)
    assert is_known_year(2027)


def test_it_reads_the_table_once_and_then_answers_from_memory(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    CalendarDay.objects.bulk_create([CalendarDay(date=d("2025-10-09"), kind=HOLIDAY)])
    services.invalidate_cache()
    with django_assert_num_queries(2):  # the days, the complete years
        assert add_working_days(d("2025-01-01"), 200) == d("2025-10-27")
    with django_assert_num_queries(0):
        for _ in range(100):
            assert add_working_days(d("2025-01-01"), 200) == d("2025-10-27")
            assert count_working_days(d("2025-09-30"), d("2025-10-10")) == 1


def test_other_processes_reload_when_the_shared_version_changes() -> None:
    assert is_working_day(d("2025-10-09"))
    # Another process writes and bumps the version; bulk_create sends no signal here.
    CalendarDay.objects.bulk_create([CalendarDay(date=d("2025-10-09"), kind=HOLIDAY)])
    assert is_working_day(d("2025-10-09")), "still the cached snapshot"
    cache.set(services.CACHE_KEY, "bumped by another process", timeout=None)
    assert not is_working_day(d("2025-10-09"))


def test_a_lost_version_token_only_causes_a_reload() -> None:
    assert is_working_day(d("2025-10-09"))
    CalendarDay.objects.bulk_create([CalendarDay(date=d("2025-10-09"), kind=HOLIDAY)])
    cache.delete(services.CACHE_KEY)  # evicted, or the cache restarted
    assert not is_working_day(d("2025-10-09"))


def test_a_rolled_back_change_leaves_no_trace() -> None:
    assert is_working_day(d("2025-10-09"))
    with transaction.atomic():
        CalendarDay.objects.create(date=d("2025-10-09"), kind=HOLIDAY)
        assert not is_working_day(d("2025-10-09")), "the transaction sees its own change"
        transaction.set_rollback(True)
    assert is_working_day(d("2025-10-09"))
