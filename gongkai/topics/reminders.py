"""Reminders for unanswered topic requests, called from the daily `gongkai remind`
(gongkai.compliance.reminders.run). The organization's clerks and principal hear when a
topic is due within `DUE_SOON_DAYS` working days, and again once it is overdue. Each notice
has a key (topic, kind), so a run repeated sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from gongkai.notifications.models import BODY_MAX, SUBJECT_MAX, Notification
from gongkai.topics import services
from gongkai.topics.models import State, TopicRequest
from gongkai.workdays import services as workdays

DUE_SOON = "due_soon"
OVERDUE = "overdue"
#: Working days before the due date from which the handlers are reminded.
DUE_SOON_DAYS = 3


@dataclass(frozen=True)
class Notice:
    kind: str
    topic_id: int
    recipient_id: int
    key: str


def key_of(topic_id: int, kind: str) -> str:
    return f"topic:{topic_id}:{kind}"


def kind_on(topic: TopicRequest, on: dt.date) -> str | None:
    """Which reminder an open topic owes on `on`, if any."""
    if topic.due_date < on:
        return OVERDUE
    left, _missing = workdays.count_provisional(on, topic.due_date)
    return DUE_SOON if left <= DUE_SOON_DAYS else None


def _texts(kind: str, topic: TopicRequest, on: dt.date) -> tuple[str, str]:
    org = topic.organization.name
    if kind == DUE_SOON:
        left, _missing = workdays.count_provisional(on, topic.due_date)
        subject = _("Topic request due soon: %(title)s") % {"title": topic.title}
        body = _(
            "%(org)s: the topic request is to be answered by %(due)s, %(left)d working days left."
        ) % {"org": org, "due": topic.due_date.isoformat(), "left": left}
    else:
        subject = _("Topic request overdue: %(title)s") % {"title": topic.title}
        body = _("%(org)s: the topic request was to be answered by %(due)s and is still open.") % {
            "org": org,
            "due": topic.due_date.isoformat(),
        }
    return subject[:SUBJECT_MAX], body[:BODY_MAX]


def run(on: dt.date, *, dry_run: bool = False) -> list[Notice]:
    """Send what is owed on `on`; the notices this run created (or would create)."""
    topics = TopicRequest.objects.filter(state=State.OPEN).select_related("organization")
    topics = topics.filter(due_date__lte=workdays.deadline(on, DUE_SOON_DAYS).date)
    people: dict[int, list] = {}  # type: ignore[type-arg]
    sent: list[Notice] = []
    for topic in topics.order_by("due_date", "pk"):
        kind = kind_on(topic, on)
        if kind is None:
            continue
        if topic.organization_id not in people:
            people[topic.organization_id] = services.handlers(topic.organization)
        key = key_of(topic.pk, kind)
        recipients = people[topic.organization_id]
        seen = set(
            Notification.objects.filter(key=key, recipient__in=recipients).values_list(
                "recipient_id", flat=True
            )
        )
        subject, body = _texts(kind, topic, on)
        for person in recipients:
            if person.pk in seen:
                continue
            sent.append(Notice(kind, topic.pk, person.pk, key))
            if dry_run:
                continue
            with transaction.atomic():
                services.notify(
                    person,
                    key=key,
                    kind=kind,
                    subject=subject,
                    body=body,
                    link=services.console_link(topic),
                    organization=topic.organization,
                )
    return sent
