"""Who hears of an information request's steps (gongkai.notifications.notify, in-app and the
configured channels), and the daily reminders that `gongkai remind` runs.

Every notice has a key naming the request, the step and (for reminders) the deadline, so a
repeated run or a re-sent step never tells anyone twice; a new deadline (an extension, a
restart after 补正) is a new key. Notices name the tracking code and the organization, never
the applicant: a notification can travel by SMS or e-mail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from gongkai.accounts.models import User
from gongkai.guard import tracking
from gongkai.inforequests.models import InformationRequest
from gongkai.notifications.models import BODY_MAX, SUBJECT_MAX, Notification
from gongkai.notifications.services import notify
from gongkai.organizations.models import Role
from gongkai.workdays import services as workdays

R = Role.Kind
#: Reminders start this many working days before the deadline.
DUE_SOON_DAYS = 3
STAFF_KINDS = (R.CLERK, R.PRINCIPAL)
SUPERIOR_KINDS = (R.REVIEWER, R.PRINCIPAL)
OFFICE_KINDS = (R.OFFICE, R.PRINCIPAL)


def _people(org_id: int | None, kinds: Iterable[str]) -> list[User]:
    if org_id is None:
        return []
    return list(
        User.objects.filter(
            roles__organization_id=org_id, roles__kind__in=list(kinds), is_active=True
        ).distinct()
    )


def _console_link(request: Any) -> str:
    return reverse("inforequests_console:detail", args=[request.pk])


def _day(value: dt.date | None) -> str:
    return f"{value.month}月{value.day}日" if value else "—"


def _send(
    people: Iterable[Any], request: Any, *, key: str, subject: str, body: str, link: str
) -> int:
    sent = 0
    for person in people:
        _row, created = notify(
            person,
            key=key,
            kind=Notification.Kind.GENERAL,
            subject=subject[:SUBJECT_MAX],
            body=body[:BODY_MAX],
            link=link,
            organization=request.organization,
        )
        sent += int(created)
    return sent


def _code(request: Any) -> str:
    return tracking.display(request.tracking_code)


def received(request: Any) -> None:
    subject = _("New information request %(code)s") % {"code": _code(request)}
    body = _("%(org)s received an information request; the answer is due %(due)s.") % {
        "org": request.organization.name,
        "due": _day(request.due_on),
    }
    _send(
        _people(request.organization_id, STAFF_KINDS),
        request,
        key=f"inforequest:{request.pk}:received",
        subject=subject,
        body=body,
        link=_console_link(request),
    )


def to_applicant(request: Any, step: str) -> None:
    """The applicant, if they asked with an account: a notice or the answer went out."""
    if request.applicant_account_id is None:
        return
    texts = {
        "supplement": _("Please complete your information request %(code)s"),
        "extension": _("The answer to your information request %(code)s is extended"),
        "decision": _("Your information request %(code)s has been answered"),
    }
    subject = texts[step] % {"code": _code(request)}
    body = _("%(org)s: the letter is sent to you; the tracking page shows the state.") % {
        "org": request.organization.name
    }
    _send(
        [request.applicant_account],
        request,
        key=f"inforequest:{request.pk}:applicant:{step}:{request.due_on or ''}",
        subject=subject,
        body=body,
        link=reverse("inforequests:mine"),
    )


def to_superior(request: Any) -> None:
    subject = _("Refusal to confirm: information request %(code)s of %(org)s") % {
        "code": _code(request),
        "org": request.organization.name,
    }
    body = _("%(org)s proposes: %(outcome)s. Please confirm or return it.") % {
        "org": request.organization.name,
        "outcome": request.get_outcome_display(),
    }
    n = request.steps.filter(kind="proposed").count()
    _send(
        _people(request.organization.parent_id, SUPERIOR_KINDS),
        request,
        key=f"inforequest:{request.pk}:proposed:{n}",
        subject=subject,
        body=body,
        link=_console_link(request),
    )


def to_staff(request: Any, step: str) -> None:
    texts = {
        "confirmed": _("The superior confirmed the answer to request %(code)s"),
        "returned": _("The superior returned the answer to request %(code)s"),
    }
    n = request.steps.count()
    _send(
        _people(request.organization_id, STAFF_KINDS),
        request,
        key=f"inforequest:{request.pk}:{step}:{n}",
        subject=texts[step] % {"code": _code(request)},
        body=request.organization.name,
        link=_console_link(request),
    )


# --- the daily reminders -------------------------------------------------------------------------


def remind(on: dt.date) -> int:
    """Due soon and overdue requests: the staff hear of each once per deadline, and the
    superior's office once a request is overdue. Returns how many notices were created."""
    calendar = workdays.current_calendar()
    sent = 0
    for request in _open_requests():
        if request.due_on is None:
            continue
        if on > request.due_on:
            kind = "overdue"
            subject = _("Overdue: information request %(code)s (due %(due)s)")
        else:
            left, _years = calendar.count_provisional(on, request.due_on)
            if left > DUE_SOON_DAYS:
                continue
            kind = "due_soon"
            subject = _("Due soon: information request %(code)s (due %(due)s)")
        texts = {"code": _code(request), "due": _day(request.due_on)}
        key = f"inforequest:{request.pk}:{kind}:{request.due_on.isoformat()}"
        people = _people(request.organization_id, STAFF_KINDS)
        if kind == "overdue":
            people += _people(request.organization.parent_id, OFFICE_KINDS)
        with transaction.atomic():
            sent += _send(
                people,
                request,
                key=key,
                subject=subject % texts,
                body=request.organization.name,
                link=_console_link(request),
            )
    return sent


def _open_requests() -> list[InformationRequest]:
    return list(
        InformationRequest.objects.open()
        .filter(due_on__isnull=False)
        .select_related("organization")
        .order_by("due_on", "pk")
    )
