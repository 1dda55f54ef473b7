"""A disclosure's coming public date or end of publicity on a non-working or not yet known
day is shown to the clerk, the reviewer and the office, not only to the administrator."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from gongkai.conftest import client_for
from gongkai.disclosures.models import Disclosure, State
from gongkai.disclosures.schedule_warnings import warnings
from gongkai.disclosures.tests.conftest import published
from gongkai.workdays.services import WorkingCalendar

BEIJING = dt.timezone(dt.timedelta(hours=8))
PACKAGE_ONLY = WorkingCalendar()


def at(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso).replace(tzinfo=BEIJING)


@pytest.mark.parametrize(
    ("fields", "now", "expected"),
    [
        # National Day 2026: the public date falls on the holiday.
        (
            {"public_from": at("2026-10-01 09:00")},
            "2026-09-20 10:00",
            ["对外公开日期 2026年10月1日 是非工作日（国庆节）。"],
        ),
        # An exclusive end at midnight Oct 4: the last day on show is the holiday Oct 3.
        (
            {"publicity_until": at("2026-10-04 00:00")},
            "2026-09-20 10:00",
            ["公示期最后一天 2026年10月3日 是非工作日（国庆节）。"],
        ),
        # Ending on Thursday Oct 8, the first working day after the holiday: nothing to say.
        ({"publicity_until": at("2026-10-09 00:00")}, "2026-09-20 10:00", []),
        # An ordinary Sunday.
        (
            {"public_from": at("2026-03-15 09:00")},
            "2026-03-01 10:00",
            ["对外公开日期 2026年3月15日 是非工作日。"],
        ),
        # 2027 is not in the calendar: the end was counted Monday to Friday.
        (
            {"publicity_until": at("2027-01-09 00:00")},
            "2026-12-28 10:00",
            [
                "公示期最后一天 2027年1月8日 是暂定的：工作日历尚无 2027 年的节假日安排，"
                "暂按周一至周五推算，管理员录入后可能变动。"
            ],
        ),
        # Already past: history, nothing to act on.
        ({"public_from": at("2026-10-01 09:00")}, "2026-10-02 10:00", []),
    ],
)
def test_warnings_for_a_published_disclosure(
    fields: dict[str, dt.datetime], now: str, expected: list[str]
) -> None:
    disclosure = Disclosure(state=State.PUBLISHED, **fields)
    assert warnings(disclosure, now=at(now), calendar=PACKAGE_ONLY) == expected


def test_a_consultation_ending_on_a_holiday_is_named() -> None:
    disclosure = Disclosure(state=State.CONSULTATION, consultation_until=at("2026-10-02 00:00"))
    assert warnings(disclosure, now=at("2026-09-28 10:00"), calendar=PACKAGE_ONLY) == [
        "征求意见最后一天 2026年10月1日 是非工作日（国庆节）。"
    ]


@pytest.mark.parametrize("state", [State.DRAFT, State.ARCHIVED, State.WITHDRAWN])
def test_states_whose_dates_no_longer_matter_say_nothing(state: str) -> None:
    disclosure = Disclosure(state=state, public_from=at("2026-10-01 09:00"))
    assert warnings(disclosure, now=at("2026-09-20 10:00"), calendar=PACKAGE_ONLY) == []


PROVISIONAL_PUBLIC = (
    "对外公开日期 2027年1月4日 是暂定的：工作日历尚无 2027 年的节假日安排，"
    "暂按周一至周五推算，管理员录入后可能变动。"
)


@pytest.mark.django_db
def test_the_clerk_and_the_office_see_a_scheduled_date_in_an_unknown_year(people, draft) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(at("2026-12-28 10:00"), tick=False):
        published(people, draft, at=at("2027-01-04 09:00"))
        for person in (people.clerk, people.office, people.reviewer):
            client = client_for(person)
            page = client.get(reverse("console:disclosure", args=[draft.pk])).text
            assert PROVISIONAL_PUBLIC in page, person
            todo = client.get(reverse("console:todo")).text
            assert 'id="date-checks"' in todo, person
            assert PROVISIONAL_PUBLIC in todo, person
        # Someone without a role at the village or above does not get the list.
        assert (
            'id="date-checks"'
            not in client_for(people.supervisor).get(reverse("console:todo")).text
        )


@pytest.mark.django_db
def test_the_dates_card_marks_a_provisional_date_next_to_it(people, draft) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(at("2026-12-28 10:00"), tick=False):
        published(people, draft, at=at("2027-01-04 09:00"))
        page = client_for(people.clerk).get(reverse("console:disclosure", args=[draft.pk])).text
    assert 'id="dates"' in page
    assert "2027-01-04 09:00" in page
    assert "暂按周一至周五推算，待录入 2027 年节假日安排" in page
