"""What the to-do list, the obligation pages and the API read about obligations.

An open obligation's state is shown as it is *now* — computed from its due date and today —
so a page is right on a day the daily job (`obligations.refresh`) has not run yet: time
decides, not jobs. `state_condition` says the same as a query condition (a date range on the
due date, served by the (state, due date) indexes), so a filter by state agrees with the
state each row shows.

Also here: the sentence telling how long is left ("截止 1 月 15 日，还剩 8 个工作日"), which
obligations each person sees in the console, the subtree's lagging organizations, and the
exemption requests waiting for a superior's decision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai import permissions
from gongkai.compliance import obligations, periods
from gongkai.compliance.models import OPEN_STATES, Exemption, Obligation, Source, State
from gongkai.organizations import tree
from gongkai.organizations.models import Role
from gongkai.workdays import services as workdays
from gongkai.workdays.services import DayDescription

#: What a list of obligations reads with each row (the period label names the event or plan).
RELATED = ("organization", "event", "plan")

OVERDUE_BY = gettext_lazy("Overdue by %(n)d working day(s)")
OVERDUE_TODAY = gettext_lazy("Past the due date (%(date)s)")
DUE_TODAY = gettext_lazy("Due today")
DUE_IN = gettext_lazy("Due %(date)s, %(n)d working day(s) left")
PROVISIONAL = gettext_lazy("Date not final: the %(year)d holidays have not been published yet")


def soon_limit(on: dt.date) -> dt.date:
    """The first due date that is no longer "due soon" seen from `on`: the working day after
    the last of the DUE_SOON_DAYS working days after `on`. (Mon–Fri stands in for a year
    without calendar data, as in `obligations.open_state`.)"""
    return workdays.current_calendar().deadline(on, obligations.DUE_SOON_DAYS + 1).date


def state_now(obligation: Obligation, on: dt.date) -> str:
    """The state as of `on`: an open obligation's from its due date, any other as stored."""
    if obligation.state in OPEN_STATES:
        return obligations.open_state(obligation.due_date, on)
    return obligation.state


def state_condition(state: str, on: dt.date) -> Q:
    """`state_now(o, on) == state` as a query condition."""
    still_open = Q(state__in=OPEN_STATES)
    if state == State.OVERDUE:
        return still_open & Q(due_date__lt=on)
    if state == State.DUE_SOON:
        return still_open & Q(due_date__gte=on, due_date__lt=soon_limit(on))
    if state == State.UPCOMING:
        return still_open & Q(due_date__gte=soon_limit(on))
    return Q(state=state)


def day_text(day: dt.date, on: dt.date) -> str:
    """A date as people say it: 1 月 15 日, with the year when it is not this year's."""
    if day.year == on.year:
        return _("%(month)d/%(day)d") % {"month": day.month, "day": day.day}
    return _("%(month)d/%(day)d/%(year)d") % {"year": day.year, "month": day.month, "day": day.day}


@dataclass
class Due:
    """An obligation as a to-do row: its state now, the working days left (negative: how
    long overdue) and what the calendar says about the due date."""

    obligation: Obligation
    on: dt.date
    state: str
    remaining: int
    day: DayDescription

    @property
    def overdue(self) -> bool:
        return self.state == State.OVERDUE

    @property
    def provisional(self) -> bool:
        return not self.day.known

    @property
    def provisional_text(self) -> str:
        if self.day.known:
            return ""
        return str(PROVISIONAL) % {"year": self.day.missing_year or self.obligation.due_date.year}

    @property
    def text(self) -> str:
        """截止 1 月 15 日，还剩 8 个工作日 · 今天截止 · 已逾期 3 个工作日."""
        due = self.obligation.due_date
        if self.on > due:
            if self.remaining < 0:
                return str(OVERDUE_BY) % {"n": -self.remaining}
            # Overdue since a non-working day: no working day has passed yet.
            return str(OVERDUE_TODAY) % {"date": day_text(due, self.on)}
        if self.on == due:
            return str(DUE_TODAY)
        return str(DUE_IN) % {"date": day_text(due, self.on), "n": self.remaining}


def due(obligation: Obligation, on: dt.date) -> Due:
    return Due(
        obligation=obligation,
        on=on,
        state=state_now(obligation, on),
        remaining=obligations.remaining_days(obligation, on),
        day=workdays.current_calendar().describe(obligation.due_date, obligation.basis_date),
    )


# --- who sees which obligations ---------------------------------------------------------------


def visible_to_staff(user: Any) -> QuerySet[Obligation]:
    """The obligations of the organizations the person may see in the console
    (`permissions.can_view_in_console`, as a queryset)."""
    if permissions.is_administrator(user):
        return Obligation.objects.all()
    return Obligation.objects.filter(
        organization__in=permissions.console_organizations(user).values("pk")
    )


def in_subtree(qs: QuerySet[Obligation], path: str) -> QuerySet[Obligation]:
    """A subtree's obligations: a range scan on the copied path."""
    low, high = tree.subtree_bounds(path)
    return qs.filter(path__gte=low, path__lt=high)


def _reach(user: Any, kinds: set[str]) -> Q | None:
    """Where the person's roles of `kinds` reach, as a condition on an obligation's path and
    organization (read from the cached roles: no query)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    condition: Q | None = None
    for role in user.roles_cached:
        if role.kind not in kinds:
            continue
        if role.reaches_subtree:
            low, high = tree.subtree_bounds(role.organization.path)
            part = Q(path__gte=low, path__lt=high)
        else:
            part = Q(organization_id=role.organization_id)
        condition = part if condition is None else condition | part
    return condition


def open_for_clerk(user: Any, on: dt.date, *, limit: int = 100) -> list[Due]:
    """The open obligations of the organizations where the person is a clerk, soonest due
    first: overdue, then due soon, then upcoming (one query)."""
    where = _reach(user, {Role.Kind.CLERK})
    if where is None:
        return []
    rows = (
        Obligation.objects.filter(where, state__in=OPEN_STATES)
        .select_related(*RELATED)
        .order_by("due_date", "path", "pk")[:limit]
    )
    return [due(o, on) for o in rows]


@dataclass
class Lagging:
    """An organization with overdue obligations: how many, and since when."""

    organization_id: int
    code: str
    name: str
    overdue: int
    oldest_due: dt.date
    #: Working days since the oldest due date.
    age: int


def lagging(user: Any, on: dt.date, *, limit: int = 100) -> list[Lagging]:
    """The organizations with overdue obligations in the subtrees the person's office roles
    reach, longest overdue first (one query, grouped)."""
    where = _reach(user, {Role.Kind.OFFICE})
    if where is None:
        return []
    rows = (
        Obligation.objects.filter(where, state__in=OPEN_STATES, due_date__lt=on)
        .values("organization", "organization__code", "organization__name")
        .annotate(overdue=Count("pk"), oldest=Min("due_date"))
        .order_by("oldest", "organization__code")[:limit]
    )
    calendar = workdays.current_calendar()
    return [
        Lagging(
            organization_id=row["organization"],
            code=row["organization__code"],
            name=row["organization__name"],
            overdue=row["overdue"],
            oldest_due=row["oldest"],
            age=calendar.count_provisional(row["oldest"], on)[0],
        )
        for row in rows
    ]


def pending_decisions(user: Any) -> QuerySet[Exemption]:
    """Requests the person may decide (`exemptions.can_decide`: the superior's leading
    group), oldest first."""
    reviewing = permissions.organizations_where(user, permissions.REVIEW_KINDS).values("pk")
    return (
        Exemption.objects.filter(
            status=Exemption.Status.REQUESTED, obligation__organization__parent__in=reviewing
        )
        .select_related(
            "requested_by",
            "obligation",
            "obligation__organization",
            "obligation__event",
            "obligation__plan",
        )
        .order_by("requested_at", "pk")
    )


# --- filters -----------------------------------------------------------------------------------


def period_condition(key: str) -> Q:
    """Obligations of a period (a year, half, quarter or month key): those of the period or
    of a shorter one inside it, standing items' yearly rows of the year, and events and
    stages that happened in it. ValueError for anything that is not a period key."""
    span = periods.span(key)
    return Q(
        period_start__isnull=False, period_start__gte=span.start, period_end__lte=span.end
    ) | Q(
        period_start__isnull=True,
        basis_date__gte=span.start,
        basis_date__lte=span.end,
    )


def chain_base(obligation: Obligation) -> str:
    """The key a disclosure names to fulfil the obligation: a deferral's original key."""
    return obligation.period_key.partition("~")[0]


def is_deferral(obligation: Obligation) -> bool:
    return obligation.source == Source.DEFERRAL
