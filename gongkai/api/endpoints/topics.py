"""Topic requests (点题公开): the same functions as the members' and the console's pages
(gongkai.topics.services). Reading follows the one rule (members and staff of the
organization see its topics; an answer is seen by its echo scope's audience); proposing and
supporting need a member's token, answering a handler's. Texts are masked and the proposer
is named to the handling staff only.

Its schemas live here: nothing else uses them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import AfterValidator, Field, StringConstraints

from gongkai.api import auth, fields
from gongkai.api.endpoints import page_of
from gongkai.api.errors import responses
from gongkai.api.schemas import Paged, PageQuery
from gongkai.guard import limits
from gongkai.organizations.models import Organization
from gongkai.topics import services
from gongkai.topics.models import ANSWER_MAX, DESCRIPTION_MAX, TITLE_MAX, TopicRequest

router = Router(tags=["topics"], auth=auth.READ)

ScopeName = Literal["party", "institution", "public"]
TimingName = Literal["event", "standing", "on_request"]


def _text(max_length: int, min_length: int = 0) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


_plain = AfterValidator(fields.plain_text)
TopicTitle = Annotated[str, _text(TITLE_MAX, 1), _plain]
TopicText = Annotated[str, _text(DESCRIPTION_MAX), _plain]
AnswerText = Annotated[str, _text(ANSWER_MAX), _plain]
ItemName = Annotated[str, _text(TITLE_MAX), _plain]
CategoryKey = Annotated[str, _text(64), _plain]
REFUSALS = responses(400, 401, 403, 404, 422)


class TopicQuery(PageQuery):
    organization: fields.OrganizationCode = Field(description="The organization's code.")


class TopicOut(Schema):
    id: int
    organization_code: str
    organization_name: str
    title: str = Field(description="Masked: personal numbers hidden.")
    description: str = Field(description="Masked: personal numbers hidden.")
    proposer: str = Field(description="“党员” except for the staff who handle the topic.")
    state: str
    state_label: str
    outcome: str
    outcome_label: str
    support_count: int
    supported: bool = Field(description="Whether the caller supports the topic.")
    created_at: dt.datetime
    due_date: dt.date
    answer: str = Field(description="Masked.")
    answered_at: dt.datetime | None
    echo_scope: str
    merged_into: int | None
    disclosure: int | None
    item_key: str


class TopicPage(Paged):
    results: list[TopicOut]


class ProposeIn(Schema):
    organization: fields.OrganizationCode
    title: TopicTitle
    description: TopicText = ""


class TopicAnswerIn(Schema):
    answer: AnswerText
    echo_scope: ScopeName = "party"


class ItemIn(TopicAnswerIn):
    category_key: CategoryKey = Field("", description="Empty: the first category.")
    item_name: ItemName = Field("", description="Empty: the topic's title.")
    item_scope: ScopeName = "party"
    timing: TimingName = "event"


class TopicDisclosureIn(TopicAnswerIn):
    item_key: fields.ItemKey


class DeclineIn(Schema):
    reason: AnswerText
    echo_scope: ScopeName = "party"


class MergeIn(TopicAnswerIn):
    into: fields.Id


def topic_out(topic: TopicRequest, user: Any, supported: set[int]) -> dict[str, Any]:
    return {
        "id": topic.pk,
        "organization_code": topic.organization.code,
        "organization_name": topic.organization.name,
        "title": services.public_title(topic),
        "description": services.public_description(topic),
        "proposer": (
            topic.proposer.display_name or topic.proposer.username
            if services.sees_proposer(user, topic)
            else str(services.PROPOSER_SHOWN)
        ),
        "state": topic.state,
        "state_label": str(topic.get_state_display()),
        "outcome": topic.outcome,
        "outcome_label": str(topic.get_outcome_display()) if topic.outcome else "",
        "support_count": topic.support_count,
        "supported": topic.pk in supported,
        "created_at": topic.created_at,
        "due_date": topic.due_date,
        "answer": services.public_answer(topic),
        "answered_at": topic.answered_at,
        "echo_scope": topic.echo_scope,
        "merged_into": topic.merged_into_id,
        "disclosure": topic.disclosure_id if services.sees_proposer(user, topic) else None,
        "item_key": topic.item_key,
    }


def _organization(code: str) -> Organization:
    return get_object_or_404(Organization, code=code)


def _visible(request: HttpRequest, pk: int) -> TopicRequest:
    topic = TopicRequest.objects.select_related("organization", "proposer").filter(pk=pk).first()
    if topic is None or not services.can_see(auth.caller(request), topic):
        raise Http404
    return topic


def _one(request: HttpRequest, topic: TopicRequest) -> dict[str, Any]:
    user = auth.caller(request)
    topic = TopicRequest.objects.select_related("organization", "proposer").get(pk=topic.pk)
    return topic_out(topic, user, services.supported_by(user, [topic]))


@router.get(
    "/",
    response={200: TopicPage, **responses(401, 404, 422)},
    summary="An organization's topic requests: open ones by support, then answered ones",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def list_topics(request: HttpRequest, query: Query[TopicQuery]) -> Any:
    user = auth.caller(request)
    org = _organization(query.organization)
    qs = services.visible_in(org, user).select_related("proposer")
    total, rows = page_of(qs, query)
    supported = services.supported_by(user, rows)
    return {
        "count": total,
        "page": query.page,
        "page_size": query.page_size,
        "results": [topic_out(t, user, supported) for t in rows],
    }


@router.get(
    "/{int:id}",
    response={200: TopicOut, **responses(401, 404, 422)},
    summary="One topic request",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def get_topic(request: HttpRequest, id: fields.Id) -> Any:
    return _one(request, _visible(request, id))


@router.post(
    "/",
    response={201: TopicOut, **REFUSALS, **responses(429)},
    summary="Propose a topic (members and staff of the organization)",
    auth=auth.STAFF,
)
def propose_topic(request: HttpRequest, payload: ProposeIn) -> Any:
    org = _organization(payload.organization)
    verdict = limits.check(request, "topic", organization=org)
    if not verdict.allowed:
        return Status(429, {"detail": verdict.message})
    topic = services.propose(
        org, actor=auth.caller(request), title=payload.title, description=payload.description
    )
    return Status(201, _one(request, topic))


@router.post(
    "/{int:id}/support",
    response={200: TopicOut, **REFUSALS},
    summary="Support a topic (once per person)",
    auth=auth.STAFF,
)
def support_topic(request: HttpRequest, id: fields.Id) -> Any:
    topic = _visible(request, id)
    services.support(topic, actor=auth.caller(request))
    return _one(request, topic)


@router.post(
    "/{int:id}/unsupport",
    response={200: TopicOut, **REFUSALS},
    summary="Take one's support back",
    auth=auth.STAFF,
)
def unsupport_topic(request: HttpRequest, id: fields.Id) -> Any:
    topic = _visible(request, id)
    services.unsupport(topic, actor=auth.caller(request))
    return _one(request, topic)


@router.post(
    "/{int:id}/accept-item",
    response={200: TopicOut, **REFUSALS},
    summary="Answer: add a local item to the organization's catalog",
    auth=auth.STAFF,
)
def accept_topic_as_item(request: HttpRequest, id: fields.Id, payload: ItemIn) -> Any:
    topic = _visible(request, id)
    services.accept_as_item(
        topic,
        actor=auth.caller(request),
        answer=payload.answer,
        echo_scope=payload.echo_scope,
        category_key=payload.category_key,
        item_name=payload.item_name,
        item_scope=payload.item_scope,
        timing=payload.timing,
    )
    return _one(request, topic)


@router.post(
    "/{int:id}/accept-disclosure",
    response={200: TopicOut, **REFUSALS},
    summary="Answer: draft a disclosure for a catalog item, linked to the topic",
    auth=auth.STAFF,
)
def accept_topic_as_disclosure(
    request: HttpRequest, id: fields.Id, payload: TopicDisclosureIn
) -> Any:
    topic = _visible(request, id)
    services.accept_as_disclosure(
        topic,
        actor=auth.caller(request),
        answer=payload.answer,
        echo_scope=payload.echo_scope,
        item_key=payload.item_key,
    )
    return _one(request, topic)


@router.post(
    "/{int:id}/decline",
    response={200: TopicOut, **REFUSALS},
    summary="Answer: decline with a reason",
    auth=auth.STAFF,
)
def decline_topic(request: HttpRequest, id: fields.Id, payload: DeclineIn) -> Any:
    topic = _visible(request, id)
    services.decline(
        topic, actor=auth.caller(request), reason=payload.reason, echo_scope=payload.echo_scope
    )
    return _one(request, topic)


@router.post(
    "/{int:id}/merge",
    response={200: TopicOut, **REFUSALS},
    summary="Answer: merge into another topic of the organization",
    auth=auth.STAFF,
)
def merge_topic(request: HttpRequest, id: fields.Id, payload: MergeIn) -> Any:
    topic = _visible(request, id)
    into = _visible(request, payload.into)
    services.merge(
        topic,
        actor=auth.caller(request),
        into=into,
        answer=payload.answer,
        echo_scope=payload.echo_scope,
    )
    return _one(request, topic)
