"""Input and output schemas of the compliance endpoints (obligations, exemptions and
deferrals, recorded events). Outputs are filled by the `*_out` functions from what
`gongkai.compliance` answers; nothing here decides who may see what."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Any

from django.utils.translation import gettext_lazy as _
from ninja import Schema
from pydantic import AfterValidator, Field

from gongkai.api import fields as f
from gongkai.api.schemas import EventDate, Input, OrganizationRef, Paged, PageQuery, ScopeName
from gongkai.compliance import exemptions as exemption_rules
from gongkai.compliance import periods, worklists
from gongkai.compliance.models import Exemption, Obligation, ReasonCategory, RecordedEvent, State

NOT_A_PERIOD = _("Not a period: write e.g. 2026, 2026-H1, 2026-Q3 or 2026-M03.")

ObligationStateName = Enum(  # type: ignore[misc]
    "ObligationStateName", {"open": "open", **{v: v for v in State.values}}, type=str
)
ExemptionKindName = Enum("ExemptionKindName", {v: v for v in Exemption.Kind.values}, type=str)  # type: ignore[misc]
ExemptionStatusName = Enum(  # type: ignore[misc]
    "ExemptionStatusName", {v: v for v in Exemption.Status.values}, type=str
)
ReasonCategoryName = Enum(  # type: ignore[misc]
    "ReasonCategoryName", {v: v for v in ReasonCategory.values}, type=str
)


def _period_key(value: str) -> str:
    if not periods.is_period_key(value):
        raise ValueError(str(NOT_A_PERIOD))
    return value


PeriodKey = Annotated[str, Field(min_length=4, max_length=8), AfterValidator(_period_key)]


class ObligationQuery(PageQuery):
    organization: f.OrganizationCode | None = Field(
        None, description="Only this organization and everything below it (its code)."
    )
    state: ObligationStateName | None = Field(
        None,
        description="The state now (open obligations by their due date and today); `open`: "
        "any of upcoming, due soon, overdue.",
    )
    period: PeriodKey | None = Field(
        None,
        description="A period key (2026, 2026-H1, 2026-Q3, 2026-M03): its obligations and "
        "those of shorter periods, events and stages inside it.",
    )
    due_from: EventDate | None = Field(None, description="Due on or after this date.")
    due_to: EventDate | None = Field(None, description="Due on or before this date.")


class ItemOut(Schema):
    key: str
    name: str


class ObligationOut(Schema):
    id: int
    organization: OrganizationRef
    item: ItemOut
    category_key: str
    period_key: str = Field(description="The key a disclosure names to fulfil it.")
    period_label: str
    source: str
    source_label: str
    basis_date: dt.date = Field(description="The day the deadline is counted from.")
    due_date: dt.date
    provisional: bool = Field(
        description="The due date was counted through a year without calendar data (Monday "
        "to Friday assumed): it may move."
    )
    state: str = Field(description="The state now; an open obligation's from its due date.")
    state_label: str
    remaining_working_days: int | None = Field(
        description="Working days left until the due date (0 on the day), negative when "
        "overdue; null once fulfilled, exempted or deferred."
    )
    due_text: str = Field(description="How long is left, in a sentence; empty once closed.")
    disclosure_id: int | None = Field(description="The disclosure that fulfilled it.")
    fulfilled_at: dt.datetime | None


class ExemptionOut(Schema):
    id: int
    obligation_id: int
    organization: OrganizationRef
    item: ItemOut
    period_label: str
    kind: str
    kind_label: str
    reason_category: str
    reason_category_label: str
    reason: str
    legal_basis: str
    likely_harm: str
    defer_until: dt.date | None
    requested_by: str
    requested_at: dt.datetime
    status: str
    status_label: str
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str
    shown_scope: str = Field(description="Who sees the notice in the item's place.")
    can_decide: bool = Field(description="Whether the caller may decide it now.")


class ObligationDetailOut(ObligationOut):
    rules: dict[str, Any] = Field(description="The item's rules when the obligation was owed.")
    escalate_after_days: int
    state_since: dt.datetime
    origin_id: int | None = Field(description="The obligation a deferral moved here.")
    deferred_to_id: int | None = Field(description="Where an approved deferral moved it.")
    exemptions: list[ExemptionOut]


class ObligationPage(Paged):
    results: list[ObligationOut]


class ExemptionQuery(PageQuery):
    organization: f.OrganizationCode | None = Field(
        None, description="Only this organization and everything below it (its code)."
    )
    status: ExemptionStatusName | None = None
    to_decide: bool = Field(False, description="Only the requests the caller may decide now.")


class ExemptionPage(Paged):
    results: list[ExemptionOut]


class RecordedEventOut(Schema):
    id: int
    organization: OrganizationRef
    item_key: str
    title: str
    happened_on: dt.date
    recorded_at: dt.datetime
    obligation: ObligationOut | None = Field(description="What the event owes (generated).")


# --- inputs ------------------------------------------------------------------------------------


class ExemptionIn(Input):
    kind: ExemptionKindName = Field(description="exempt: not to be disclosed; defer: later.")
    reason_category: ReasonCategoryName
    reason: f.Reason = ""
    legal_basis: f.Reason = ""
    likely_harm: f.Reason = ""
    defer_until: EventDate | None = Field(None, description="Required for a deferral.")


class DecisionIn(Input):
    approve: bool
    reason: f.Reason = Field("", description="The decision's own reasons (shown with the notice).")
    shown_scope: ScopeName = Field(
        ScopeName("party"),  # type: ignore[call-arg]
        description="Who sees the notice: party (members and staff of the organization), "
        "institution (as unit-scope disclosures), public (everyone).",
    )


class EventIn(Input):
    item_key: f.ItemKey = Field(description="An event or standing item of the catalog.")
    title: f.Title = Field(description="What happened.")
    happened_on: EventDate


# --- outputs -----------------------------------------------------------------------------------


def _ref(org: Any) -> dict[str, str]:
    return {"code": org.code, "name": org.name}


def obligation_out(obligation: Obligation, on: dt.date) -> dict[str, Any]:
    due = worklists.due(obligation, on)
    still_open = obligation.is_open
    return {
        "id": obligation.pk,
        "organization": _ref(obligation.organization),
        "item": {"key": obligation.item_key, "name": obligation.name},
        "category_key": obligation.category_key,
        "period_key": worklists.chain_base(obligation),
        "period_label": obligation.period_label,
        "source": obligation.source,
        "source_label": str(obligation.get_source_display()),
        "basis_date": obligation.basis_date,
        "due_date": obligation.due_date,
        "provisional": due.provisional,
        "state": due.state,
        "state_label": str(State(due.state).label),
        "remaining_working_days": due.remaining if still_open else None,
        "due_text": due.text if still_open else "",
        "disclosure_id": obligation.disclosure_id,
        "fulfilled_at": obligation.fulfilled_at,
    }


def exemption_out(exemption: Exemption, actor: Any) -> dict[str, Any]:
    obligation = exemption.obligation
    return {
        "id": exemption.pk,
        "obligation_id": obligation.pk,
        "organization": _ref(obligation.organization),
        "item": {"key": obligation.item_key, "name": obligation.name},
        "period_label": obligation.period_label,
        "kind": exemption.kind,
        "kind_label": str(exemption.get_kind_display()),
        "reason_category": exemption.reason_category,
        "reason_category_label": str(exemption.get_reason_category_display()),
        "reason": exemption.reason,
        "legal_basis": exemption.legal_basis,
        "likely_harm": exemption.likely_harm,
        "defer_until": exemption.defer_until,
        "requested_by": str(exemption.requested_by),
        "requested_at": exemption.requested_at,
        "status": exemption.status,
        "status_label": str(exemption.get_status_display()),
        "decided_by": str(exemption.decided_by) if exemption.decided_by else None,
        "decided_at": exemption.decided_at,
        "decision_reason": exemption.decision_reason,
        "shown_scope": exemption.shown_scope,
        "can_decide": exemption.status == Exemption.Status.REQUESTED
        and exemption_rules.can_decide(actor, obligation),
    }


def recorded_event_out(
    event: RecordedEvent, obligation: Obligation | None, on: dt.date
) -> dict[str, Any]:
    return {
        "id": event.pk,
        "organization": _ref(event.organization),
        "item_key": event.item_key,
        "title": event.title,
        "happened_on": event.happened_on,
        "recorded_at": event.recorded_at,
        "obligation": obligation_out(obligation, on) if obligation is not None else None,
    }
