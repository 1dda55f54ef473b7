"""`{% load workdays %}{% workday value %}`: a date a deadline rule produced, with what the
calendar says about it (provisional, non-working), for every page that shows one.

    {% workday d.consultation_until end=True %}   an exclusive end: shows the last day
    {% workday d.public_from %}                   a moment: shows date and time
    {% workday some_date %}                       a date
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

from gongkai.workdays.services import DayDescription, describe

register = template.Library()

_JUST_BEFORE = dt.timedelta(microseconds=1)


def last_day(value: dt.datetime) -> dt.date:
    """The last local day an exclusive end (the first instant after a period) still covers."""
    return (
        timezone.localtime(value - _JUST_BEFORE).date()
        if timezone.is_aware(value)
        else ((value - _JUST_BEFORE).date())
    )


def day_of(value: dt.date | dt.datetime, *, end: bool = False) -> dt.date:
    if isinstance(value, dt.datetime):
        if end:
            return last_day(value)
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


@register.inclusion_tag("workdays/_day.html")
def workday(value: Any, end: bool = False, since: Any = None) -> dict[str, Any]:
    if not isinstance(value, dt.date):
        return {"info": None}
    day = day_of(value, end=end)
    info: DayDescription | None = describe(day, day_of(since) if since else None)
    moment = None
    if isinstance(value, dt.datetime) and not end:
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
    return {"info": info, "moment": moment, "end": end}
