"""Times on the portal's pages: shown in Beijing time (the site's time zone) in Chinese
format, and as a valid `<time datetime>` value (ISO 8601 to the second: HTML's date-time
grammar allows fractions, but validators and some readers trip on microseconds)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()


def _local(value: dt.datetime | dt.date | None) -> dt.datetime | dt.date | None:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def iso(value: dt.datetime | dt.date | None) -> str:
    """`2026-12-02T08:30:00+08:00` (no microseconds), or `2026-12-02` for a date."""
    local = _local(value)
    if isinstance(local, dt.datetime):
        return local.replace(microsecond=0).isoformat()
    if isinstance(local, dt.date):
        return local.isoformat()
    return ""


@register.filter
def cn_datetime(value: dt.datetime | None) -> str:
    """`2026年12月2日 08:30`, Beijing time."""
    local = _local(value)
    if isinstance(local, dt.datetime):
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    return cn_date(local)


@register.filter
def cn_date(value: dt.datetime | dt.date | None) -> str:
    """`2026年12月2日`, Beijing time."""
    local = _local(value)
    if isinstance(local, dt.date):
        return f"{local.year}年{local.month}月{local.day}日"
    return ""
