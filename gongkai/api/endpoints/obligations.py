"""Compliance: obligations, exemptions and deferrals, recorded events — for staff with a token.

The same reads as the console's pages (`compliance.worklists`: the state now, who sees which
obligations) and the same functions for every change (`compliance.exemptions.request` and
`decide`, `compliance.recording.record_event`), which check the person and the input and
answer in Chinese. An obligation, exemption or organization the caller may not see in the
console is 404, so nothing reveals another organization's work.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Status

from gongkai import permissions
from gongkai.api import auth, fields
from gongkai.api.compliance_schemas import (
    DecisionIn,
    EventIn,
    ExemptionIn,
    ExemptionOut,
    ExemptionPage,
    ExemptionQuery,
    ObligationDetailOut,
    ObligationPage,
    ObligationQuery,
    RecordedEventOut,
    exemption_out,
    obligation_out,
    recorded_event_out,
)
from gongkai.api.endpoints import page_of
from gongkai.api.errors import responses
from gongkai.compliance import exemptions, obligations, recording, worklists
from gongkai.compliance.models import OPEN_STATES, Exemption, Obligation
from gongkai.organizations import tree
from gongkai.organizations.models import Organization

router = Router(tags=["compliance"], auth=auth.STAFF)
exemptions_router = Router(tags=["compliance"], auth=auth.STAFF)
events_router = Router(tags=["compliance"], auth=auth.STAFF)

OBLIGATION_RELATED = ("organization", "event", "plan")
EXEMPTION_RELATED = (
    "requested_by",
    "decided_by",
    "obligation",
    "obligation__organization",
    "obligation__organization__parent",
    "obligation__event",
    "obligation__plan",
)


def _organization(request: HttpRequest, code: str) -> Organization:
    """An organization the caller may see in the console, else 404."""
    org = Organization.objects.select_related("parent").filter(code=code).first()
    if org is None or not permissions.can_view_in_console(auth.caller(request), org):
        raise Http404
    return org


def _obligation(request: HttpRequest, pk: int) -> Obligation:
    obligation = (
        Obligation.objects.select_related(*OBLIGATION_RELATED, "organization__parent")
        .filter(pk=pk)
        .first()
    )
    if obligation is None or not permissions.can_view_in_console(
        auth.caller(request), obligation.organization
    ):
        raise Http404
    return obligation


def _exemption(request: HttpRequest, pk: int) -> Exemption:
    exemption = Exemption.objects.select_related(*EXEMPTION_RELATED).filter(pk=pk).first()
    if exemption is None or not permissions.can_view_in_console(
        auth.caller(request), exemption.obligation.organization
    ):
        raise Http404
    return exemption


def _detail(obligation: Obligation, actor: Any) -> dict[str, Any]:
    on = obligations.today()
    asked = obligation.exemptions.select_related(*EXEMPTION_RELATED).order_by("requested_at", "pk")
    moved = Obligation.objects.filter(origin=obligation).values_list("pk", flat=True).first()
    return {
        **obligation_out(obligation, on),
        "rules": obligation.rules or {},
        "escalate_after_days": obligation.escalate_after_days,
        "state_since": obligation.state_since,
        "origin_id": obligation.origin_id,
        "deferred_to_id": moved,
        "exemptions": [exemption_out(e, actor) for e in asked],
    }


@router.get(
    "/",
    response={200: ObligationPage, **responses(401, 404, 422)},
    summary="Obligations of the organizations the caller works for or oversees, soonest due first",
)
def list_obligations(request: HttpRequest, query: Query[ObligationQuery]) -> Any:
    user = auth.caller(request)
    on = obligations.today()
    qs = worklists.visible_to_staff(user)
    if query.organization is not None:
        qs = worklists.in_subtree(qs, _organization(request, query.organization).path)
    if query.state is not None:
        state = query.state.value
        qs = (
            qs.filter(state__in=OPEN_STATES)
            if state == "open"
            else qs.filter(worklists.state_condition(state, on))
        )
    if query.period is not None:
        qs = qs.filter(worklists.period_condition(query.period))
    if query.due_from is not None:
        qs = qs.filter(due_date__gte=query.due_from)
    if query.due_to is not None:
        qs = qs.filter(due_date__lte=query.due_to)
    qs = qs.select_related(*OBLIGATION_RELATED).order_by("due_date", "path", "pk")
    total, rows = page_of(qs, query)
    return {
        "count": total,
        "page": query.page,
        "page_size": query.page_size,
        "results": [obligation_out(o, on) for o in rows],
    }


@router.get(
    "/{int:id}",
    response={200: ObligationDetailOut, **responses(401, 404, 422)},
    summary="An obligation with its rules, due date and exemption requests",
)
def get_obligation(request: HttpRequest, id: fields.Id) -> Any:
    return _detail(_obligation(request, id), auth.caller(request))


@router.post(
    "/{int:id}/exemptions",
    response={201: ExemptionOut, **responses(400, 401, 403, 404, 422)},
    summary="Ask the superior not to disclose, or to defer (compliance.exemptions.request)",
)
def request_exemption(request: HttpRequest, id: fields.Id, payload: ExemptionIn) -> Any:
    user = auth.caller(request)
    asked = exemptions.request(
        _obligation(request, id),
        actor=user,
        kind=payload.kind.value,
        reason_category=payload.reason_category.value,
        reason=payload.reason,
        legal_basis=payload.legal_basis,
        likely_harm=payload.likely_harm,
        defer_until=payload.defer_until,
    )
    return Status(201, exemption_out(_exemption(request, asked.pk), user))


@exemptions_router.get(
    "/",
    response={200: ExemptionPage, **responses(401, 404, 422)},
    summary="Exemption and deferral requests of the organizations the caller may see",
)
def list_exemptions(request: HttpRequest, query: Query[ExemptionQuery]) -> Any:
    user = auth.caller(request)
    if query.to_decide:
        qs = worklists.pending_decisions(user)
    else:
        visible = worklists.visible_to_staff(user).values("pk")
        qs = Exemption.objects.filter(obligation__in=visible)
    if query.organization is not None:
        low, high = tree.subtree_bounds(_organization(request, query.organization).path)
        qs = qs.filter(obligation__path__gte=low, obligation__path__lt=high)
    if query.status is not None:
        qs = qs.filter(status=query.status.value)
    qs = qs.select_related(*EXEMPTION_RELATED).order_by("-requested_at", "-pk")
    total, rows = page_of(qs, query)
    return {
        "count": total,
        "page": query.page,
        "page_size": query.page_size,
        "results": [exemption_out(e, user) for e in rows],
    }


@exemptions_router.post(
    "/{int:id}/decision",
    response={200: ExemptionOut, **responses(400, 401, 403, 404, 422)},
    summary="The superior's leading group decides a request (compliance.exemptions.decide)",
)
def decide_exemption(request: HttpRequest, id: fields.Id, payload: DecisionIn) -> Any:
    user = auth.caller(request)
    exemption = _exemption(request, id)
    exemptions.decide(
        exemption,
        actor=user,
        approve=payload.approve,
        reason=payload.reason,
        shown_scope=payload.shown_scope.value,
    )
    return exemption_out(_exemption(request, id), user)


@events_router.post(
    "/{code}/events",
    response={201: RecordedEventOut, **responses(400, 401, 403, 404, 422)},
    summary="Record an event of the organization; its obligation follows at once "
    "(compliance.recording.record_event)",
)
def record_event(request: HttpRequest, code: fields.OrganizationCode, payload: EventIn) -> Any:
    user = auth.caller(request)
    org = _organization(request, code)
    event = recording.record_event(
        org,
        actor=user,
        item_key=payload.item_key,
        title=payload.title,
        happened_on=payload.happened_on,
    )
    obligation = Obligation.objects.select_related(*OBLIGATION_RELATED).filter(event=event).first()
    return Status(201, recorded_event_out(event, obligation, obligations.today()))
