"""The workflow moves, one endpoint each: `POST /disclosures/{id}/actions/{action}`.

Each endpoint reads its own input schema and calls exactly one function of
`gongkai.disclosures.workflow`, which checks the state and the person, changes what it
changes and writes the event, all in one transaction. The API adds no rule of its own: a
refusal is the workflow's (ValidationError → 400, PermissionDenied → 403, in its words).

The disclosure must exist for the caller first: one they may neither see in the console nor
see published is 404, so the moves do not reveal work in progress.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router

from gongkai import permissions
from gongkai.api import auth, fields
from gongkai.api.errors import responses
from gongkai.api.schemas import (
    ConsultationIn,
    CorrectIn,
    HandlingIn,
    PublishIn,
    ReasonIn,
    ReviewIn,
    WorkingOut,
    working_out,
)
from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure
from gongkai.disclosures.visibility import can_see

router = Router(tags=["workflow"], auth=auth.STAFF)

REFUSALS = responses(400, 401, 403, 404, 422)


def _target(request: HttpRequest, pk: int) -> Disclosure:
    user = auth.caller(request)
    d = (
        Disclosure.objects.select_related("organization", "organization__parent", "item")
        .filter(pk=pk)
        .first()
    )
    if d is None or not (permissions.can_view_in_console(user, d.organization) or can_see(user, d)):
        raise Http404
    return d


def _act(request: HttpRequest, pk: int, move: Callable[[Disclosure, Any], Disclosure]) -> Any:
    user = auth.caller(request)
    moved = move(_target(request, pk), user)
    return working_out(moved, user)


def _action(name: str, summary: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return router.post(
        f"/{{int:id}}/actions/{name}",
        response={200: WorkingOut, **REFUSALS},
        summary=summary,
        operation_id=f"action_{name}",
    )


@_action("submit", "Submit for review (workflow.submit)")
def submit(request: HttpRequest, id: fields.Id) -> Any:
    return _act(request, id, lambda d, user: workflow.submit(d, actor=user))


@_action("open_consultation", "Open the consultation (workflow.open_consultation)")
def open_consultation(request: HttpRequest, id: fields.Id, payload: ConsultationIn) -> Any:
    return _act(
        request, id, lambda d, user: workflow.open_consultation(d, actor=user, days=payload.days)
    )


@_action("close_consultation", "Close the consultation (workflow.close_consultation)")
def close_consultation(request: HttpRequest, id: fields.Id) -> Any:
    return _act(request, id, lambda d, user: workflow.close_consultation(d, actor=user))


@_action("review", "Pass the content and secrecy review (workflow.review)")
def review(request: HttpRequest, id: fields.Id, payload: ReviewIn) -> Any:
    return _act(
        request,
        id,
        lambda d, user: workflow.review(
            d,
            actor=user,
            checklist=dict(payload.checklist),
            mask_exceptions={k.value: v for k, v in payload.mask_exceptions.items()},
            secret_clearance=payload.secret_clearance,
        ),
    )


@_action("send_to_superior", "Send a major matter to the superior (workflow.send_to_superior)")
def send_to_superior(request: HttpRequest, id: fields.Id) -> Any:
    return _act(request, id, lambda d, user: workflow.send_to_superior(d, actor=user))


@_action("approve", "Approve (workflow.approve)")
def approve(request: HttpRequest, id: fields.Id) -> Any:
    return _act(request, id, lambda d, user: workflow.approve(d, actor=user))


@_action("superior_approve", "Approve as the superior (workflow.superior_approve)")
def superior_approve(request: HttpRequest, id: fields.Id) -> Any:
    return _act(request, id, lambda d, user: workflow.superior_approve(d, actor=user))


@_action("return", "Return to the clerk with a reason (workflow.return_to_clerk)")
def return_to_clerk(request: HttpRequest, id: fields.Id, payload: ReasonIn) -> Any:
    return _act(
        request,
        id,
        lambda d, user: workflow.return_to_clerk(d, actor=user, reason=payload.reason),
    )


@_action("publish", "Publish now or from a given time (workflow.publish)")
def publish(request: HttpRequest, id: fields.Id, payload: PublishIn) -> Any:
    return _act(
        request,
        id,
        lambda d, user: workflow.publish(
            d,
            actor=user,
            publish_from=payload.publish_from,
            publicity_until=payload.publicity_until,
        ),
    )


@_action("correct", "Publish a corrected revision with its reason (workflow.correct)")
def correct(request: HttpRequest, id: fields.Id, payload: CorrectIn) -> Any:
    return _act(
        request,
        id,
        lambda d, user: workflow.correct(
            d,
            actor=user,
            reason=payload.reason,
            title=payload.title if payload.title is not None else d.title,
            body=payload.body if payload.body is not None else d.body,
            data=payload.data,
            secret_clearance=payload.secret_clearance,
            handlings=dict(payload.handlings) or None,
        ),
    )


@_action("withdraw", "Withdraw with a reason that stays visible (workflow.withdraw)")
def withdraw(request: HttpRequest, id: fields.Id, payload: ReasonIn) -> Any:
    return _act(
        request, id, lambda d, user: workflow.withdraw(d, actor=user, reason=payload.reason)
    )


@_action("end_publicity", "Record the end of the publicity period (workflow.end_publicity)")
def end_publicity(request: HttpRequest, id: fields.Id) -> Any:
    return _act(request, id, lambda d, user: workflow.end_publicity(d, actor=user))


@_action("archive", "Archive (workflow.archive)")
def archive(request: HttpRequest, id: fields.Id) -> Any:
    return _act(request, id, lambda d, user: workflow.archive(d, actor=user))


@router.post(
    "/{int:id}/opinions/{int:opinion_id}/handling",
    response={200: WorkingOut, **REFUSALS},
    summary="Record how a consultation opinion was handled (workflow.handle_opinion)",
)
def handle_opinion(
    request: HttpRequest, id: fields.Id, opinion_id: fields.Id, payload: HandlingIn
) -> Any:
    user = auth.caller(request)
    d = _target(request, id)
    opinion = d.opinions.filter(pk=opinion_id).first()
    if opinion is None:
        raise Http404
    workflow.handle_opinion(opinion, actor=user, handling=payload.handling)
    return working_out(d, user)
