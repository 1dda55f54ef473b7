"""deadline() always answers; beyond the known years it answers provisionally and tells the
administrators, once per missing year, until the year is entered."""

from __future__ import annotations

import pytest

from gongkai.workdays.models import CalendarAlert, CalendarDay, CalendarYear
from gongkai.workdays.services import Deadline, deadline, open_alerts, record_missing_years
from gongkai.workdays.tests.conftest import d

pytestmark = pytest.mark.django_db


def test_a_deadline_within_known_years_is_final_and_raises_no_alert() -> None:
    assert deadline(d("2025-09-26"), 5) == Deadline(date=d("2025-10-10"))
    assert not CalendarAlert.objects.exists()


def test_a_deadline_reaching_into_an_unknown_year_is_provisional_monday_to_friday() -> None:
    # Nine working days left in 2026, then 2027 counted Monday to Friday from Friday Jan 1.
    result = deadline(d("2026-12-20"), 30)
    assert result == Deadline(date=d("2027-01-29"), provisional=True, missing_years=(2027,))


def test_asking_again_bumps_the_one_open_alert() -> None:
    deadline(d("2026-12-20"), 30)
    deadline(d("2026-12-28"), 10)
    alert = CalendarAlert.objects.get()
    assert alert.year == 2027
    assert alert.is_open
    assert alert.times_asked == 2
    assert alert.first_asked_at <= alert.last_asked_at
    assert open_alerts() == [alert]


def test_each_missing_year_gets_its_own_alert() -> None:
    result = deadline(d("2026-12-01"), 300)
    assert result.missing_years == (2027, 2028)
    assert sorted(CalendarAlert.objects.open().values_list("year", flat=True)) == [2027, 2028]


def test_the_alert_tells_administrators_what_to_do_in_chinese() -> None:
    deadline(d("2026-12-20"), 30)
    (alert,) = open_alerts()
    assert alert.message.startswith("延伸到 2027 年的期限均为暂定")
    assert "已询问 1 次" in alert.message


def test_declaring_the_year_resolves_its_alert_and_the_deadline_becomes_final() -> None:
    deadline(d("2026-12-20"), 30)
    CalendarDay.objects.create(date=d("2027-01-01"), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    CalendarYear.objects.create(year=2027, complete=True)
    alert = CalendarAlert.objects.get()
    assert not alert.is_open
    assert open_alerts() == []
    # With 元旦 entered, the thirtieth working day moves one day later.
    assert deadline(d("2026-12-20"), 30) == Deadline(date=d("2027-02-01"))
    assert CalendarAlert.objects.count() == 1


def test_a_year_asked_about_again_after_resolution_opens_a_new_alert() -> None:
    deadline(d("2026-12-20"), 30)
    year = CalendarYear.objects.create(year=2027, complete=True)
    year.delete()
    deadline(d("2026-12-20"), 30)
    assert CalendarAlert.objects.count() == 2
    assert CalendarAlert.objects.open().get().times_asked == 1


def test_open_alerts_drops_years_a_newer_package_now_covers() -> None:
    # As if the alert had been raised before the package was upgraded to cover 2026.
    CalendarAlert.objects.create(year=2026)
    record_missing_years([2031])
    assert [alert.year for alert in open_alerts()] == [2031]
    assert CalendarAlert.objects.get(year=2026).resolved_at is not None


def test_adding_zero_days_needs_no_calendar_at_all() -> None:
    assert deadline(d("2027-06-01"), 0) == Deadline(date=d("2027-06-01"))
    assert not CalendarAlert.objects.exists()
