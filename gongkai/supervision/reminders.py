"""Overdue rectifications: reminded and escalated by the daily `gongkai remind` (called from
gongkai.compliance.reminders.run; safe to run twice, every notice has a key).

A finding still owed after its deadline: the organization's clerks and principal hear of it
once per deadline; `ESCALATE_AFTER_DAYS` working days later the supervisor who filed it and
the superior's office and discipline secretary hear of it, once per deadline.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext

from gongkai.notifications.models import BODY_MAX, SUBJECT_MAX
from gongkai.notifications.services import notify
from gongkai.organizations.models import Role
from gongkai.supervision import workflow
from gongkai.supervision.models import Finding
from gongkai.workdays import services as workdays

ESCALATE_AFTER_DAYS = 5


def run(on: dt.date | None = None) -> int:
    """Send what is owed on `on`; the number of notifications created."""
    on = on or workflow.today()
    sent = 0
    overdue = Finding.objects.overdue(on).select_related(
        "organization", "organization__parent", "filed_by"
    )
    for finding in overdue.order_by("due_date", "pk"):
        late, _years = workdays.count_provisional(finding.due_date, on)
        org = finding.organization
        due = finding.due_date.isoformat()
        subject = gettext("Rectification overdue: %(org)s") % {"org": org.name}
        body = gettext(
            "The finding “%(finding)s” was to be rectified by %(due)s and is %(days)d working days overdue."
        ) % {
            "finding": finding.description[:60],
            "due": workflow._day(finding.due_date),
            "days": late,
        }
        people = workflow._organization_people(finding)
        escalate = late >= ESCALATE_AFTER_DAYS
        above = []
        if escalate:
            above = [finding.filed_by]
            if org.parent is not None:
                above += workflow._people(
                    org.parent, (Role.Kind.OFFICE, Role.Kind.DISCIPLINE_SECRETARY)
                )
        with transaction.atomic():
            for person in dict.fromkeys(people):
                _row, created = notify(
                    person,
                    key=f"finding:{finding.pk}:overdue:{due}",
                    kind="overdue",
                    subject=subject[:SUBJECT_MAX],
                    body=body[:BODY_MAX],
                    link=workflow._link(finding),
                    organization=org,
                )
                sent += int(created)
            for person in dict.fromkeys(above):
                _row, created = notify(
                    person,
                    key=f"finding:{finding.pk}:escalation:{due}",
                    kind="escalation",
                    subject=(gettext("Escalated: ") + subject)[:SUBJECT_MAX],
                    body=body[:BODY_MAX],
                    link=workflow._link(finding),
                    organization=org,
                )
                sent += int(created)
    return sent
