"""Opinions (意见建议 / 群众反映 / 咨询) and the echo wall: submissions and tracking for the
public, handling for staff with a token. The same functions as the pages
(gongkai.engagement.services); the public's answers carry only the masked question and answer,
never the sender's name or contact, which only the handling staff's operations return.

Public submissions, tracking look-ups and votes go through the anti-abuse guard
(gongkai.guard.limits): over the limit the answer is 429 with Retry-After.

Idempotency: `POST /opinions` and the rating take an optional `Idempotency-Key` header (a
UUID the client draws once per submission): a replay of a key already stored answers the
first result (the same tracking code, the same vote) without storing or counting anything
(gongkai.engagement.services; the kiosk's outbox relies on the same rule).

Files: `POST /opinions` takes JSON only; `POST /opinions/with-files` takes the same fields as
multipart/form-data with up to three files under `attachments` (one operation cannot document
both bodies in django-ninja). The files are checked by their bytes, read and scanned
(gongkai.guard.uploads) and are seen by the handling staff only: their metadata in the staff
detail, their bytes from `GET /opinions/handled/{id}/files/{file_id}`; no public answer
mentions them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import AfterValidator, Field, StringConstraints

from gongkai import permissions
from gongkai.accounts.models import User
from gongkai.api import auth, fields
from gongkai.api.endpoints import page_of
from gongkai.api.errors import responses
from gongkai.api.schemas import Paged, PageQuery
from gongkai.disclosures import attachments as disclosure_files
from gongkai.disclosures.models import Disclosure
from gongkai.engagement import services
from gongkai.engagement.models import (
    ANSWER_MAX,
    CONTACT_MAX,
    NAME_MAX,
    OPEN_STATES,
    OPINION_MAX,
    Channel,
    Opinion,
    OpinionAttachment,
    State,
)
from gongkai.guard import limits
from gongkai.organizations.models import Organization

router = Router(tags=["opinions"], auth=auth.READ)
echo_router = Router(tags=["opinions"], auth=auth.READ)
staff_router = Router(tags=["opinions"], auth=auth.STAFF)

OpinionText = Annotated[
    str, StringConstraints(max_length=OPINION_MAX), AfterValidator(fields.plain_text)
]
NameText = Annotated[str, StringConstraints(max_length=NAME_MAX), AfterValidator(fields.plain_text)]
ContactText = Annotated[
    str, StringConstraints(max_length=CONTACT_MAX), AfterValidator(fields.plain_text)
]
AnswerText = Annotated[
    str, StringConstraints(max_length=ANSWER_MAX), AfterValidator(fields.plain_text)
]
CodeText = Annotated[
    str, StringConstraints(max_length=64, min_length=1), AfterValidator(fields.plain_text)
]
ItemKeyText = Annotated[str, StringConstraints(max_length=200), AfterValidator(fields.plain_text)]
KindName = Literal["suggestion", "report", "inquiry"]
RatingName = Literal["satisfied", "basically", "dissatisfied"]
ScopeName = Literal["public", "party", "institution"]
TriageName = Literal["valid", "duplicate", "spam", "out_of_scope"]
StateName = Literal["received", "valid", "answered", "duplicate", "spam", "out_of_scope"]


# --- schemas ------------------------------------------------------------------------------


class OpinionIn(Schema):
    organization: fields.OrganizationCode = Field(description="The organization's code.")
    kind: KindName
    text: OpinionText = Field(description="Plain text; HTML is removed.")
    item_key: ItemKeyText = Field("", description="A catalog item the opinion is about.")
    disclosure: fields.Id | None = Field(None, description="A disclosure it is about.")
    sender_name: NameText = Field("", description="Seen by the handling staff only.")
    sender_contact: ContactText = Field("", description="Seen by the handling staff only.")


class ReceiptOut(Schema):
    tracking_code: str = Field(description="Twelve characters; shown in groups of four.")
    tracking_code_display: str
    organization_code: str
    received_at: dt.datetime
    due_date: dt.date
    due_provisional: bool


class TrackOut(Schema):
    tracking_code_display: str
    organization_code: str
    organization_name: str
    kind: str
    kind_label: str
    state: str
    state_label: str
    reason: str = Field(description="Why it was closed at triage, or empty.")
    received_at: dt.datetime
    due_date: dt.date
    overdue: bool
    question: str = Field(description="The question, personal numbers masked.")
    answer: str | None = Field(description="The answer, masked; null until answered.")
    answered_at: dt.datetime | None
    rating: str | None
    rated_at: dt.datetime | None


class RatingIn(Schema):
    rating: RatingName


class EchoOut(Schema):
    kind: str
    kind_label: str
    question: str
    answer: str
    scope: str
    received_at: dt.datetime
    answered_at: dt.datetime | None
    published_at: dt.datetime | None
    rating: str | None


class EchoPage(Paged):
    results: list[EchoOut]


class OpinionEventOut(Schema):
    kind: str
    kind_label: str
    at: dt.datetime
    actor: str | None
    note: str


class SentOpinionOut(Schema):
    id: int
    tracking_code_display: str
    kind: str
    organization_code: str
    responsible_code: str
    item_key: str
    disclosure_id: int | None
    channel: str
    state: str
    received_at: dt.datetime
    due_date: dt.date
    overdue: bool
    assigned_to: str | None
    published: bool
    echo_scope: str
    rating: str | None


class OpinionFileOut(Schema):
    id: int
    name: str = Field(description="The file name as sent.")
    kind: str = Field(description="The type read from the bytes: pdf, png, jpg, docx, xlsx.")
    size: int
    sha256: str
    text: str = Field(description="The text read from the file (for the handling staff).")
    complete: bool = Field(description="false: part of the file could not be read as text.")
    findings: int = Field(description="Personal numbers or secret markings found in it.")


class OpinionDetailOut(SentOpinionOut):
    text: str
    sender_name: str
    sender_contact: str
    triage_reason: str
    duplicate_of: str | None
    answer: str
    answered_at: dt.datetime | None
    masked_question: str
    masked_answer: str
    events: list[OpinionEventOut]
    attachments: list[OpinionFileOut] = Field(description="Files the sender attached.")


class OpinionPage(Paged):
    results: list[SentOpinionOut]


class OpinionQuery(PageQuery):
    organization: fields.OrganizationCode | None = Field(None, description="Handling unit.")
    state: StateName | Literal["open"] | None = None
    overdue: bool | None = Field(None, description="true: only open and past the deadline.")


class TriageIn(Schema):
    state: TriageName
    reason: fields.Reason = ""
    duplicate_of: CodeText | None = Field(None, description="Tracking code it repeats.")


class AssignIn(Schema):
    user: fields.Id = Field(description="The id of a clerk, reviewer or principal of the unit.")


class OpinionAnswerIn(Schema):
    answer: AnswerText


class PassOnIn(Schema):
    organization: fields.OrganizationCode = Field(
        description="A unit below the handling one, or its superior."
    )
    reason: fields.Reason = ""


class OpinionPublishIn(Schema):
    scope: ScopeName = "public"


# --- helpers ------------------------------------------------------------------------------


def _refused(request: HttpRequest, verdict: limits.Verdict) -> HttpResponse:
    response = JsonResponse(
        {"detail": verdict.message}, status=429, json_dumps_params={"ensure_ascii": False}
    )
    response["Retry-After"] = str(verdict.retry_after)
    return response


def _track_out(o: Opinion) -> dict[str, Any]:
    answered = o.state == State.ANSWERED
    return {
        "tracking_code_display": o.code_display,
        "organization_code": o.organization.code,
        "organization_name": o.organization.name,
        "kind": o.kind,
        "kind_label": str(o.get_kind_display()),
        "state": o.state,
        "state_label": str(o.get_state_display()),
        "reason": o.triage_reason if o.state not in OPEN_STATES and not answered else "",
        "received_at": o.received_at,
        "due_date": o.due_date,
        "overdue": services.is_overdue(o, timezone.localdate()),
        "question": o.masked_question,
        "answer": o.masked_answer if answered else None,
        "answered_at": o.answered_at if answered else None,
        "rating": o.rating or None,
        "rated_at": o.rated_at,
    }


def _opinion_out(o: Opinion) -> dict[str, Any]:
    return {
        "id": o.pk,
        "tracking_code_display": o.code_display,
        "kind": o.kind,
        "organization_code": o.organization.code,
        "responsible_code": o.responsible.code,
        "item_key": o.item_key,
        "disclosure_id": o.disclosure_id,
        "channel": o.channel,
        "state": o.state,
        "received_at": o.received_at,
        "due_date": o.due_date,
        "overdue": services.is_overdue(o, timezone.localdate()),
        "assigned_to": (o.assigned_to.display_name or o.assigned_to.username)
        if o.assigned_to
        else None,
        "published": o.published,
        "echo_scope": o.echo_scope,
        "rating": o.rating or None,
    }


def _detail_out(o: Opinion) -> dict[str, Any]:
    return {
        **_opinion_out(o),
        "text": o.text,
        "sender_name": o.sender_name,
        "sender_contact": o.sender_contact,
        "triage_reason": o.triage_reason,
        "duplicate_of": o.duplicate_of.code_display if o.duplicate_of else None,
        "answer": o.answer,
        "answered_at": o.answered_at,
        "masked_question": o.masked_question,
        "masked_answer": o.masked_answer,
        "events": [
            {
                "kind": e.kind,
                "kind_label": str(e.get_kind_display()),
                "at": e.at,
                "actor": (e.actor.display_name or e.actor.username) if e.actor else None,
                "note": e.note,
            }
            for e in o.events.select_related("actor")
        ],
        "attachments": [
            {
                "id": a.pk,
                "name": a.name,
                "kind": a.kind,
                "size": a.size,
                "sha256": a.sha256,
                "text": a.text,
                "complete": a.complete,
                "findings": a.findings,
            }
            for a in o.attachments.all()
        ],
    }


def _handled(request: HttpRequest, pk: int) -> Opinion:
    o = (
        Opinion.objects.select_related("organization", "responsible", "assigned_to", "duplicate_of")
        .filter(pk=pk)
        .first()
    )
    if o is None or not permissions.can_handle_opinions(auth.caller(request), o.responsible):
        raise Http404
    return o


# --- the public ---------------------------------------------------------------------------


def _receipt(opinion: Opinion) -> Any:
    return Status(
        201,
        {
            "tracking_code": opinion.tracking_code,
            "tracking_code_display": opinion.code_display,
            "organization_code": opinion.organization.code,
            "received_at": opinion.received_at,
            "due_date": opinion.due_date,
            "due_provisional": opinion.due_provisional,
        },
    )


#: The operations that take an `Idempotency-Key` header, as the OpenAPI document says it.
IDEMPOTENT: dict[str, Any] = {
    **auth.OPTIONAL_TOKEN,
    "parameters": [
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": False,
            "schema": {"type": "string", "format": "uuid", "maxLength": 40},
            "description": (
                "A UUID the client draws once per submission and sends again with every retry:"
                " a key already stored answers the first result, nothing is stored or counted"
                " twice. A key used for another organization's opinion is refused (400)."
            ),
        }
    ],
}


def _idempotency_key(request: HttpRequest) -> Any:
    return services.parse_key(request.headers.get("Idempotency-Key", ""))


def _submit(request: HttpRequest, payload: OpinionIn, files: list[Any]) -> Any:
    org = Organization.objects.filter(code=payload.organization, is_active=True).first()
    if org is None:
        raise Http404
    user = auth.caller(request)
    key = _idempotency_key(request)
    existing = services.by_key(key)
    if existing is not None:
        if existing.organization_id != org.pk:
            raise ValidationError(services.KEY_OF_ANOTHER)
        return _receipt(existing)  # a replay: the first answer, nothing stored or counted
    verdict = limits.check(request, "opinion", organization=org)
    if not verdict.allowed:
        return _refused(request, verdict)
    disclosure = None
    if payload.disclosure is not None:
        disclosure = (
            Disclosure.objects.visible_to(user, timezone.now())
            .filter(pk=payload.disclosure, organization=org)
            .first()
        )
        if disclosure is None:
            raise Http404
    opinion = services.submit(
        org,
        kind=payload.kind,
        text=payload.text,
        channel=Channel.API,
        item_key=payload.item_key,
        disclosure=disclosure,
        sender_name=payload.sender_name,
        sender_contact=payload.sender_contact,
        account=user,
        files=files,
        key=key,
    )
    return _receipt(opinion)


@router.post(
    "",
    response={201: ReceiptOut, **responses(400, 401, 404, 422, 429)},
    summary="Send an opinion (no token needed); answers the tracking code and the deadline",
    openapi_extra=IDEMPOTENT,
)
def submit_opinion(request: HttpRequest, payload: OpinionIn) -> Any:
    return _submit(request, payload, [])


@router.post(
    "/with-files",
    response={201: ReceiptOut, **responses(400, 401, 404, 422, 429)},
    summary=(
        "Send an opinion with up to 3 files (multipart/form-data; PDF, PNG, JPEG, .docx, .xlsx),"
        " seen by the handling staff only"
    ),
    openapi_extra=IDEMPOTENT,
)
def submit_opinion_with_files(
    request: HttpRequest,
    payload: Form[OpinionIn],
    attachments: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Any:
    return _submit(request, payload, list(attachments or []))


def _by_code(code: str) -> Opinion:
    opinion = services.find(code)
    if opinion is None:
        raise Http404
    return opinion


@router.get(
    "/track/{code}",
    response={200: TrackOut, **responses(401, 404, 422, 429)},
    summary="Follow an opinion by its tracking code: state, deadline, the masked answer",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def track_opinion(request: HttpRequest, code: CodeText) -> Any:
    verdict = limits.check(request, "track")
    if not verdict.allowed:
        return _refused(request, verdict)
    return _track_out(_by_code(code))


@router.post(
    "/track/{code}/rating",
    response={200: TrackOut, **responses(400, 401, 404, 422, 429)},
    summary="The satisfaction vote on the answer, once (the first vote stands)",
    openapi_extra=IDEMPOTENT,
)
def rate_opinion(request: HttpRequest, code: CodeText, payload: RatingIn) -> Any:
    opinion = _by_code(code)
    key = _idempotency_key(request)
    if key is None or opinion.rating_key != key:  # a replay is not counted again
        verdict = limits.check(request, "vote", organization=opinion.organization)
        if not verdict.allowed:
            return _refused(request, verdict)
    services.rate(opinion, payload.rating, key=key)
    return _track_out(opinion)


@echo_router.get(
    "/{code}/echo",
    response={200: EchoPage, **responses(401, 404, 422)},
    summary="The organization's echo wall: published answers the caller may see, newest first",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def echo_wall(request: HttpRequest, code: fields.OrganizationCode, query: Query[PageQuery]) -> Any:
    org = Organization.objects.filter(code=code).first()
    if org is None:
        raise Http404
    total, rows = page_of(services.echo_wall(org, auth.caller(request) or AnonymousUser()), query)
    return {
        "count": total,
        "page": query.page,
        "page_size": query.page_size,
        "results": [
            {
                "kind": o.kind,
                "kind_label": str(o.get_kind_display()),
                "question": o.masked_question,
                "answer": o.masked_answer,
                "scope": o.echo_scope,
                "received_at": o.received_at,
                "answered_at": o.answered_at,
                "published_at": o.published_at,
                "rating": o.rating or None,
            }
            for o in rows
        ],
    }


# --- staff --------------------------------------------------------------------------------


@staff_router.get(
    "/handled",
    response={200: OpinionPage, **responses(401, 422)},
    summary="Opinions the caller handles, newest first",
)
def list_opinions(request: HttpRequest, query: Query[OpinionQuery]) -> Any:
    user = auth.caller(request)
    qs = Opinion.objects.filter(
        responsible__in=permissions.opinion_organizations(user).values("pk")
    ).select_related("organization", "responsible", "assigned_to")
    if query.organization:
        qs = qs.filter(responsible__code=query.organization)
    if query.state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif query.state:
        qs = qs.filter(state=query.state)
    if query.overdue is not None:
        late = {"state__in": OPEN_STATES, "due_date__lt": timezone.localdate()}
        qs = qs.filter(**late) if query.overdue else qs.exclude(**late)
    total, rows = page_of(qs.order_by("-received_at", "-pk"), query)
    return {
        "count": total,
        "page": query.page,
        "page_size": query.page_size,
        "results": [_opinion_out(o) for o in rows],
    }


@staff_router.get(
    "/handled/{id}",
    response={200: OpinionDetailOut, **responses(401, 404, 422)},
    summary="One opinion, with its sender and history (handling staff only)",
)
def get_opinion(request: HttpRequest, id: fields.Id) -> Any:
    return _detail_out(_handled(request, id))


@staff_router.post(
    "/handled/{id}/triage",
    response={200: OpinionDetailOut, **responses(400, 401, 403, 404, 422)},
    summary="Accept, or close as duplicate, spam or out of scope with a reason",
)
def triage_opinion(request: HttpRequest, id: fields.Id, payload: TriageIn) -> Any:
    o = _handled(request, id)
    services.triage(
        o,
        actor=auth.caller(request),
        state=payload.state,
        reason=payload.reason,
        duplicate_of=payload.duplicate_of or "",
    )
    return _detail_out(_handled(request, id))


@staff_router.post(
    "/handled/{id}/assign",
    response={200: OpinionDetailOut, **responses(400, 401, 403, 404, 422)},
    summary="Assign to one of the handling unit's staff",
)
def assign_opinion(request: HttpRequest, id: fields.Id, payload: AssignIn) -> Any:
    o = _handled(request, id)
    services.assign(o, actor=auth.caller(request), to=User.objects.filter(pk=payload.user).first())
    return _detail_out(_handled(request, id))


@staff_router.post(
    "/handled/{id}/answer",
    response={200: OpinionDetailOut, **responses(400, 401, 403, 404, 422)},
    summary="Answer; the sender reads the masked answer with the tracking code",
)
def answer_opinion(request: HttpRequest, id: fields.Id, payload: OpinionAnswerIn) -> Any:
    o = _handled(request, id)
    services.answer(o, actor=auth.caller(request), text=payload.answer)
    return _detail_out(_handled(request, id))


@staff_router.post(
    "/handled/{id}/publish",
    response={200: OpinionDetailOut, **responses(400, 401, 403, 404, 422)},
    summary="Publish the masked question and answer on the echo wall to a scope",
)
def publish_opinion(request: HttpRequest, id: fields.Id, payload: OpinionPublishIn) -> Any:
    o = _handled(request, id)
    services.publish(o, actor=auth.caller(request), scope=payload.scope)
    return _detail_out(_handled(request, id))


@staff_router.post(
    "/handled/{id}/pass",
    response={200: OpinionDetailOut, **responses(400, 401, 403, 404, 422)},
    summary="Pass to a unit below the handling one, or to its superior (the deadline stays)",
)
def pass_opinion(request: HttpRequest, id: fields.Id, payload: PassOnIn) -> Any:
    o = _handled(request, id)
    to = Organization.objects.filter(code=payload.organization, is_active=True).first()
    if to is None:
        raise Http404
    services.pass_on(o, actor=auth.caller(request), to=to, reason=payload.reason)
    return _detail_out(_handled(request, id))


@staff_router.get(
    "/handled/{id}/files/{file_id}",
    response=responses(401, 404, 422),
    summary="Download a file the sender attached (handling staff only)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as a download.",
                "content": {
                    t: {"schema": {"type": "string", "format": "binary"}}
                    for t in disclosure_files.ALLOWED.values()
                },
            }
        }
    },
)
def get_opinion_file(request: HttpRequest, id: fields.Id, file_id: fields.Id) -> Any:
    o = _handled(request, id)
    row = OpinionAttachment.objects.filter(opinion=o, pk=file_id).first()
    if row is None:
        raise Http404
    response = FileResponse(
        row.file.open("rb"),
        as_attachment=True,
        filename=row.name,
        content_type=disclosure_files.ALLOWED.get(row.kind, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
