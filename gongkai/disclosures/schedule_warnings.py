"""Dates of a disclosure that the people who depend on them must look at again.

A publication can start (public_from) or a publicity period can end (publicity_until) on a
day nobody is at work to change the board or answer a question, or on a day in a year whose
holidays nobody has entered yet, so the working days that led to it were counted Monday to
Friday and may move. The administrator is alerted by the calendar (CalendarAlert); the
clerk, the reviewer and the office read these sentences on the disclosure's page and in
their to-do lists. Pure: it reads the disclosure and the calendar, writes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongkai.disclosures.models import State
from gongkai.workdays.services import WorkingCalendar, current_calendar

PUBLIC_FROM = _("The public date")
PUBLICITY_UNTIL = _("The last day of the publicity period")
CONSULTATION_UNTIL = _("The last day of the consultation")
NON_WORKING = _("%(what)s, %(date)s, is a non-working day (%(name)s).")
NON_WORKING_UNNAMED = _("%(what)s, %(date)s, is a non-working day.")
PROVISIONAL = _(
    "%(what)s, %(date)s, is provisional: the working-day calendar has no holidays for "
    "%(year)d yet, so it was counted Monday to Friday and may move once an administrator "
    "enters them."
)

#: States in which these dates still lie ahead of someone.
WATCHED_STATES = (State.CONSULTATION, State.PUBLISHED)

_JUST_BEFORE = dt.timedelta(microseconds=1)


def _dates(disclosure: Any) -> list[tuple[Any, dt.datetime, bool]]:
    """(label, moment, is an exclusive end) for each date the state makes relevant."""
    out: list[tuple[Any, dt.datetime, bool]] = []
    if disclosure.state == State.CONSULTATION and disclosure.consultation_until:
        out.append((CONSULTATION_UNTIL, disclosure.consultation_until, True))
    if disclosure.state == State.PUBLISHED:
        if disclosure.public_from:
            out.append((PUBLIC_FROM, disclosure.public_from, False))
        if disclosure.publicity_until:
            out.append((PUBLICITY_UNTIL, disclosure.publicity_until, True))
    return out


def warnings(
    disclosure: Any,
    *,
    now: dt.datetime | None = None,
    calendar: WorkingCalendar | None = None,
) -> list[str]:
    """Sentences about the disclosure's dates that fall on a non-working day or in a year
    without calendar data; dates already past are history and say nothing."""
    if disclosure.state not in WATCHED_STATES:
        return []
    now = now or timezone.now()
    calendar = calendar or current_calendar()
    out: list[str] = []
    for what, moment, exclusive_end in _dates(disclosure):
        if moment <= now:
            continue
        local = timezone.localtime(moment - _JUST_BEFORE if exclusive_end else moment)
        info = calendar.describe(local.date())
        params = {"what": what, "date": info.text}
        if info.non_working:
            if info.name:
                out.append(str(NON_WORKING % {**params, "name": info.name}))
            else:
                out.append(str(NON_WORKING_UNNAMED % params))
        if info.provisional:
            out.append(str(PROVISIONAL % {**params, "year": info.missing_year}))
    return out
