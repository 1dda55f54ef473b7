"""`iso`: a date or time as the `datetime` attribute of <time> wants it.

Django's `|date:"c"` is `datetime.isoformat()`, which writes microseconds whenever a stored
time has them (every `timezone.now()` does): "2026-05-04T09:30:12.345678+08:00" is a valid
global date and time, but validators and some readers reject more than three fraction digits
and nothing a reader sees needs them. Times are shown in the current time zone, as `|date`
shows them, so the attribute and the text agree.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def iso(value: object) -> str:
    """ISO 8601 without microseconds: "2026-05-04T09:30:12+08:00", or "2026-05-04" for a
    date; "" for anything else (an empty field renders an empty attribute, as `|date` does)."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return ""
