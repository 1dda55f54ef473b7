"""Periods of periodic items as structured keys: ``2026-M03``, ``2026-Q1``, ``2026-H1``,
``2026``. A disclosure names its obligation by such a key (never by free text), and an
obligation is unique per (organization, item, key).

Keys of other obligations: ``E<n>`` a recorded event, ``C<n>`` a recorded change of a
standing item, ``S<year>`` a standing item's yearly confirmation, ``P<plan>-<stage>`` a stage
of a staged plan, and ``<key>~<n>`` the n-th deferral of an obligation.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongkai.catalog.models import Period

QUARTER_NAMES = ("一", "二", "三", "四")
_KEY = re.compile(r"^(?P<year>\d{4})(?:-(?P<kind>[MQH])(?P<n>\d{1,2}))?$")


@dataclass(frozen=True)
class Span:
    key: str
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return label(self.key)


def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def containing(period: str, day: dt.date) -> Span:
    """The period of kind `period` (catalog.models.Period) that holds `day`."""
    year = day.year
    if period == Period.MONTHLY:
        return span(f"{year}-M{day.month:02d}")
    if period == Period.QUARTERLY:
        return span(f"{year}-Q{(day.month - 1) // 3 + 1}")
    if period == Period.SEMIANNUAL:
        return span(f"{year}-H{1 if day.month <= 6 else 2}")
    if period == Period.ANNUAL:
        return span(str(year))
    raise ValueError(f"unknown period {period!r}")


def following(period: str, current: Span) -> Span:
    return containing(period, current.end + dt.timedelta(days=1))


def between(period: str, first_day: dt.date, last_day: dt.date) -> list[Span]:
    """Every period of kind `period` that starts on or after `first_day` and has started by
    `last_day`, in order."""
    spans: list[Span] = []
    current = containing(period, first_day)
    if current.start < first_day:
        current = following(period, current)
    while current.start <= last_day:
        spans.append(current)
        current = following(period, current)
    return spans


def span(key: str) -> Span:
    """The span of a period key; ValueError for anything that is not one."""
    match = _KEY.match(key)
    if match is None:
        raise ValueError(f"not a period key: {key!r}")
    year = int(match["year"])
    if not 1900 <= year <= 2099:
        raise ValueError(f"year out of range: {key!r}")
    kind, n = match["kind"], int(match["n"] or 0)
    if kind is None:
        return Span(key, dt.date(year, 1, 1), dt.date(year, 12, 31))
    if kind == "M" and 1 <= n <= 12 and key == f"{year}-M{n:02d}":
        return Span(key, dt.date(year, n, 1), _month_end(year, n))
    if kind == "Q" and 1 <= n <= 4 and key == f"{year}-Q{n}":
        return Span(key, dt.date(year, 3 * n - 2, 1), _month_end(year, 3 * n))
    if kind == "H" and n in (1, 2) and key == f"{year}-H{n}":
        return Span(key, dt.date(year, 6 * n - 5, 1), _month_end(year, 6 * n))
    raise ValueError(f"not a period key: {key!r}")


def is_period_key(key: str) -> bool:
    try:
        span(key)
    except ValueError:
        return False
    return True


_OBLIGATION_KEY = re.compile(
    r"^(?:\d{4}(?:-(?:M\d{2}|Q[1-4]|H[12]))?|S\d{4}|[EC]\d{1,12}|P\d{1,12}-\d{1,3})$"
)
BAD_KEY = _("“%(key)s” does not name a period or a recorded event.")


def check_key(key: str) -> str:
    """An obligation key a disclosure may name ("" for none); ValidationError otherwise."""
    key = (key or "").strip()
    if not key:
        return ""
    if (
        len(key) > 40
        or not _OBLIGATION_KEY.match(key)
        or (key[0].isdigit() and not is_period_key(key))
    ):
        raise ValidationError(BAD_KEY % {"key": key[:40]}, code="bad_period_key")
    return key


def label(key: str) -> str:
    """A period key in Chinese: 2026年3月, 2026年第一季度, 2026年上半年, 2026年度."""
    base = key.partition("~")[0]
    try:
        spanned = span(base)
    except ValueError:
        return key
    year = spanned.start.year
    if base == str(year):
        text = _("%(year)d") % {"year": year}
    elif "-M" in base:
        text = _("%(year)d-%(month)d") % {"year": year, "month": spanned.start.month}
    elif "-Q" in base:
        text = _("%(year)d Q%(quarter)s") % {
            "year": year,
            "quarter": QUARTER_NAMES[(spanned.start.month - 1) // 3],
        }
    elif spanned.start.month == 1:
        text = _("%(year)d first half") % {"year": year}
    else:
        text = _("%(year)d second half") % {"year": year}
    return text
