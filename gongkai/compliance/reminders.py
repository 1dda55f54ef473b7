"""Reminders and escalation (`gongkai remind`, daily; safe to run twice).

For each open obligation: the organization's clerks hear when it is due within
`DUE_SOON_DAYS` working days and again when it is overdue (its principal too); once it is
`escalate_after_days` working days overdue (per catalog item, default 5) the superior's
office hears of it. Every notice has a key (obligation, kind), so a run repeated, or a
worker killed and the task re-run, sends each notice once: `notify` creates a notification
only for a key it has not seen, and each delivery is sent once (gongkai.notifications).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from gongkai.accounts.models import User
from gongkai.compliance import obligations
from gongkai.compliance.models import Obligation, State
from gongkai.engagement import reminders as opinion_reminders
from gongkai.notifications.models import BODY_MAX, SUBJECT_MAX, Notification
from gongkai.notifications.services import notify
from gongkai.organizations.models import Organization, Role
from gongkai.supervision import reminders as supervision_reminders
from gongkai.topics import reminders as topic_reminders

#: Other apps' daily reminders, run after the obligations' (dotted paths of functions taking
#: the day and returning how many notices they created; each keys its notices, so a re-run
#: sends nothing twice).
DAILY_HOOKS: tuple[str, ...] = ("gongkai.inforequests.notices.remind",)

DUE_SOON = "due_soon"
OVERDUE = "overdue"
ESCALATION = "escalation"

#: Who hears of what, by role at the obligation's organization (escalations go to the
#: superior's office instead).
RECIPIENTS = {
    DUE_SOON: (Role.Kind.CLERK,),
    OVERDUE: (Role.Kind.CLERK, Role.Kind.PRINCIPAL),
}


@dataclass(frozen=True)
class Notice:
    kind: str
    obligation_id: int
    recipient_id: int
    key: str
    subject: str
    body: str
    link: str
    organization_id: int


@dataclass
class Report:
    on: dt.date
    generated: int = 0
    moved: dict[str, int] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)
    sent: int = 0
    #: Reminders of unanswered topic requests (gongkai.topics.reminders).
    topic_notices: list[Any] = field(default_factory=list)
    #: Reminders and escalations of unanswered opinions sent (gongkai.engagement.reminders).
    opinion_notices: int = 0
    #: Reminders and escalations of overdue rectifications sent (gongkai.supervision).
    supervision_notices: int = 0
    #: Notices created by each of DAILY_HOOKS.
    hooks: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for notice in self.notices:
            out[notice.kind] += 1
        return dict(out)


def key_of(obligation_id: int, kind: str) -> str:
    return f"obligation:{obligation_id}:{kind}"


def _link(obligation: Obligation) -> str:
    return reverse("console:todo")


def _day(value: dt.date) -> str:
    return date_format(value, "n月j日")


def _texts(kind: str, obligation: Obligation, on: dt.date) -> tuple[str, str]:
    name, period = obligation.name, obligation.period_label
    org = obligation.organization.name
    if kind == DUE_SOON:
        left = obligations.remaining_days(obligation, on)
        subject = _("Due soon: %(item)s (%(period)s)") % {"item": name, "period": period}
        body = _(
            "%(org)s: due %(due)s, %(left)d working days left. Please draft, review and publish it in time."
        ) % {"org": org, "due": _day(obligation.due_date), "left": left}
    elif kind == OVERDUE:
        subject = _("Overdue: %(item)s (%(period)s)") % {"item": name, "period": period}
        body = _(
            "%(org)s: it was due %(due)s and has not been published. Publish it, or ask the superior for an exemption or deferral with the reasons."
        ) % {"org": org, "due": _day(obligation.due_date)}
    else:
        late = -obligations.remaining_days(obligation, on)
        subject = _("Escalated: %(org)s is %(days)d working days late with %(item)s") % {
            "org": org,
            "days": late,
            "item": name,
        }
        body = _(
            "%(item)s (%(period)s) of %(org)s was due %(due)s and is %(days)d working days overdue. Please follow it up."
        ) % {
            "item": name,
            "period": period,
            "org": org,
            "due": _day(obligation.due_date),
            "days": late,
        }
    return subject[:SUBJECT_MAX], body[:BODY_MAX]


def _people(orgs: Iterable[int], kinds: Iterable[str]) -> dict[int, dict[str, list[int]]]:
    """organization id → role kind → user ids (one query)."""
    out: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    rows = Role.objects.filter(
        organization__in=list(orgs), kind__in=list(kinds), user__is_active=True
    ).values_list("organization_id", "kind", "user_id")
    for org, kind, user in rows:
        if user not in out[org][kind]:
            out[org][kind].append(user)
    return out


def plan(on: dt.date) -> list[Notice]:
    """Every notice owed on `on` that has not been sent yet."""
    due = list(
        Obligation.objects.filter(state__in=[State.DUE_SOON, State.OVERDUE])
        .select_related("organization", "event", "plan")
        .order_by("due_date", "pk")
    )
    if not due:
        return []
    orgs = {o.organization_id for o in due}
    parents = {o.organization.parent_id for o in due if o.organization.parent_id}
    staff = _people(orgs, {Role.Kind.CLERK, Role.Kind.PRINCIPAL})
    offices = _people(parents, {Role.Kind.OFFICE, Role.Kind.PRINCIPAL})
    wanted: list[tuple[str, Obligation, list[int]]] = []
    for obligation in due:
        kind = DUE_SOON if obligation.state == State.DUE_SOON else OVERDUE
        people = staff.get(obligation.organization_id, {})
        recipients = [u for role in RECIPIENTS[kind] for u in people.get(role, [])]
        wanted.append((kind, obligation, recipients))
        if kind == OVERDUE:
            late = -obligations.remaining_days(obligation, on)
            parent = obligation.organization.parent_id
            if parent and late >= obligation.escalate_after_days:
                office = offices.get(parent, {})
                # The office; a superior without one hears through its principal.
                chosen = office.get(Role.Kind.OFFICE) or office.get(Role.Kind.PRINCIPAL, [])
                wanted.append((ESCALATION, obligation, list(chosen)))
    seen = _seen(
        (user, key_of(o.pk, kind)) for kind, o, recipients in wanted for user in recipients
    )
    notices = []
    for kind, obligation, recipients in wanted:
        subject, body = _texts(kind, obligation, on)
        for user in dict.fromkeys(recipients):
            key = key_of(obligation.pk, kind)
            if (user, key) in seen:
                continue
            notices.append(
                Notice(
                    kind,
                    obligation.pk,
                    user,
                    key,
                    subject,
                    body,
                    _link(obligation),
                    obligation.organization_id,
                )
            )
    return notices


def _seen(pairs: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
    """The (recipient, key) pairs already notified (batched lookups on the unique index)."""
    pending = list(dict.fromkeys(pairs))
    seen: set[tuple[int, str]] = set()
    for start in range(0, len(pending), 500):
        batch = pending[start : start + 500]
        keys = {key for _user, key in batch}
        rows = Notification.objects.filter(key__in=keys).values_list("recipient_id", "key")
        seen.update(pair for pair in rows if pair in set(batch))
    return seen


def run(on: dt.date | None = None, *, dry_run: bool = False, pause: float = 0.0) -> Report:
    """The daily job: generate what new periods and events owe, move states by the calendar,
    then notify, each notice in its own transaction (a run killed half-way keeps what it
    sent; the next run sends the rest, by the keys). `pause` throttles between notices (a
    slow mail relay). With `dry_run` everything is computed and rolled back: nothing is
    stored and nothing is sent."""
    on = on or obligations.today()
    report = Report(on)
    if dry_run:
        try:
            with transaction.atomic():
                generated, moved = obligations.daily(on)
                report.generated, report.moved = generated.created, dict(moved)
                report.notices = plan(on)
                # Rolled back below: the counts say what a real run would send.
                _other_apps(on, report, dry_run=True)
                raise _DryRun
        except _DryRun:
            return report
    generated, moved = obligations.daily(on)
    report.generated, report.moved = generated.created, dict(moved)
    report.notices = plan(on)
    users = _users({n.recipient_id for n in report.notices})
    orgs = Organization.objects.in_bulk({n.organization_id for n in report.notices})
    for notice in report.notices:
        with transaction.atomic():
            _row, created = notify(
                users[notice.recipient_id],
                key=notice.key,
                kind=notice.kind,
                subject=notice.subject,
                body=notice.body,
                link=notice.link,
                organization=orgs.get(notice.organization_id),
            )
        report.sent += int(created)
        if pause:
            time.sleep(pause)
    _other_apps(on, report, dry_run=False)
    return report


def _other_apps(on: dt.date, report: Report, *, dry_run: bool) -> None:
    """The other apps' reminders in the same daily run, each keyed so a re-run sends nothing
    twice: overdue rectifications of supervision findings, unanswered opinions
    (gongkai.engagement), topic requests, and DAILY_HOOKS (information requests)."""
    report.supervision_notices = supervision_reminders.run(on)
    report.opinion_notices = opinion_reminders.run(on).sent
    if not dry_run:
        report.sent += report.supervision_notices + report.opinion_notices
    report.topic_notices = _topic_reminders(on, dry_run=dry_run)
    for path in DAILY_HOOKS:
        report.hooks[path] = import_string(path)(on)


def _topic_reminders(on: dt.date, *, dry_run: bool = False) -> list[Any]:
    """Unanswered topic requests due soon or overdue (点题公开), by the same keys' rule."""
    return list(topic_reminders.run(on, dry_run=dry_run))


class _DryRun(Exception):
    """Raised to roll a dry run back."""


def _users(ids: set[int]) -> dict[int, Any]:
    return User.objects.in_bulk(ids)
