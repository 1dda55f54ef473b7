"""Drafts out for consultation (征求意见) and opinions on them: the same functions as the
portal's and the kiosk's consultation pages (gongkai.portal.consulting).

The audience is the one rule (`Disclosure.objects.in_consultation_for`,
`visibility.can_see_consultation`): without a token, public consultations only; with a
member's or staff token, also their organizations' consultations inside the party. Anyone
outside the audience gets the same 404 as for a draft that does not exist.

An opinion with a token is recorded by account; one without (public consultations only) is
cleaned to plain text, goes through the anti-abuse guard (429 with Retry-After; past the soft
limit the challenge in the refusal's body is answered with the headers X-Guard-Token and
X-Guard-Answer) and is recognised when the same text was already sent (200 with
`duplicate`, nothing stored).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import AfterValidator, Field, StringConstraints

from gongkai import validation
from gongkai.api import auth, fields
from gongkai.api.endpoints import page_of
from gongkai.api.errors import responses
from gongkai.api.schemas import Paged, PageQuery
from gongkai.disclosures.models import Disclosure
from gongkai.disclosures.visibility import can_see_consultation
from gongkai.guard import limits
from gongkai.portal import consulting

router = Router(tags=["consultations"], auth=auth.READ)

OpinionText = Annotated[
    str,
    StringConstraints(max_length=validation.OPINION_MAX),
    AfterValidator(fields.plain_text),
]
AuthorText = Annotated[
    str,
    StringConstraints(max_length=validation.AUTHOR_MAX),
    AfterValidator(fields.plain_text),
]


class ConsultationQuery(PageQuery):
    organization: fields.OrganizationCode | None = Field(
        None, description="Only this organization's consultations (its code)."
    )


class ConsultationContentOut(Schema):
    title: str
    body: str
    data: dict[str, Any]
    period: str


class ConsultationMyOpinionOut(Schema):
    text: str
    handling: str
    handled_at: dt.datetime | None


class ConsultationOut(Schema):
    id: int
    organization_code: str
    organization_name: str
    title: str = Field(description="Masked: personal numbers hidden.")
    content: ConsultationContentOut | None = Field(
        description="The draft's latest revision, masked as the portal shows it."
    )
    consultation_until: dt.datetime | None = Field(description="Opinions are taken until then.")
    open: bool = Field(description="Whether opinions are taken now.")
    public: bool = Field(description="Open to the public (otherwise inside the party only).")
    url: str = Field(description="The consultation page on the portal.")
    mine: list[ConsultationMyOpinionOut] = Field(
        description="The caller's own opinions and their handling (with a token)."
    )


class ConsultationPage(Paged):
    results: list[ConsultationOut]


class ConsultationOpinionIn(Schema):
    text: OpinionText = Field(description="Plain text; HTML is removed.")
    author: AuthorText = Field(
        "", description="How to address the sender (the public only; with a token, the account)."
    )


class ConsultationReceiptOut(Schema):
    duplicate: bool = Field(description="The same text was received already; kept once.")
    detail: str


class GuardRefusalOut(Schema):
    detail: str
    question: str | None = Field(
        None, description="The challenge to answer (header X-Guard-Answer), if one is asked."
    )
    guard_token: str | None = Field(None, description="Send back as the header X-Guard-Token.")


def _out(draft: Disclosure, user: Any, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": draft.pk,
        "organization_code": draft.organization.code,
        "organization_name": draft.organization.name,
        **consulting.shown(draft, user, now),
        "consultation_until": draft.consultation_until,
        "url": reverse("portal:consultation", args=[draft.pk]),
    }


def _draft(request: HttpRequest, pk: int) -> Disclosure:
    draft = Disclosure.objects.select_related("organization").filter(pk=pk).first()
    if draft is None or not can_see_consultation(auth.caller(request), draft):
        raise Http404
    return draft


def _refused(verdict: limits.Verdict) -> HttpResponse:
    body = {"detail": verdict.message}
    if verdict.challenge:
        body |= {"question": verdict.question, "guard_token": verdict.token}
    response = JsonResponse(body, status=429, json_dumps_params={"ensure_ascii": False})
    response["Retry-After"] = str(verdict.retry_after)
    return response


@router.get(
    "/",
    response={200: ConsultationPage, **responses(401, 422)},
    summary="Drafts out for consultation the caller may see and still taking opinions",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def list_consultations(request: HttpRequest, query: Query[ConsultationQuery]) -> Any:
    user = auth.caller(request)
    now = timezone.now()
    qs = consulting.open_to(user, now).select_related("organization")
    if query.organization:
        qs = qs.filter(organization__code=query.organization)
    total, rows = page_of(qs.order_by("consultation_until", "pk"), query)
    return {
        "count": total,
        "page": query.page,
        "page_size": query.page_size,
        "results": [_out(d, user, now) for d in rows],
    }


@router.get(
    "/{int:id}",
    response={200: ConsultationOut, **responses(401, 404, 422)},
    summary="One draft out for consultation",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def get_consultation(request: HttpRequest, id: fields.Id) -> Any:
    return _out(_draft(request, id), auth.caller(request), timezone.now())


@router.post(
    "/{int:id}/opinions",
    response={
        201: ConsultationReceiptOut,
        200: ConsultationReceiptOut,
        429: GuardRefusalOut,
        **responses(400, 401, 403, 404, 422),
    },
    summary="Give an opinion on a draft out for consultation (the public: public ones only)",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def give_opinion(request: HttpRequest, id: fields.Id, payload: ConsultationOpinionIn) -> Any:
    draft = _draft(request, id)
    outcome = consulting.give_opinion(
        request, draft, auth.caller(request), text=payload.text, author=payload.author
    )
    if outcome.refusal is not None:
        return _refused(outcome.refusal)
    if outcome.duplicate:
        return Status(
            200,
            {
                "duplicate": True,
                "detail": _("The same opinion was received already; it is kept once."),
            },
        )
    return Status(
        201, {"duplicate": False, "detail": _("Your opinion has been received. Thank you.")}
    )
