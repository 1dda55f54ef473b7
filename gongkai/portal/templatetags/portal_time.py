"""Times on the portal's pages: shown in Beijing time (the site's time zone) in Chinese
format, and as a valid `<time datetime>` value (ISO 8601 to the second: HTML's date-time
grammar allows fractions, but validators and some readers trip on microseconds)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from gongkai.web.templatetags.iso import iso

register = template.Library()


def _local(value: dt.datetime | dt.date | None) -> dt.datetime | dt.date | None:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


# The one `<time datetime>` filter (gongkai.web's `iso`), so a portal template needs one load.
register.filter("iso", iso)


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
