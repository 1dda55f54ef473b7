from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from gongkai.disclosures.tests.conftest import draft, village_catalog  # noqa: F401  (fixtures)
from gongkai.inforequests import services
from gongkai.workdays.models import CalendarDay, CalendarYear

BEIJING = ZoneInfo("Asia/Shanghai")

APPLICANT = {
    "name": "周申请",
    "id_number": "11010519491231002X",
    "phone": "13912345678",
    "address": "青石镇东岭村3组12号",
    "email": "zhou@example.cn",
}


@contextmanager
def on(day: dt.date) -> Iterator[None]:
    """Frozen at 10:00 Beijing time on `day`."""
    with time_machine.travel(dt.datetime.combine(day, dt.time(10), BEIJING), tick=False):
        yield


def application(**extra: Any) -> services.Application:
    return services.Application(
        **{**APPLICANT, "description": "2026年9月村委会研究办公楼修缮的会议纪要", **extra}
    )


@pytest.fixture
def spring_2027(db) -> None:
    """春节 2027 as an administrator would enter it before the package knows the year."""
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), kind="holiday", name="元旦")
    for day in range(6, 15):
        CalendarDay.objects.create(date=dt.date(2027, 2, day), kind="holiday", name="春节")
    CalendarDay.objects.create(date=dt.date(2027, 2, 20), kind="workday", name="春节")
    CalendarYear.objects.create(year=2027, complete=True)
