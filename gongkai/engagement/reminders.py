"""Reminders and escalation of unanswered opinions, part of the daily `gongkai remind`.

For each open opinion (received or accepted, not answered): the responsible unit's clerks
(and the person it is assigned to) hear when its deadline is within `DUE_SOON_DAYS` working
days, and again, with the principal, once it is overdue; once it is `escalate_after_days`
working days overdue (AnswerRule, default 5) the superior's office hears of it (its principal
when it has no office). One notification per (person, opinion, kind): the keys make a
repeated run send nothing twice (gongkai.notifications.notify).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from gongkai.engagement import services
from gongkai.engagement.models import OPEN_STATES, Opinion
from gongkai.notifications.models import BODY_MAX, SUBJECT_MAX
from gongkai.notifications.services import notify
from gongkai.organizations.models import Role

DUE_SOON = "due_soon"
OVERDUE = "overdue"
ESCALATION = "escalation"
DUE_SOON_DAYS = 2


@dataclass
class Report:
    on: dt.date
    counts: Counter[str] = field(default_factory=Counter)
    sent: int = 0


def key_of(opinion_id: int, kind: str) -> str:
    return f"opinion:{opinion_id}:{kind}"


def _people(org_id: int | None, kinds: tuple[str, ...]) -> list:  # type: ignore[type-arg]
    if org_id is None:
        return []
    roles = Role.objects.filter(
        organization_id=org_id, kind__in=kinds, user__is_active=True
    ).select_related("user")
    return list({r.user_id: r.user for r in roles}.values())


def _texts(kind: str, opinion: Opinion, left: int) -> tuple[str, str]:
    code, org, due = opinion.code_display, opinion.responsible.name, opinion.due_date.isoformat()
    if kind == DUE_SOON:
        subject = _("Opinion due soon: %(code)s") % {"code": code}
        body = _("%(org)s: answer by %(due)s, %(left)d working days left.") % {
            "org": org,
            "due": due,
            "left": left,
        }
    elif kind == OVERDUE:
        subject = _("Opinion overdue: %(code)s") % {"code": code}
        body = _("%(org)s: the answer was due %(due)s. Please answer it now.") % {
            "org": org,
            "due": due,
        }
    else:
        subject = _("Escalated: %(org)s is %(days)d working days late answering an opinion") % {
            "org": org,
            "days": -left,
        }
        body = _("Opinion %(code)s to %(org)s was due %(due)s. Please follow it up.") % {
            "code": code,
            "org": org,
            "due": due,
        }
    return subject[:SUBJECT_MAX], body[:BODY_MAX]


def run(on: dt.date) -> Report:
    """Send every reminder owed on `on` (each in its own transaction)."""
    report = Report(on)
    opinions = (
        Opinion.objects.filter(state__in=OPEN_STATES)
        .select_related("responsible", "assigned_to")
        .order_by("due_date", "pk")
    )
    for opinion in opinions.iterator(chunk_size=500):
        left = services.remaining_days(opinion, on)
        wanted: list[tuple[str, list]] = []  # type: ignore[type-arg]
        staff = _people(opinion.responsible_id, (Role.Kind.CLERK,))
        if opinion.assigned_to is not None and opinion.assigned_to.is_active:
            staff.append(opinion.assigned_to)
        if on > opinion.due_date:
            principals = _people(opinion.responsible_id, (Role.Kind.PRINCIPAL,))
            wanted.append((OVERDUE, staff + principals))
            _days, escalate_after = services.rule_for(opinion.responsible)
            if -left >= escalate_after and opinion.responsible.parent_id:
                parent = opinion.responsible.parent_id
                office = _people(parent, (Role.Kind.OFFICE,)) or _people(
                    parent, (Role.Kind.PRINCIPAL,)
                )
                wanted.append((ESCALATION, office))
        elif left <= DUE_SOON_DAYS:
            wanted.append((DUE_SOON, staff))
        for kind, people in wanted:
            subject, body = _texts(kind, opinion, left)
            for person in {p.pk: p for p in people}.values():
                with transaction.atomic():
                    _row, created = notify(
                        person,
                        key=key_of(opinion.pk, kind),
                        kind=kind,
                        subject=subject,
                        body=body,
                        link=services.console_link(opinion),
                        organization=opinion.responsible,
                    )
                if created:
                    report.counts[kind] += 1
                    report.sent += 1
    return report
