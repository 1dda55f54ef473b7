"""The months a summary or an assessment covers: a half year, a year, or a run of whole
months. Figures count obligations by the month of their due date, so a window is always whole
months (gongkai.compliance.figures)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai.compliance import periods
from gongkai.validation import YEAR_MAX

#: The longest run of months one summary or plan covers.
MAX_MONTHS = 60
YEAR_MIN = 2000

FIRST_AFTER_LAST = gettext_lazy("The first month must not come after the last.")
TOO_LONG = gettext_lazy("At most %(max)d months at once.")
YEAR_RANGE = gettext_lazy("The year must lie between %(min)d and %(max)d.")


@dataclass(frozen=True)
class Window:
    kind: str  # Report.Kind
    first: dt.date
    last: dt.date

    @property
    def label(self) -> str:
        return label(self.first, self.last)


def _month_end(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _check_year(year: int) -> None:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValidationError(YEAR_RANGE % {"min": YEAR_MIN, "max": YEAR_MAX})


def half_year(year: int, half: int) -> Window:
    _check_year(year)
    spanned = periods.span(f"{year}-H{half}")
    return Window("half_year", spanned.start, spanned.end)


def year(value: int) -> Window:
    _check_year(value)
    spanned = periods.span(str(value))
    return Window("year", spanned.start, spanned.end)


def months(first: dt.date, last: dt.date) -> Window:
    """The whole months from `first`'s to `last`'s."""
    _check_year(first.year)
    _check_year(last.year)
    start, end = first.replace(day=1), _month_end(last)
    if start > end:
        raise ValidationError(FIRST_AFTER_LAST)
    count = (end.year - start.year) * 12 + end.month - start.month + 1
    if count > MAX_MONTHS:
        raise ValidationError(TOO_LONG % {"max": MAX_MONTHS})
    return Window("months", start, end)


def label(first: dt.date, last: dt.date) -> str:
    """2026年上半年, 2026年度, 2026年3月, 2026年1月至9月, 2025年11月至2026年2月."""
    whole_year = first == dt.date(first.year, 1, 1) and last == dt.date(first.year, 12, 31)
    if whole_year:
        return periods.label(str(first.year))
    if first.year == last.year and first.day == 1 and last == _month_end(last):
        if (first.month, last.month) in ((1, 6), (7, 12)):
            return periods.label(f"{first.year}-H{1 if first.month == 1 else 2}")
        if first.month == last.month:
            return periods.label(f"{first.year}-M{first.month:02d}")
        return _("%(year)d-%(first)d to %(last)d") % {
            "year": first.year,
            "first": first.month,
            "last": last.month,
        }
    return _("%(first_year)d-%(first)d to %(last_year)d-%(last)d") % {
        "first_year": first.year,
        "first": first.month,
        "last_year": last.year,
        "last": last.month,
    }
