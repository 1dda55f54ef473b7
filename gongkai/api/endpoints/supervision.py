"""Supervision: findings and their rectification, accountability records, and the records a
supervisor reads (logged) — the same functions and rules as the console's pages
(`gongkai.supervision.workflow`, `.visibility`, `gongkai.permissions`).

A finding or record the caller may not see is 404, so nothing reveals it exists. Evidence
files are uploaded through the console (the API takes the text of each step).
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import AfterValidator, Field, StringConstraints

from gongkai import permissions
from gongkai.api import auth
from gongkai.api import fields as f
from gongkai.api.endpoints import page_of
from gongkai.api.errors import responses
from gongkai.api.schemas import EventDate, Input, OrganizationRef, Paged, PageQuery, ScopeName
from gongkai.compliance.models import Obligation
from gongkai.disclosures.models import Disclosure, State
from gongkai.organizations.models import Organization
from gongkai.supervision import log, visibility, workflow
from gongkai.supervision.models import (
    DEFAULT_DEADLINE_DAYS,
    DESCRIPTION_MAX,
    MAX_DEADLINE_DAYS,
    AccountabilityRecord,
    Category,
    Finding,
    FindingState,
    Measure,
    RecordScope,
    SupervisionView,
)

findings_router = Router(tags=["supervision"], auth=auth.STAFF)
accountability_router = Router(tags=["supervision"], auth=auth.READ)
supervision_router = Router(tags=["supervision"], auth=auth.STAFF)

LIST_LIMIT = 100

CategoryName = Enum("CategoryName", {v: v for v in Category.values}, type=str)  # type: ignore[misc]
FindingStateName = Enum(  # type: ignore[misc]
    "FindingStateName", {"overdue": "overdue", **{v: v for v in FindingState.values}}, type=str
)
MeasureName = Enum("MeasureName", {v: v for v in Measure.values}, type=str)  # type: ignore[misc]
RecordScopeName = Enum("RecordScopeName", {v: v for v in RecordScope.values}, type=str)  # type: ignore[misc]

Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=DESCRIPTION_MAX),
    AfterValidator(f.plain_text),
]
PersonName = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=50), AfterValidator(f.plain_text)
]
Position = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=100), AfterValidator(f.plain_text)
]
Days = Annotated[int, Field(ge=1, le=MAX_DEADLINE_DAYS)]


# --- schemas ------------------------------------------------------------------------------------


class FileOut(Schema):
    id: int
    name: str
    kind: str
    size: int
    purpose: str


class FindingEventOut(Schema):
    action: str
    action_label: str
    from_state: str
    to_state: str
    actor: str
    at: dt.datetime
    reason: str


class SupervisionFindingOut(Schema):
    id: int
    organization: OrganizationRef
    category: str
    category_label: str
    description: str
    state: str
    state_label: str
    overdue: bool
    deadline_days: int
    counted_from: dt.date
    due_date: dt.date
    provisional: bool
    disclosure_id: int | None
    obligation_id: int | None
    inspection: str | None
    filed_by: str
    filed_at: dt.datetime
    rectification: str
    rectified_at: dt.datetime | None
    confirmed_at: dt.datetime | None
    publish_scope: str
    published_at: dt.datetime | None
    allowed_actions: list[str] = Field(description="Steps the caller may take now.")
    files: list[FileOut]
    events: list[FindingEventOut]


class FindingPage(Paged):
    results: list[SupervisionFindingOut]


class FindingQuery(PageQuery):
    organization: f.OrganizationCode | None = Field(
        None, description="Only this organization and everything below it (its code)."
    )
    state: FindingStateName | None = Field(
        None, description="A state, or `overdue`: still owed and past its deadline."
    )


class FindingIn(Input):
    organization: f.OrganizationCode
    category: CategoryName
    description: Text
    deadline_days: Days = DEFAULT_DEADLINE_DAYS
    disclosure_id: f.Id | None = None
    obligation_id: f.Id | None = None


class RectifyIn(Input):
    text: Text


class ConfirmIn(Input):
    note: Text = ""


class ReopenIn(Input):
    reason: Text
    deadline_days: Days | None = None


class FindingPublishIn(Input):
    scope: ScopeName


class RecordOut(Schema):
    id: int
    organization: OrganizationRef
    deciding_organization: OrganizationRef
    person_name: str
    person_position: str
    measure: str
    measure_label: str
    facts: str = Field(description="Personal numbers masked.")
    decision_date: dt.date
    scope: str
    scope_label: str
    finding_ids: list[int]
    obligation_ids: list[int]


class RecordPage(Paged):
    results: list[RecordOut]


class RecordQuery(PageQuery):
    organization: f.OrganizationCode | None = Field(
        None, description="Only records about this organization (its code)."
    )


class RecordIn(Input):
    organization: f.OrganizationCode = Field(description="The organization concerned.")
    deciding_organization: f.OrganizationCode = Field(
        description="The organization whose discipline committee decided."
    )
    person_name: PersonName
    person_position: Position
    measure: MeasureName
    facts: Text
    decision_date: EventDate
    scope: RecordScopeName
    finding_ids: list[f.Id] = Field(default_factory=list, max_length=50)
    obligation_ids: list[f.Id] = Field(default_factory=list, max_length=50)


class SupervisedDisclosureOut(Schema):
    id: int
    title: str
    item: str
    scope: str
    state: str
    state_label: str
    updated_at: dt.datetime


class SupervisedObligationOut(Schema):
    id: int
    name: str
    period_label: str
    due_date: dt.date
    state: str
    state_label: str


class SupervisedRecordsOut(Schema):
    organization: OrganizationRef
    disclosures: list[SupervisedDisclosureOut]
    obligations: list[SupervisedObligationOut]


class SupervisedRevisionOut(Schema):
    number: int
    title: str
    body: str
    note: str
    created_at: dt.datetime


class SupervisedOpinionOut(Schema):
    text: str
    handling: str
    received_at: dt.datetime


class SupervisedDisclosureDetailOut(SupervisedDisclosureOut):
    organization: OrganizationRef
    body: str
    revisions: list[SupervisedRevisionOut]
    opinions: list[SupervisedOpinionOut]


class SupervisionResultOut(Schema):
    id: int
    category: str
    category_label: str
    description: str = Field(description="As published: personal numbers masked.")
    rectification: str = Field(description="As published: personal numbers masked.")
    scope: str
    filed_at: dt.datetime
    confirmed_at: dt.datetime | None
    published_at: dt.datetime


class ResultsOut(Schema):
    organization: OrganizationRef
    findings: list[SupervisionResultOut]
    accountability: list[RecordOut]


# --- helpers ------------------------------------------------------------------------------------


def _ref(org: Organization) -> dict[str, str]:
    return {"code": org.code, "name": org.name}


def _org(code: str) -> Organization:
    org = Organization.objects.select_related("parent").filter(code=code).first()
    if org is None:
        raise Http404
    return org


def finding_out(finding: Finding, user: Any) -> dict[str, Any]:
    on = workflow.today()
    return {
        "id": finding.pk,
        "organization": _ref(finding.organization),
        "category": finding.category,
        "category_label": str(finding.get_category_display()),
        "description": finding.description,
        "state": finding.state,
        "state_label": str(finding.get_state_display()),
        "overdue": finding.is_overdue(on),
        "deadline_days": finding.deadline_days,
        "counted_from": finding.counted_from,
        "due_date": finding.due_date,
        "provisional": finding.provisional,
        "disclosure_id": finding.disclosure_id,
        "obligation_id": finding.obligation_id,
        "inspection": str(finding.inspection) if finding.inspection_id else None,
        "filed_by": finding.filed_by.display_name,
        "filed_at": finding.filed_at,
        "rectification": finding.rectification,
        "rectified_at": finding.rectified_at,
        "confirmed_at": finding.confirmed_at,
        "publish_scope": finding.publish_scope,
        "published_at": finding.published_at,
        "allowed_actions": workflow.allowed_actions(finding, user),
        "files": [
            {"id": a.pk, "name": a.name, "kind": a.kind, "size": a.size, "purpose": a.purpose}
            for a in finding.attachments.all()
        ],
        "events": [
            {
                "action": e.action,
                "action_label": str(e.get_action_display()),
                "from_state": e.from_state,
                "to_state": e.to_state,
                "actor": e.actor.display_name,
                "at": e.at,
                "reason": e.reason,
            }
            for e in finding.events.select_related("actor")
        ],
    }


FINDING_RELATED = ("organization", "filed_by", "inspection__group")


def _finding(request: HttpRequest, pk: int) -> Finding:
    found = Finding.objects.select_related(*FINDING_RELATED).filter(pk=pk).first()
    if found is None or not visibility.can_handle_finding(auth.caller(request), found.organization):
        raise Http404
    return found


def record_out(record: AccountabilityRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "organization": _ref(record.organization),
        "deciding_organization": _ref(record.deciding_organization),
        "person_name": record.person_name,
        "person_position": record.person_position,
        "measure": record.measure,
        "measure_label": str(record.get_measure_display()),
        "facts": workflow.published_facts(record),
        "decision_date": record.decision_date,
        "scope": record.scope,
        "scope_label": str(record.get_scope_display()),
        "finding_ids": [f.pk for f in record.findings.all()],
        "obligation_ids": [o.pk for o in record.obligations.all()],
    }


RECORD_RELATED = ("organization", "deciding_organization")


# --- findings -----------------------------------------------------------------------------------


@findings_router.get(
    "/",
    response={200: FindingPage, **responses(401, 404, 422)},
    summary="Findings about the organizations the caller supervises or works for",
)
def list_findings(request: HttpRequest, query: Query[FindingQuery]) -> Any:
    user = auth.caller(request)
    qs = Finding.objects.filter(visibility.handling_condition(user))
    if query.organization is not None:
        org = _org(query.organization)
        qs = qs.filter(organization__in=Organization.objects.subtree(org).values("pk"))
    if query.state is not None:
        state = query.state.value
        qs = qs.overdue(workflow.today()) if state == "overdue" else qs.filter(state=state)
    qs = (
        qs.select_related(*FINDING_RELATED)
        .prefetch_related("attachments")
        .order_by("-filed_at", "-pk")
    )
    total, rows = page_of(qs, query)
    return {
        "count": total,
        "page": query.page,
        "page_size": query.page_size,
        "results": [finding_out(x, user) for x in rows],
    }


@findings_router.get(
    "/{int:id}",
    response={200: SupervisionFindingOut, **responses(401, 404, 422)},
    summary="A finding with its evidence, rectification and history",
)
def get_finding(request: HttpRequest, id: f.Id) -> Any:
    return finding_out(_finding(request, id), auth.caller(request))


@findings_router.post(
    "/",
    response={201: SupervisionFindingOut, **responses(400, 401, 403, 404, 422)},
    summary="A supervisor files a finding with a rectification deadline (supervision.workflow.file_finding)",
)
def create_finding(request: HttpRequest, payload: FindingIn) -> Any:
    user = auth.caller(request)
    org = _org(payload.organization)
    disclosure = obligation = None
    if payload.disclosure_id is not None:
        disclosure = Disclosure.objects.filter(pk=payload.disclosure_id, organization=org).first()
        if disclosure is None:
            raise Http404
    if payload.obligation_id is not None:
        obligation = Obligation.objects.filter(pk=payload.obligation_id, organization=org).first()
        if obligation is None:
            raise Http404
    made = workflow.file_finding(
        org,
        actor=user,
        category=payload.category.value,
        description=payload.description,
        deadline_days=payload.deadline_days,
        disclosure=disclosure,
        obligation=obligation,
    )
    return Status(201, finding_out(_finding(request, made.pk), user))


@findings_router.post(
    "/{int:id}/rectify",
    response={200: SupervisionFindingOut, **responses(400, 401, 403, 404, 422)},
    summary="The organization records what it did (supervision.workflow.rectify)",
)
def rectify_finding(request: HttpRequest, id: f.Id, payload: RectifyIn) -> Any:
    user = auth.caller(request)
    workflow.rectify(_finding(request, id), actor=user, text=payload.text)
    return finding_out(_finding(request, id), user)


@findings_router.post(
    "/{int:id}/confirm",
    response={200: SupervisionFindingOut, **responses(400, 401, 403, 404, 422)},
    summary="The supervisor confirms the rectification (supervision.workflow.confirm)",
)
def confirm_finding(request: HttpRequest, id: f.Id, payload: ConfirmIn) -> Any:
    user = auth.caller(request)
    workflow.confirm(_finding(request, id), actor=user, note=payload.note)
    return finding_out(_finding(request, id), user)


@findings_router.post(
    "/{int:id}/reopen",
    response={200: SupervisionFindingOut, **responses(400, 401, 403, 404, 422)},
    summary="The supervisor reopens it with a reason and a new deadline (supervision.workflow.reopen)",
)
def reopen_finding(request: HttpRequest, id: f.Id, payload: ReopenIn) -> Any:
    user = auth.caller(request)
    workflow.reopen(
        _finding(request, id),
        actor=user,
        reason=payload.reason,
        deadline_days=payload.deadline_days,
    )
    return finding_out(_finding(request, id), user)


@findings_router.post(
    "/{int:id}/publish",
    response={200: SupervisionFindingOut, **responses(400, 401, 403, 404, 422)},
    summary="Publish the confirmed result to a scope (supervision.workflow.publish)",
)
def publish_finding(request: HttpRequest, id: f.Id, payload: FindingPublishIn) -> Any:
    user = auth.caller(request)
    workflow.publish(_finding(request, id), actor=user, scope=payload.scope.value)
    return finding_out(_finding(request, id), user)


# --- accountability -----------------------------------------------------------------------------


@accountability_router.get(
    "/",
    response={200: RecordPage, **responses(401, 422)},
    summary="Accountability records the caller may see (the scope each names)",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def list_accountability(request: HttpRequest, query: Query[RecordQuery]) -> Any:
    qs = AccountabilityRecord.objects.visible_to(auth.caller(request))
    if query.organization is not None:
        qs = qs.filter(organization__code=query.organization)
    qs = qs.select_related(*RECORD_RELATED).prefetch_related("findings", "obligations")
    total, rows = page_of(qs.order_by("-decision_date", "-pk"), query)
    return {
        "count": total,
        "page": query.page,
        "page_size": query.page_size,
        "results": [record_out(r) for r in rows],
    }


@accountability_router.get(
    "/{int:id}",
    response={200: RecordOut, **responses(401, 404, 422)},
    summary="An accountability record, if the caller is in its scope",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def get_accountability(request: HttpRequest, id: f.Id) -> Any:
    record = AccountabilityRecord.objects.select_related(*RECORD_RELATED).filter(pk=id).first()
    if record is None or not visibility.can_see_record(auth.caller(request), record):
        raise Http404
    return record_out(record)


@accountability_router.post(
    "/",
    response={201: RecordOut, **responses(400, 401, 403, 404, 422)},
    summary="The discipline committee records accountability (supervision.workflow.record_accountability)",
    auth=auth.STAFF,
)
def create_accountability(request: HttpRequest, payload: RecordIn) -> Any:
    user = auth.caller(request)
    org = _org(payload.organization)
    deciding = _org(payload.deciding_organization)
    findings = list(
        Finding.objects.select_related("organization").filter(pk__in=payload.finding_ids)
    )
    obligations = list(
        Obligation.objects.select_related("organization").filter(pk__in=payload.obligation_ids)
    )
    if len(findings) != len(set(payload.finding_ids)) or len(obligations) != len(
        set(payload.obligation_ids)
    ):
        raise Http404
    made = workflow.record_accountability(
        org,
        actor=user,
        deciding=deciding,
        person_name=payload.person_name,
        person_position=payload.person_position,
        measure=payload.measure.value,
        facts=payload.facts,
        decision_date=payload.decision_date,
        scope=payload.scope.value,
        findings=findings,
        obligations=obligations,
    )
    return Status(201, record_out(made))


# --- supervised records (read only, logged) -----------------------------------------------------


def _supervised(request: HttpRequest, org: Organization) -> None:
    if not permissions.can_read_supervised(auth.caller(request), org):
        raise Http404


@supervision_router.get(
    "/organizations/{code}/records",
    response={200: SupervisedRecordsOut, **responses(401, 404, 422)},
    summary="An organization's disclosures past the draft and its obligations, as a supervisor reads them (logged)",
)
def supervised_records(request: HttpRequest, code: f.OrganizationCode) -> Any:
    org = _org(code)
    _supervised(request, org)
    log.record(
        auth.caller(request),
        org,
        SupervisionView.What.RECORDS,
        object_id=org.pk,
        label=org.name,
        surface="api",
    )
    disclosures = (
        Disclosure.objects.filter(organization=org)
        .exclude(state=State.DRAFT)
        .select_related("item")
        .order_by("-updated_at", "-pk")[:LIST_LIMIT]
    )
    obligations = Obligation.objects.filter(organization=org).select_related("event", "plan")
    return {
        "organization": _ref(org),
        "disclosures": [_disclosure(d) for d in disclosures],
        "obligations": [
            {
                "id": o.pk,
                "name": o.name,
                "period_label": o.period_label,
                "due_date": o.due_date,
                "state": o.state,
                "state_label": str(o.get_state_display()),
            }
            for o in obligations.order_by("-due_date", "pk")[:LIST_LIMIT]
        ],
    }


def _disclosure(d: Disclosure) -> dict[str, Any]:
    return {
        "id": d.pk,
        "title": d.title,
        "item": d.item_name,
        "scope": d.scope,
        "state": d.state,
        "state_label": d.state_label(),
        "updated_at": d.updated_at,
    }


@supervision_router.get(
    "/disclosures/{int:id}",
    response={200: SupervisedDisclosureDetailOut, **responses(401, 404, 422)},
    summary="A disclosure with its revisions and opinions, as a supervisor reads it (logged)",
)
def supervised_disclosure(request: HttpRequest, id: f.Id) -> Any:
    d = (
        Disclosure.objects.select_related("organization", "item")
        .exclude(state=State.DRAFT)
        .filter(pk=id)
        .first()
    )
    if d is None:
        raise Http404
    _supervised(request, d.organization)
    log.record(
        auth.caller(request),
        d.organization,
        SupervisionView.What.DISCLOSURE,
        object_id=d.pk,
        label=d.title,
        surface="api",
    )
    return {
        **_disclosure(d),
        "organization": _ref(d.organization),
        "body": d.body,
        "revisions": [
            {
                "number": r.number,
                "title": r.title,
                "body": r.body,
                "note": r.note,
                "created_at": r.created_at,
            }
            for r in d.revisions.order_by("-number")
        ],
        "opinions": [
            {"text": o.text, "handling": o.handling, "received_at": o.received_at}
            for o in d.opinions.order_by("received_at", "pk")
        ],
    }


@supervision_router.get(
    "/organizations/{code}/results",
    response={200: ResultsOut, **responses(401, 404, 422)},
    summary="The organization's published supervision results and the accountability records the caller may see",
    auth=auth.READ,
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def supervision_results(request: HttpRequest, code: f.OrganizationCode) -> Any:
    user = auth.caller(request)
    org = _org(code)
    found = (
        Finding.objects.filter(organization=org)
        .filter(visibility.result_condition(user))
        .order_by("-published_at", "-pk")[:LIST_LIMIT]
    )
    records = (
        AccountabilityRecord.objects.filter(organization=org)
        .visible_to(user)
        .select_related(*RECORD_RELATED)
        .prefetch_related("findings", "obligations")
        .order_by("-decision_date", "-pk")[:LIST_LIMIT]
    )
    return {
        "organization": _ref(org),
        "findings": [
            {
                "id": x.pk,
                "category": x.category,
                "category_label": str(x.get_category_display()),
                "description": x.published_description,
                "rectification": x.published_rectification,
                "scope": x.publish_scope,
                "filed_at": x.filed_at,
                "confirmed_at": x.confirmed_at,
                "published_at": x.published_at,
            }
            for x in found
        ],
        "accountability": [record_out(r) for r in records],
    }
