"""Information requests (依申请公开): the public submits and tracks; staff with a token handle,
read their superior's filings, and read the yearly statistics.

The same functions as the pages (gongkai.inforequests.services). The public output is
`services.public_view` and never names the applicant; the staff output does, and is served
only to people `permissions.can_see_applicant` lets see it (others get 404).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.db.models import F
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import AfterValidator, Field, StringConstraints

from gongkai import permissions, validation
from gongkai.api import auth, fields
from gongkai.api.errors import ErrorOut, responses
from gongkai.disclosures.models import Disclosure
from gongkai.guard import limits
from gongkai.inforequests import annual, services
from gongkai.inforequests import models as m
from gongkai.inforequests.models import Channel, InformationRequest
from gongkai.organizations.models import Organization

router = Router(tags=["information requests"])


def _t(limit: int, min_length: int = 0) -> Any:
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=limit),
        AfterValidator(fields.plain_text),
    ]


class RequestIn(Schema):
    organization: fields.OrganizationCode
    name: _t(m.NAME_MAX, 1)  # type: ignore[valid-type]
    description: _t(m.DESCRIPTION_MAX, 1)  # type: ignore[valid-type]
    id_number: _t(m.ID_NUMBER_MAX) = ""  # type: ignore[valid-type]
    phone: _t(m.PHONE_MAX) = ""  # type: ignore[valid-type]
    address: _t(m.ADDRESS_MAX) = ""  # type: ignore[valid-type]
    email: _t(m.EMAIL_MAX) = ""  # type: ignore[valid-type]
    purpose: _t(m.PURPOSE_MAX) = ""  # type: ignore[valid-type]
    preferred_form: m.PreferredForm | None = None


class PublicOut(Schema):
    tracking_code: str
    organization: str
    organization_code: str
    received_on: dt.date
    state: str
    state_label: str
    due_on: dt.date | None
    due_provisional: bool
    stopped: str
    extension_days: int
    overdue: bool
    description: str
    outcome: str
    outcome_label: str
    refusal_reason_label: str
    legal_basis: str
    reply: str
    referred_to: str
    disclosure_id: int | None
    decided_on: dt.date | None


class StepOut(Schema):
    kind: str
    on: dt.date
    by: str
    reason: str
    days: int
    third_party: str


class StaffOut(PublicOut):
    id: int
    applicant_name: str
    applicant_id_number: str
    applicant_phone: str
    applicant_address: str
    applicant_email: str
    purpose: str
    preferred_form: str
    channel: str
    steps: list[StepOut]


class StaffPage(Schema):
    count: int
    results: list[StaffOut]


class Day(Schema):
    on: dt.date | None = None


class NoteIn(Day):
    note: fields.Note = ""


class RequestReasonIn(Day):
    reason: fields.Reason = ""


class ThirdPartyIn(Day):
    third_party: _t(m.THIRD_PARTY_MAX) = ""  # type: ignore[valid-type]
    reason: fields.Reason = ""


class ExtensionIn(Day):
    days: Annotated[int, Field(ge=1, le=60)]
    reason: fields.Reason = ""


class RequestDecisionIn(Day):
    outcome: m.Outcome
    reply_text: _t(m.TEXT_MAX) = ""  # type: ignore[valid-type]
    refusal_reason: m.RefusalReason | None = None
    legal_basis: _t(m.LEGAL_BASIS_MAX) = ""  # type: ignore[valid-type]
    disclosure_id: fields.Id | None = None
    referred_to: fields.OrganizationCode | None = None


class StatisticsQuery(Schema):
    organization: fields.OrganizationCode
    year: Annotated[int, Field(ge=2000, le=2099)] | None = None
    subtree: bool = True


class StatisticsRow(Schema):
    label: str
    count: int


class StatisticsOut(Schema):
    organization: str
    year: int
    subtree: bool
    title: str
    rows: list[StatisticsRow]


def _staff_out(r: InformationRequest) -> dict[str, Any]:
    return {
        **services.public_view(r),
        "id": r.pk,
        "applicant_name": r.applicant_name,
        "applicant_id_number": r.applicant_id_number,
        "applicant_phone": r.applicant_phone,
        "applicant_address": r.applicant_address,
        "applicant_email": r.applicant_email,
        "purpose": r.purpose,
        "preferred_form": r.preferred_form,
        "channel": r.channel,
        "steps": [
            {
                "kind": s.kind,
                "on": s.on,
                "by": s.actor.display_name if s.actor else "",
                "reason": s.reason,
                "days": s.days,
                "third_party": s.third_party,
            }
            for s in r.steps.select_related("actor").order_by("on", "pk")
        ],
    }


def _organization(code: str) -> Organization:
    org = Organization.objects.select_related("parent").filter(code=code, is_active=True).first()
    if org is None:
        raise Http404
    return org


def _request(request: HttpRequest, pk: int) -> InformationRequest:
    found = (
        InformationRequest.objects.select_related("organization", "organization__parent")
        .filter(pk=pk)
        .first()
    )
    if found is None or not permissions.can_see_applicant(auth.caller(request), found.organization):
        raise Http404
    return found


# --- public -------------------------------------------------------------------------------------


@router.post(
    "/",
    auth=auth.READ,
    response={201: PublicOut, 429: ErrorOut, **responses(400, 401, 404, 422)},
    summary="Ask for information (anyone); answers the tracking code and the deadline",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def submit_request(request: HttpRequest, payload: RequestIn) -> Any:
    org = _organization(payload.organization)
    verdict = limits.check(request, "request", organization=org)
    if not verdict.allowed:
        return Status(429, {"detail": verdict.message})
    made = services.receive(
        org,
        services.Application(
            name=payload.name,
            description=payload.description,
            id_number=payload.id_number,
            phone=payload.phone,
            address=payload.address,
            email=payload.email,
            purpose=payload.purpose,
            preferred_form=payload.preferred_form.value if payload.preferred_form else "",
        ),
        channel=Channel.API,
        account=auth.caller(request),
    )
    return Status(201, services.public_view(made))


@router.get(
    "/track/{code}",
    auth=None,
    response={200: PublicOut, 429: ErrorOut, **responses(404, 422)},
    summary="Follow a request by its tracking code (no applicant data)",
)
def track_request(request: HttpRequest, code: Annotated[str, Field(max_length=64)]) -> Any:
    verdict = limits.check(request, "track")
    if not verdict.allowed:
        return Status(429, {"detail": verdict.message})
    found = services.find_by_code(code) if not validation.text_problem(code) else None
    if found is None:
        raise Http404
    return services.public_view(found)


# --- staff ---------------------------------------------------------------------------------------


@router.get(
    "/",
    auth=auth.STAFF,
    response={200: StaffPage, **responses(401, 422)},
    summary="Requests of the organizations the caller handles, open ones by deadline first",
)
def list_requests(request: HttpRequest, filed: bool = False) -> Any:
    user = auth.caller(request)
    orgs = (
        permissions.request_filing_organizations(user)
        if filed
        else permissions.request_handling_organizations(user)
    )
    qs = (
        InformationRequest.objects.filter(organization__in=orgs)
        .select_related("organization", "referred_to")
        .order_by(F("decided_on").desc(nulls_first=True), F("due_on").asc(nulls_last=True), "-pk")
    )
    rows = list(qs[:100])
    return {"count": qs.count(), "results": [_staff_out(r) for r in rows]}


@router.get(
    "/{int:id}",
    auth=auth.STAFF,
    response={200: StaffOut, **responses(401, 404, 422)},
    summary="One request with the applicant and every step (handling staff and filing only)",
)
def get_request(request: HttpRequest, id: fields.Id) -> Any:
    return _staff_out(_request(request, id))


def _acting(request: HttpRequest, id: int) -> tuple[InformationRequest, Any]:
    return _request(request, id), auth.caller(request)


STEP_RESPONSES = {200: StaffOut, **responses(400, 401, 403, 404, 422)}


@router.post("/{int:id}/supplement", auth=auth.STAFF, response=STEP_RESPONSES,
             summary="Send the one-time notice to complete the request (the clock stops)")  # fmt: skip
def request_supplement(request: HttpRequest, id: fields.Id, payload: RequestReasonIn) -> Any:
    r, user = _acting(request, id)
    return _staff_out(
        services.request_supplement(r, actor=user, reason=payload.reason, on=payload.on)
    )


@router.post("/{int:id}/supplement-received", auth=auth.STAFF, response=STEP_RESPONSES,
             summary="The completed request arrived (counting restarts)")  # fmt: skip
def receive_supplement(request: HttpRequest, id: fields.Id, payload: NoteIn) -> Any:
    r, user = _acting(request, id)
    return _staff_out(services.receive_supplement(r, actor=user, note=payload.note, on=payload.on))


@router.post("/{int:id}/third-party", auth=auth.STAFF, response=STEP_RESPONSES,
             summary="Consult a third party (the clock stops)")  # fmt: skip
def ask_third_party(request: HttpRequest, id: fields.Id, payload: ThirdPartyIn) -> Any:
    r, user = _acting(request, id)
    return _staff_out(
        services.ask_third_party(
            r, actor=user, third_party=payload.third_party, reason=payload.reason, on=payload.on
        )
    )


@router.post("/{int:id}/third-party-answered", auth=auth.STAFF, response=STEP_RESPONSES,
             summary="The third party answered")  # fmt: skip
def third_party_answered(request: HttpRequest, id: fields.Id, payload: NoteIn) -> Any:
    r, user = _acting(request, id)
    return _staff_out(
        services.third_party_answered(r, actor=user, note=payload.note, on=payload.on)
    )


@router.post("/{int:id}/extension", auth=auth.STAFF, response=STEP_RESPONSES,
             summary="Extend the reply period once, with a reason")  # fmt: skip
def extend_request(request: HttpRequest, id: fields.Id, payload: ExtensionIn) -> Any:
    r, user = _acting(request, id)
    return _staff_out(
        services.extend(r, actor=user, days=payload.days, reason=payload.reason, on=payload.on)
    )


@router.post("/{int:id}/decision", auth=auth.STAFF, response=STEP_RESPONSES,
             summary="Answer; a (partial) refusal waits for the superior's confirmation")  # fmt: skip
def decide_request(request: HttpRequest, id: fields.Id, payload: RequestDecisionIn) -> Any:
    r, user = _acting(request, id)
    referred = (
        Organization.objects.filter(code=payload.referred_to).first()
        if payload.referred_to
        else None
    )
    if payload.referred_to and referred is None:
        raise Http404
    disclosure = (
        Disclosure.objects.filter(pk=payload.disclosure_id).first()
        if payload.disclosure_id
        else None
    )
    if payload.disclosure_id and disclosure is None:
        raise Http404
    decision = services.Decision(
        outcome=payload.outcome.value,
        reply_text=payload.reply_text,
        refusal_reason=payload.refusal_reason.value if payload.refusal_reason else "",
        legal_basis=payload.legal_basis,
        disclosure=disclosure,
        referred_to=referred,
    )
    return _staff_out(services.decide(r, actor=user, decision=decision, on=payload.on))


@router.post("/{int:id}/confirmation", auth=auth.STAFF, response=STEP_RESPONSES,
             summary="The superior's leading group confirms the refusal")  # fmt: skip
def confirm_request(request: HttpRequest, id: fields.Id, payload: NoteIn) -> Any:
    r, user = _acting(request, id)
    return _staff_out(services.confirm(r, actor=user, note=payload.note, on=payload.on))


@router.post("/{int:id}/return", auth=auth.STAFF, response=STEP_RESPONSES,
             summary="The superior returns the refusal to the handling staff")  # fmt: skip
def return_request(request: HttpRequest, id: fields.Id, payload: RequestReasonIn) -> Any:
    r, user = _acting(request, id)
    return _staff_out(services.return_refusal(r, actor=user, reason=payload.reason, on=payload.on))


@router.get(
    "/statistics",
    auth=auth.STAFF,
    response={200: StatisticsOut, **responses(401, 404, 422)},
    summary="The yearly table of an organization's requests, or of its subtree",
)
def request_statistics(request: HttpRequest, query: Query[StatisticsQuery]) -> Any:
    user = auth.caller(request)
    org = _organization(query.organization)
    if not (
        permissions.can_handle_requests(user, org)
        or permissions.can_see_request_filing(user, org)
        or permissions.can_view_in_console(user, org)
    ):
        raise Http404
    t = annual.table(org, query.year or services.today().year, subtree=query.subtree)
    return {
        "organization": org.code,
        "year": t.year,
        "subtree": t.subtree,
        "title": annual.title(t),
        "rows": [{"label": label.strip(), "count": n} for label, n in annual.rows(t)],
    }
