"""The life of a finding (监督检查发现的问题) and the recording of accountability.

    open ──rectify──▶ rectified ──confirm──▶ confirmed ──publish──▶ (published to a scope)
      ▲                   │
      └──── reopened ◀────┘ reopen (with a reason and a new deadline)

One guarded function per step: keyword-only, a required actor, one transaction, the finding
locked, an event row written and the people concerned notified inside it (the deliveries
that need a worker go on commit). The console, the API and the demo call these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongkai import permissions, validation
from gongkai.catalog.models import Scope
from gongkai.compliance.models import Obligation
from gongkai.compliance.models import State as ObligationState
from gongkai.disclosures import clock, scanning
from gongkai.disclosures.models import Disclosure
from gongkai.notifications.models import BODY_MAX, SUBJECT_MAX
from gongkai.notifications.services import notify
from gongkai.organizations.models import Organization, Role
from gongkai.supervision import files
from gongkai.supervision.models import (
    DESCRIPTION_MAX,
    MAX_DEADLINE_DAYS,
    AccountabilityRecord,
    Category,
    Finding,
    FindingAttachment,
    FindingEvent,
    FindingState,
    Inspection,
    Measure,
    RecordScope,
)
from gongkai.workdays import services as workdays

State = FindingState
Action = FindingEvent.Action

# --- messages (module constants: tests assert the exact sentence) ------------------------------

NOT_A_SUPERVISOR = _(
    "Only a supervisor assigned to %(org)s or its discipline committee can do this."
)
NOT_THE_ORGANIZATION = _("Only the clerks and the leading group of %(org)s record a rectification.")
NOT_ALLOWED_NOW = _("“%(action)s” is not possible while the finding is “%(state)s”.")
DESCRIPTION_REQUIRED = _("Describe what was found.")
RECTIFICATION_REQUIRED = _("Describe what was done to rectify it.")
REASON_REQUIRED = _("Give the reason for reopening.")
BAD_CATEGORY = _("Choose what the finding is about: content, form, timing or feedback.")
BAD_DEADLINE = _("The rectification deadline must be between 1 and %(max)d working days.")
BAD_SCOPE = _("Choose to whom the result is published.")
ALREADY_PUBLISHED = _("The result has already been published.")
NOT_OF_THE_ORGANIZATION = _("The disclosure or obligation named belongs to another organization.")
INSPECTION_ELSEWHERE = _("The inspection round does not check %(org)s.")
NOT_DISCIPLINE = _(
    "Only the discipline secretary of %(org)s decides accountability, for it or an "
    "organization below it."
)
PERSON_REQUIRED = _("Name the person held responsible and their position.")
FACTS_REQUIRED = _("Say what the person is held responsible for.")
BAD_MEASURE = _("Choose a measure.")
BAD_RECORD_SCOPE = _("Choose who may see the record.")
NOTHING_LINKED = _("Link at least one finding or overdue obligation.")
NOT_OVERDUE = _(
    "“%(name)s” was not overdue: only late or missed obligations lead to accountability."
)
LINKED_ELSEWHERE = _("A finding or obligation linked belongs to an organization outside %(org)s.")
BAD_DATE = _("The decision date must be a real date, not in the future.")

#: (state, action) → (new state, who may: "supervisor" or "organization").
TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    (State.OPEN, Action.RECTIFIED): (State.RECTIFIED, "organization"),
    (State.REOPENED, Action.RECTIFIED): (State.RECTIFIED, "organization"),
    (State.RECTIFIED, Action.CONFIRMED): (State.CONFIRMED, "supervisor"),
    (State.RECTIFIED, Action.REOPENED): (State.REOPENED, "supervisor"),
    (State.CONFIRMED, Action.PUBLISHED): (State.CONFIRMED, "supervisor"),
}


def allowed_actions(finding: Finding, user: Any) -> list[str]:
    """The steps `user` may take on `finding` now (for buttons; the functions check again)."""
    out = []
    for (state, action), (_target, who) in TRANSITIONS.items():
        if state != finding.state or not _may(who, user, finding.organization):
            continue
        if action == Action.PUBLISHED and finding.published_at is not None:
            continue
        out.append(str(action))
    return out


def _may(who: str, user: Any, org: Organization) -> bool:
    if who == "supervisor":
        return permissions.can_file_finding(user, org)
    return permissions.can_rectify(user, org)


def _text(value: Any, *, required: Any = None, max_length: int = DESCRIPTION_MAX) -> str:
    text = validation.check_text(value, max_length=max_length).strip()
    if required is not None and not text:
        raise ValidationError(required)
    return text


def _days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DEADLINE_DAYS:
        raise ValidationError(BAD_DEADLINE % {"max": MAX_DEADLINE_DAYS})
    return value


def today() -> dt.date:
    return timezone.localdate(clock.now())


def _link(finding: Finding) -> str:
    return reverse("console:supervision_finding", args=[finding.pk])


def _people(org: Organization, kinds: Iterable[str]) -> list[Any]:
    roles = Role.objects.filter(organization=org, kind__in=list(kinds), user__is_active=True)
    return list(dict.fromkeys(r.user for r in roles.select_related("user").order_by("pk")))


def _tell(people: Iterable[Any], finding: Finding, key: str, subject: str, body: str) -> None:
    for person in dict.fromkeys(people):
        notify(
            person,
            key=f"finding:{finding.pk}:{key}",
            kind="general",
            subject=subject[:SUBJECT_MAX],
            body=body[:BODY_MAX],
            link=_link(finding),
            organization=finding.organization,
        )


def _organization_people(finding: Finding) -> list[Any]:
    return _people(finding.organization, (Role.Kind.CLERK, Role.Kind.PRINCIPAL))


def _record(
    finding: Finding, action: str, *, actor: Any, before: str, reason: str = "", **detail: Any
) -> FindingEvent:
    return FindingEvent.objects.create(
        finding=finding,
        action=action,
        from_state=before,
        to_state=finding.state,
        actor=actor,
        at=clock.now(),
        reason=reason,
        detail=detail,
    )


def _due(start: dt.date, days: int) -> workdays.Deadline:
    return workdays.deadline(start, days)


# --- filing --------------------------------------------------------------------------------------


def file_finding(
    org: Organization,
    *,
    actor: Any,
    category: str,
    description: str,
    deadline_days: int = 10,
    disclosure: Disclosure | None = None,
    obligation: Obligation | None = None,
    inspection: Inspection | None = None,
    uploads: Iterable[Any] = (),
) -> Finding:
    """A supervisor records what was found, with evidence and the deadline to rectify it."""
    if not permissions.can_file_finding(actor, org):
        raise PermissionDenied(NOT_A_SUPERVISOR % {"org": org.name})
    if category not in Category.values:
        raise ValidationError(BAD_CATEGORY)
    text = _text(description, required=DESCRIPTION_REQUIRED)
    days = _days(deadline_days)
    if (disclosure is not None and disclosure.organization_id != org.pk) or (
        obligation is not None and obligation.organization_id != org.pk
    ):
        raise ValidationError(NOT_OF_THE_ORGANIZATION)
    if inspection is not None and not inspection.group.organizations.filter(pk=org.pk).exists():
        raise ValidationError(INSPECTION_ELSEWHERE % {"org": org.name})
    checked = files.check_all(uploads)
    start = today()
    due = _due(start, days)
    with transaction.atomic():
        finding = Finding.objects.create(
            organization=org,
            inspection=inspection,
            disclosure=disclosure,
            obligation=obligation,
            category=category,
            description=text,
            deadline_days=days,
            counted_from=start,
            due_date=due.date,
            provisional=due.provisional,
            filed_by=actor,
            filed_at=clock.now(),
        )
        for one in checked:
            files.store(finding, one, purpose=FindingAttachment.Purpose.EVIDENCE, actor=actor)
        _record(finding, Action.FILED, actor=actor, before="", days=days)
        _tell(
            _organization_people(finding),
            finding,
            "filed",
            gettext("Supervision finding to rectify by %(due)s") % {"due": _day(finding.due_date)},
            gettext(
                "%(org)s: the supervisors found a problem (%(category)s): %(text)s "
                "Rectify it within %(days)d working days, by %(due)s, and record what was done."
            )
            % {
                "org": org.name,
                "category": finding.get_category_display(),
                "text": text,
                "days": days,
                "due": _day(finding.due_date),
            },
        )
    return finding


def _day(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _locked(finding: Finding, action: str, actor: Any) -> tuple[Finding, str]:
    locked = (
        Finding.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=finding.pk)
    )
    move = TRANSITIONS.get((locked.state, action))
    if move is None:
        raise ValidationError(
            NOT_ALLOWED_NOW % {"action": Action(action).label, "state": State(locked.state).label}
        )
    target, who = move
    if not _may(who, actor, locked.organization):
        message = NOT_A_SUPERVISOR if who == "supervisor" else NOT_THE_ORGANIZATION
        raise PermissionDenied(message % {"org": locked.organization.name})
    return locked, target


# --- the steps ------------------------------------------------------------------------------------


def rectify(finding: Finding, *, actor: Any, text: str, uploads: Iterable[Any] = ()) -> Finding:
    """The organization records what it did, with evidence (e.g. a photo of the board)."""
    done = _text(text, required=RECTIFICATION_REQUIRED)
    # Permission first (cheap), then the files (slow, outside the transaction), then the move.
    if not permissions.can_rectify(actor, finding.organization):
        raise PermissionDenied(NOT_THE_ORGANIZATION % {"org": finding.organization.name})
    checked = files.check_all(uploads)
    with transaction.atomic():
        locked, target = _locked(finding, Action.RECTIFIED, actor)
        before = locked.state
        locked.state = target
        locked.rectification = done
        locked.rectified_by = actor
        locked.rectified_at = clock.now()
        locked.save()
        for one in checked:
            files.store(locked, one, purpose=FindingAttachment.Purpose.RECTIFICATION, actor=actor)
        event = _record(locked, Action.RECTIFIED, actor=actor, before=before, reason=done)
        _tell(
            [locked.filed_by],
            locked,
            f"rectified:{event.pk}",
            gettext("Rectified: please confirm (%(org)s)") % {"org": locked.organization.name},
            gettext("%(org)s recorded what it did about the finding “%(finding)s”: %(text)s")
            % {"org": locked.organization.name, "finding": locked.description[:60], "text": done},
        )
    return locked


def confirm(finding: Finding, *, actor: Any, note: str = "") -> Finding:
    """The supervisor checked the rectification and confirms it."""
    remark = _text(note)
    with transaction.atomic():
        locked, target = _locked(finding, Action.CONFIRMED, actor)
        before = locked.state
        locked.state = target
        locked.confirmed_by = actor
        locked.confirmed_at = clock.now()
        locked.save()
        _record(locked, Action.CONFIRMED, actor=actor, before=before, reason=remark)
        _tell(
            _organization_people(locked),
            locked,
            "confirmed",
            gettext("Rectification confirmed (%(org)s)") % {"org": locked.organization.name},
            gettext("The supervisor confirmed the rectification of “%(finding)s”.")
            % {"finding": locked.description[:60]},
        )
    return locked


def reopen(
    finding: Finding, *, actor: Any, reason: str, deadline_days: int | None = None
) -> Finding:
    """Not (fully) rectified: back to the organization, with the reason and a new deadline
    counted from today (the finding's own number of working days unless given)."""
    why = _text(reason, required=REASON_REQUIRED)
    with transaction.atomic():
        locked, target = _locked(finding, Action.REOPENED, actor)
        days = _days(locked.deadline_days if deadline_days is None else deadline_days)
        start = today()
        due = _due(start, days)
        before = locked.state
        locked.state = target
        locked.deadline_days = days
        locked.counted_from = start
        locked.due_date = due.date
        locked.provisional = due.provisional
        locked.save()
        event = _record(locked, Action.REOPENED, actor=actor, before=before, reason=why, days=days)
        _tell(
            _organization_people(locked),
            locked,
            f"reopened:{event.pk}",
            gettext("Finding reopened: rectify by %(due)s") % {"due": _day(locked.due_date)},
            gettext("The supervisor reopened “%(finding)s”: %(reason)s")
            % {"finding": locked.description[:60], "reason": why},
        )
    return locked


def publish(finding: Finding, *, actor: Any, scope: str) -> Finding:
    """Publish the result (监督检查结果) on the organization's page to `scope`: the finding
    and what was done, personal numbers masked, stored as published."""
    if scope not in Scope.values:
        raise ValidationError(BAD_SCOPE)
    with transaction.atomic():
        locked, _target = _locked(finding, Action.PUBLISHED, actor)
        if locked.published_at is not None:
            raise ValidationError(ALREADY_PUBLISHED)
        locked.publish_scope = scope
        locked.published_at = clock.now()
        locked.published_by = actor
        locked.published_description = scanning.mask(locked.description)
        locked.published_rectification = scanning.mask(locked.rectification)
        locked.save()
        _record(locked, Action.PUBLISHED, actor=actor, before=locked.state, scope=scope)
        _tell(
            _organization_people(locked),
            locked,
            "published",
            gettext("Supervision result published (%(org)s)") % {"org": locked.organization.name},
            gettext("The result of the finding “%(finding)s” was published: %(scope)s.")
            % {"finding": locked.published_description[:60], "scope": Scope(scope).label},
        )
    return locked


# --- accountability -------------------------------------------------------------------------------


def record_accountability(
    org: Organization,
    *,
    actor: Any,
    deciding: Organization,
    person_name: str,
    person_position: str,
    measure: str,
    facts: str,
    decision_date: dt.date,
    scope: str,
    person: Any = None,
    findings: Iterable[Finding] = (),
    obligations: Iterable[Obligation] = (),
) -> AccountabilityRecord:
    """The discipline committee of `deciding` records who is held responsible for what."""
    if not permissions.can_decide_accountability(actor, deciding, org):
        raise PermissionDenied(NOT_DISCIPLINE % {"org": deciding.name})
    name = _text(person_name, max_length=50)
    position = _text(person_position, max_length=100)
    if not name or not position:
        raise ValidationError(PERSON_REQUIRED)
    what = _text(facts, required=FACTS_REQUIRED)
    if measure not in Measure.values:
        raise ValidationError(BAD_MEASURE)
    if scope not in RecordScope.values:
        raise ValidationError(BAD_RECORD_SCOPE)
    if (
        not isinstance(decision_date, dt.date)
        or not validation.YEAR_MIN <= decision_date.year <= validation.YEAR_MAX
        or decision_date > today()
    ):
        raise ValidationError(BAD_DATE)
    linked_findings = list(findings)
    linked_obligations = list(obligations)
    if not linked_findings and not linked_obligations:
        raise ValidationError(NOTHING_LINKED)
    linked_all: list[Any] = [*linked_findings, *linked_obligations]
    for linked in linked_all:
        if not linked.organization.is_within(org):
            raise ValidationError(LINKED_ELSEWHERE % {"org": org.name})
    for obligation in linked_obligations:
        if obligation.state not in (ObligationState.OVERDUE, ObligationState.LATE):
            raise ValidationError(NOT_OVERDUE % {"name": obligation.name})
    with transaction.atomic():
        record = AccountabilityRecord.objects.create(
            organization=org,
            deciding_organization=deciding,
            person_name=name,
            person_position=position,
            person=person,
            measure=measure,
            facts=what,
            decision_date=decision_date,
            decided_by=actor,
            scope=scope,
            created_at=clock.now(),
        )
        record.findings.set(linked_findings)
        record.obligations.set(linked_obligations)
    return record


def published_facts(record: AccountabilityRecord) -> str:
    """The facts as a reader outside the deciders sees them: personal numbers masked."""
    return scanning.mask(record.facts)
