"""Administrators maintain the table and see the alerts in the admin site."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongkai.conftest import People, client_for
from gongkai.workdays.models import CalendarAlert, CalendarDay, CalendarYear
from gongkai.workdays.services import is_working_day
from gongkai.workdays.tests.conftest import d


@pytest.mark.parametrize("model", ["calendarday", "calendaryear", "calendaralert"])
def test_the_admin_lists_each_table(people: People, model: str) -> None:
    CalendarDay.objects.create(date=d("2027-01-01"), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    CalendarYear.objects.create(year=2027, complete=True)
    CalendarAlert.objects.create(year=2028)
    response = client_for(people.admin).get(reverse(f"admin:workdays_{model}_changelist"))
    assert response.status_code == 200


def test_the_year_list_shows_how_many_days_are_entered(people: People) -> None:
    CalendarDay.objects.create(date=d("2027-01-01"), kind=CalendarDay.Kind.HOLIDAY)
    CalendarDay.objects.create(date=d("2027-02-14"), kind=CalendarDay.Kind.WORKDAY)
    CalendarDay.objects.create(date=d("2027-02-15"), kind=CalendarDay.Kind.HOLIDAY)
    CalendarYear.objects.create(year=2027, complete=True)
    response = client_for(people.admin).get(reverse("admin:workdays_calendaryear_changelist"))
    years = list(response.context["cl"].result_list)
    assert [(y.year, y.holiday_count, y.workday_count) for y in years] == [(2027, 2, 1)]
    assert "已录入的节假日" in response.text


def test_a_day_added_in_the_admin_counts_at_once(people: People) -> None:
    client = client_for(people.admin)
    response = client.post(
        reverse("admin:workdays_calendarday_add"),
        {"date": "2025-10-09", "kind": "holiday", "name": "本地调整", "note": ""},
    )
    assert response.status_code == 302
    assert not is_working_day(d("2025-10-09"))


def test_nobody_adds_or_edits_alerts_by_hand(people: People) -> None:
    alert = CalendarAlert.objects.create(year=2028)
    client = client_for(people.admin)
    assert client.get(reverse("admin:workdays_calendaralert_add")).status_code == 403
    page = client.get(reverse("admin:workdays_calendaralert_change", args=[alert.pk]))
    assert page.status_code == 200
    assert b'name="year"' not in page.content
