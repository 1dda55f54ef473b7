"""The API's explicit input and output schemas.

Outputs are filled by the `*_out` functions below from the same querysets and rules the pages
use; nothing here decides what someone may see. Inputs forbid unknown fields and bound every
value (see fields.py).
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Any, Literal

from django.utils.translation import gettext_lazy as _
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, create_model

from gongkai.api import fields as f
from gongkai.catalog import applicability
from gongkai.catalog.effective import EffectiveCatalog, EffectiveItem, escalate_after_days
from gongkai.catalog.models import Channel, Scope
from gongkai.disclosures import scanning, schedule_warnings, workflow
from gongkai.disclosures.models import PUBLIC_STATES, Disclosure, Event, Opinion, State
from gongkai.organizations.models import Organization

DATE_OUT_OF_RANGE = _("The date must lie between the years 1900 and 2099.")

# --- enumerations the schema shows ------------------------------------------------------

ScopeName = Enum("ScopeName", {v: v for v in Scope.values}, type=str)  # type: ignore[misc]
PublicState = Enum("PublicState", {str(v): str(v) for v in PUBLIC_STATES}, type=str)  # type: ignore[misc]
StateName = Enum("StateName", {v: v for v in State.values}, type=str)  # type: ignore[misc]
ChannelName = Enum("ChannelName", {v: v for v in Channel.values}, type=str)  # type: ignore[misc]
PersonalKind = Enum("PersonalKind", {k: k for k in scanning.PERSONAL_KINDS}, type=str)  # type: ignore[misc]


def _date_in_range(value: dt.date) -> dt.date:
    if not 1900 <= value.year <= 2099:
        raise ValueError(str(DATE_OUT_OF_RANGE))
    return value


EventDate = Annotated[dt.date, AfterValidator(_date_in_range)]


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


# --- pages ------------------------------------------------------------------------------


class PageQuery(Schema):
    page: f.Page = 1
    page_size: f.PageSize = f.DEFAULT_PAGE_SIZE


class OrganizationQuery(PageQuery):
    parent: f.OrganizationCode | None = Field(
        None, description="Only the children of the organization with this code."
    )
    q: f.Search | None = Field(None, description="Part of the name, or the start of the code.")


class DisclosureQuery(PageQuery):
    organization: f.OrganizationCode | None = Field(None, description="Organization code.")
    state: PublicState | None = None
    scope: ScopeName | None = None


class WorkingQuery(PageQuery):
    organization: f.OrganizationCode | None = Field(None, description="Organization code.")
    state: StateName | None = None


class Paged(Schema):
    count: int
    page: int
    page_size: int


# --- organizations -----------------------------------------------------------------------


class OrganizationRef(Schema):
    code: str
    name: str


class OrganizationOut(OrganizationRef):
    kind: str
    kind_label: str
    parent_code: str | None
    depth: int
    is_pilot: bool
    is_active: bool


class OrganizationDetailOut(OrganizationOut):
    """Public contact channels only; people's names and roles are not part of the API."""

    supervision_phone: str
    opinion_mailbox: str
    address: str


class OrganizationPage(Paged):
    results: list[OrganizationOut]


def organization_out(org: Organization, parent_code: str | None) -> dict[str, Any]:
    return {
        "code": org.code,
        "name": org.name,
        "kind": org.kind,
        "kind_label": str(org.get_kind_display()),
        "parent_code": parent_code,
        "depth": org.depth,
        "is_pilot": org.is_pilot,
        "is_active": org.is_active,
    }


def organization_detail_out(org: Organization) -> dict[str, Any]:
    return {
        **organization_out(org, org.parent.code if org.parent else None),
        "supervision_phone": org.supervision_phone,
        "opinion_mailbox": org.opinion_mailbox,
        "address": org.address,
    }


# --- catalog ---------------------------------------------------------------------------------


class CatalogItemOut(Schema):
    key: str
    name: str
    description: str
    scope: str
    scope_label: str
    party_first: bool
    party_first_lag_days: int
    timing: str
    timing_label: str
    period: str
    period_label: str
    deadline_days: int | None
    deadline_basis: str
    deadline_basis_label: str
    min_publicity_days: int | None
    channels: list[str]
    channel_labels: list[str]
    responsible_unit: str
    major_matter: bool
    consultation_required: bool
    consultation_days: int | None
    legal_basis: str
    form: dict[str, Any] | None
    applies_to: dict[str, Any] = Field(
        description="Where the item applies (catalog.applicability): levels below the "
        "organization that defines it (0 itself), organization kinds and settings, pilots only."
    )
    applies_to_label: str = Field(description="The same in a few Chinese words.")
    escalate_after_days: int = Field(
        description="Working days overdue after which the superior is alerted."
    )


class CatalogCategoryOut(Schema):
    key: str
    name: str
    description: str
    items: list[CatalogItemOut]


class CatalogOut(Schema):
    organization: OrganizationRef
    title: str
    version: int
    categories: list[CatalogCategoryOut]


def catalog_item_out(item: EffectiveItem) -> dict[str, Any]:
    v = item.value
    return {
        "key": item.key,
        "name": v("name"),
        "description": v("description"),
        "scope": v("scope"),
        "scope_label": item.scope_label,
        "party_first": v("party_first"),
        "party_first_lag_days": v("party_first_lag_days") or 0,
        "timing": v("timing"),
        "timing_label": item.timing_label,
        "period": v("period") or "",
        "period_label": item.period_label,
        "deadline_days": v("deadline_days"),
        "deadline_basis": v("deadline_basis") or "",
        "deadline_basis_label": item.deadline_basis_label,
        "min_publicity_days": v("min_publicity_days"),
        "channels": list(v("channels") or []),
        "channel_labels": item.channel_labels,
        "responsible_unit": v("responsible_unit"),
        "major_matter": v("major_matter"),
        "consultation_required": v("consultation_required"),
        "consultation_days": v("consultation_days"),
        "legal_basis": v("legal_basis"),
        "form": v("form"),
        "applies_to": applicability.parse(v("applies_to")).as_dict(),
        "applies_to_label": applicability.describe(v("applies_to"), item.origin.organization),
        "escalate_after_days": escalate_after_days(item),
    }


def catalog_out(org: Organization, effective: EffectiveCatalog) -> dict[str, Any]:
    return {
        "organization": {"code": org.code, "name": org.name},
        "title": effective.catalog.title,
        "version": effective.version,
        "categories": [
            {
                "key": category.key,
                "name": category.name,
                "description": category.description,
                "items": [catalog_item_out(item) for item in category.items],
            }
            for category in effective.categories
        ],
    }


# --- published disclosures ---------------------------------------------------------------


class ItemRef(Schema):
    key: str
    name: str


class DisclosureSummaryOut(Schema):
    id: int
    organization: OrganizationRef
    item: ItemRef
    title: str = Field(description="As published, personal numbers masked.")
    period: str
    event_date: dt.date | None
    scope: str
    scope_label: str
    state: str
    state_label: str
    publish_from: dt.datetime
    public_from: dt.datetime | None = Field(
        description="When the public sees a public-scope item (after the party-first lag)."
    )
    publicity_until: dt.datetime | None
    revision: int = Field(
        description="The number of the revision on show (counts every snapshot, drafts too; "
        "the ledger's entries name it)."
    )
    version: int = Field(
        description="The version readers are told (第 N 版): 1 for the first publication, one "
        "more per correction, drafts never counted."
    )
    withdrawn: bool


class AttachmentPartOut(Schema):
    name: str = Field(description="Where in the file: a page, a sheet, a header, properties…")
    text: str = Field(description="Its whole text, masked like the body.")


class AttachmentOut(Schema):
    name: str = Field(description="The file name, masked like the body.")
    kind: str
    served: Literal["original", "text"] = Field(
        description="What readers get: the original file (`download_url`), or only its masked "
        "text (`parts`)."
    )
    size: int = Field(description="Byte count of what is served (see `sha256`).")
    sha256: str = Field(
        description="SHA-256 of what is served, as the ledger records it: the original file's "
        "bytes, or for text the UTF-8 canonical JSON of [[part name, text], …] "
        "(docs/ledger-format.md §3.1). Never the digest of an original that is not served."
    )
    text_preview: str = Field(description="The beginning of the file's masked text.")
    parts: list[AttachmentPartOut] = Field(
        description="Everything read from the file as text, part by part, masked."
    )
    complete: bool = Field(
        description="Whether everything a reader could see in the file was read as text."
    )
    checked_by_eye: bool = Field(
        description="Whether a reviewer looked at a file that could not be wholly read as text."
    )
    download_url: str | None = Field(
        description="The original file; null unless it was read completely (or checked by eye) "
        "and holds nothing that is masked."
    )


class PublicOpinionOut(Schema):
    received_at: dt.datetime
    text: str = Field(description="Masked.")
    handling: str = Field(description="How it was handled, masked.")
    handled_at: dt.datetime | None


class PublicEventOut(Schema):
    at: dt.datetime
    kind: str = Field(description="The event's name (EventKind).")
    role: str = Field(description="The role it was done in; never a person.")
    reason: str = Field(description="A correction's or a withdrawal's reason, masked; else empty.")


class DisclosureOut(DisclosureSummaryOut):
    party_first: bool
    party_first_lag_days: int
    channels: list[str]
    channel_labels: list[str]
    published_at: dt.datetime | None = Field(description="When the revision on show was published.")
    body: str | None = Field(description="Sanitised HTML, masked; null once withdrawn.")
    data: dict[str, Any] | None = Field(description="Structured data, masked; null once withdrawn.")
    attachments: list[AttachmentOut] | None = Field(description="Null once withdrawn.")
    opinions: list[PublicOpinionOut] | None = Field(
        description="The consultation's opinions and their handling, masked, without who gave "
        "them; null once withdrawn."
    )
    events: list[PublicEventOut] | None = Field(
        description="The public timeline, oldest first; null once withdrawn."
    )
    withdrawal_reason: str | None
    withdrawn_at: dt.datetime | None


class DisclosurePage(Paged):
    results: list[DisclosureSummaryOut]


class RevisionOut(Schema):
    number: int = Field(description="The revision's number among every snapshot, drafts too.")
    version: int = Field(
        description="The published version (第 N 版): 1 for the first publication, one more "
        "per correction."
    )
    published_at: dt.datetime
    note: str = Field(description="Why it was corrected (empty for the first publication).")
    title: str
    body: str | None = Field(description="Null once the disclosure is withdrawn.")
    data: dict[str, Any] | None = Field(description="Null once the disclosure is withdrawn.")
    attachments: list[AttachmentOut] | None = Field(
        description="Null once the disclosure is withdrawn."
    )


# --- the transparency log (docs/ledger-format.md §8) -------------------------------------

HEX = "64 lowercase hex digits (SHA-256)."


class LedgerKeyOut(Schema):
    name: str = Field(description="The key's name: the deployment's name.")
    key_id: str = Field(description="8 hex digits: the first 4 bytes of the C2SP key hash.")
    public_key: str = Field(description="Base64 of the 32-byte Ed25519 public key.")
    vkey: str = Field(description="The C2SP verifier key: <name>+<hex key id>+<base64>.")
    current: bool = Field(description="Whether new heads are signed with it (else an old key).")


class LogOut(Schema):
    log: str = Field(description="The log's name: its root organization's code.")
    origin: str = Field(description="<deployment name>/<log>, the checkpoints' first line.")
    organization: str = Field(description="The root organization's code.")
    organization_name: str
    parent_log: str | None = Field(
        description="The log that witnesses this one's heads (that of the organization above "
        "its root); null for a top-level log."
    )
    size: int = Field(description="Entries in the latest signed head.")
    root_hash: str = Field(description="The latest signed head's root, " + HEX)
    checkpoint: str = Field(description="The latest signed checkpoint (C2SP signed note).")


class HeadsQuery(Schema):
    after: int = Field(0, ge=0, le=f.MAX_ID, description="Heads of sizes above this one.")
    page_size: int = Field(100, ge=1, le=1000)


class EntriesQuery(Schema):
    start: int = Field(0, ge=0, le=f.MAX_ID, description="The first index wanted.")
    limit: int = Field(100, ge=1, le=1000, description="At most this many entries.")


class InclusionQuery(Schema):
    index: int = Field(ge=0, le=f.MAX_ID, description="The entry's index.")
    size: int = Field(ge=1, le=f.MAX_ID, description="The tree size (of a signed head).")


class ConsistencyQuery(Schema):
    first: int = Field(ge=1, le=f.MAX_ID, description="The smaller tree size (a saved head).")
    second: int = Field(ge=1, le=f.MAX_ID, description="The larger tree size.")


class HeadOut(Schema):
    size: int
    root_hash: str = Field(description=HEX)
    at: str = Field(description="When it was signed: UTC, ISO 8601 with microseconds.")
    checkpoint: str = Field(description="The signed checkpoint (C2SP signed note).")


class HeadPage(Schema):
    results: list[HeadOut]
    next_after: int | None = Field(
        description="Pass as `after` for the next page; null at the end."
    )


class OpaqueEntryOut(Schema):
    """An entry whose document the caller may not read: what its leaf hashes."""

    index: int
    at: str = Field(description="UTC, ISO 8601 with microseconds, exactly as hashed.")
    organization: str = Field(description="The code of the organization whose action it records.")
    commitment: str = Field(description=HEX)
    leaf_hash: str = Field(description=HEX)
    visible: Literal[False]


class VisibleEntryOut(Schema):
    """An entry with its published document."""

    index: int
    at: str = Field(description="UTC, ISO 8601 with microseconds, exactly as hashed.")
    organization: str = Field(description="The code of the organization whose action it records.")
    commitment: str = Field(description=HEX)
    leaf_hash: str = Field(description=HEX)
    visible: Literal[True]
    kind: str = Field(description="publish, correct, withdraw, checkpoint or witness.")
    document: dict[str, Any] = Field(
        description="The published document; its canonical JSON hashes to published_hash."
    )
    published_hash: str = Field(description=HEX)
    sealed_hash: str = Field(description=HEX + " Salted: nothing sealed can be tested.")


class EntryPage(Schema):
    results: list[VisibleEntryOut | OpaqueEntryOut] = Field(
        description="Every index from `start`, none left out: the entries the caller may not "
        "read are opaque."
    )
    next_start: int | None = Field(
        description="Pass as `start` for the next page; null at the end."
    )


class InclusionOut(Schema):
    index: int
    size: int
    leaf_hash: str = Field(description=HEX)
    path: list[str] = Field(description="The RFC 9162 audit path, from the leaf's sibling up.")


class ConsistencyOut(Schema):
    first: int
    second: int
    path: list[str] = Field(description="The RFC 9162 consistency proof.")


class OpaqueProofEntryOut(OpaqueEntryOut):
    inclusion: list[str] = Field(description="Audit path against the head given (RFC 9162).")


class VisibleProofEntryOut(VisibleEntryOut):
    inclusion: list[str] = Field(description="Audit path against the head given (RFC 9162).")


class DisclosureProofOut(Schema):
    log: str | None = Field(description="The log holding the disclosure's entries.")
    checkpoint: str | None = Field(description="The log's latest signed checkpoint.")
    size: int = Field(description="The checkpoint's tree size.")
    root_hash: str = Field(description="The checkpoint's root, " + HEX)
    entries: list[VisibleProofEntryOut | OpaqueProofEntryOut] = Field(
        description="The disclosure's entries, each with its inclusion path; those the caller "
        "may not read (an earlier entry of a withdrawn disclosure) are opaque."
    )


def labels(choices: Any, values: list[str]) -> list[str]:
    labels = dict(choices)
    return [str(labels.get(value, value)) for value in values]


def disclosure_summary_out(d: Disclosure, title: str, *, period: str) -> dict[str, Any]:
    """A published disclosure's line: `title` and `period` as published (masked)."""
    revision = d.published_revision
    return {
        "id": d.pk,
        "organization": {"code": d.organization.code, "name": d.organization.name},
        "item": {"key": d.item.key, "name": d.item_name},
        "title": title,
        "period": period,
        "event_date": d.event_date,
        "scope": d.scope,
        "scope_label": str(Scope(d.scope).label),
        "state": d.state,
        "state_label": str(State(d.state).label),
        "publish_from": d.publish_from,
        "public_from": d.public_from,
        "publicity_until": d.publicity_until,
        "revision": revision.number if revision else 0,
        "version": (revision.public_number or 1) if revision else 0,
        "withdrawn": d.state == State.WITHDRAWN,
    }


# --- work in progress (staff with a token) ---------------------------------------------------


class FindingOut(Schema):
    kind: str
    label: str
    masked: str = Field(description="What the finding looks like once masked.")


class OpinionOut(Schema):
    id: int
    author: str
    text: str
    received_at: dt.datetime
    handling: str
    handled_at: dt.datetime | None


class WorkingAttachmentOut(Schema):
    id: int
    name: str
    kind: str
    size: int
    sha256: str
    complete: bool = Field(description="Whether the whole file was read as text.")
    unread: list[str] = Field(description="What could not be read as text (pictures, pages…).")
    checked_at: dt.datetime | None = Field(description="When a reviewer checked it by eye.")


class EventOut(Schema):
    action: str = Field(description="The event's name (EventKind).")
    sentence: str = Field(description="What happened, in a sentence.")
    from_state: str
    to_state: str
    actor: str | None
    role: str = Field(description="The role the actor acted in, stored when it happened.")
    role_derived: bool = Field(description="True when the role was derived later (old rows).")
    at: dt.datetime
    reason: str


class WorkingSummaryOut(Schema):
    id: int
    organization: OrganizationRef
    item: ItemRef
    title: str
    state: str
    state_label: str
    scheduled: bool = Field(
        description="Published, but its publication time is still ahead (staff see it as "
        "scheduled)."
    )
    updated_at: dt.datetime


class WorkingPage(Paged):
    results: list[WorkingSummaryOut]


class WorkingOut(WorkingSummaryOut):
    """The working copy, as the console shows it to staff: unmasked, with what can be done."""

    body: str
    data: dict[str, Any]
    period: str
    event_date: dt.date | None
    scope: str
    party_first: bool
    party_first_lag_days: int
    channels: list[str]
    needs_superior_review: bool
    consultation_required: bool
    consultation_until: dt.datetime | None
    consulted: bool
    mask_exceptions: dict[str, str]
    secret_clearance: str
    secrecy_reviewed_at: dt.datetime | None
    publish_from: dt.datetime | None
    public_from: dt.datetime | None
    publicity_until: dt.datetime | None
    date_warnings: list[str] = Field(
        description="Coming dates on a non-working day or in a year without calendar data."
    )
    withdrawal_reason: str
    attachments: list[WorkingAttachmentOut]
    allowed_actions: list[str] = Field(description="Moves the caller could try now.")
    findings: list[FindingOut] = Field(description="The privacy and secrecy scan.")
    opinions: list[OpinionOut]
    events: list[EventOut]
    created_at: dt.datetime


def working_summary_out(d: Disclosure) -> dict[str, Any]:
    return {
        "id": d.pk,
        "organization": {"code": d.organization.code, "name": d.organization.name},
        "item": {"key": d.item.key, "name": d.item_name},
        "title": d.title,
        "state": d.state,
        "state_label": d.state_label(),
        "scheduled": d.is_scheduled(),
        "updated_at": d.updated_at,
    }


def _event_out(event: Event) -> dict[str, Any]:
    return {
        "action": event.action,
        "sentence": event.sentence,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "actor": str(event.actor) if event.actor else None,
        "role": event.role,
        "role_derived": event.role_derived,
        "at": event.at,
        "reason": event.reason,
    }


def _opinion_out(opinion: Opinion) -> dict[str, Any]:
    return {
        "id": opinion.pk,
        "author": opinion.author,
        "text": opinion.text,
        "received_at": opinion.received_at,
        "handling": opinion.handling,
        "handled_at": opinion.handled_at,
    }


def working_out(d: Disclosure, actor: Any) -> dict[str, Any]:
    return {
        **working_summary_out(d),
        "body": d.body,
        "data": d.data or {},
        "period": d.period,
        "event_date": d.event_date,
        "scope": d.scope,
        "party_first": d.party_first,
        "party_first_lag_days": d.party_first_lag_days,
        "channels": list(d.channels or []),
        "needs_superior_review": d.needs_superior_review,
        "consultation_required": d.consultation_required,
        "consultation_until": d.consultation_until,
        "consulted": d.consulted,
        "mask_exceptions": dict(d.mask_exceptions or {}),
        "secret_clearance": d.secret_clearance,
        "secrecy_reviewed_at": d.secrecy_reviewed_at,
        "publish_from": d.publish_from,
        "public_from": d.public_from,
        "publicity_until": d.publicity_until,
        "date_warnings": schedule_warnings.warnings(d),
        "withdrawal_reason": d.withdrawal_reason,
        "attachments": [
            {
                "id": a.pk,
                "name": a.name,
                "kind": a.kind,
                "size": a.size,
                "sha256": a.sha256,
                "complete": a.complete,
                "unread": list(a.unread or ()),
                "checked_at": a.checked_at,
            }
            for a in d.attachments.filter(removed=False)
        ],
        "allowed_actions": workflow.allowed_actions(actor, d),
        "findings": [
            {"kind": x.kind, "label": x.label, "masked": x.masked} for x in workflow.findings(d)
        ],
        "opinions": [_opinion_out(o) for o in d.opinions.order_by("received_at", "pk")],
        "events": [_event_out(e) for e in d.events.select_related("actor").order_by("at", "pk")],
        "created_at": d.created_at,
    }


# --- inputs ------------------------------------------------------------------------------------


class DisclosureIn(Input):
    organization: f.OrganizationCode
    item_key: f.ItemKey = Field(description="The key of an item in the organization's catalog.")
    title: f.Title
    body: f.Body = Field("", description="Rich text; sanitised on save.")
    data: f.Document | None = None
    period: f.PeriodText = Field("", description="The period or event it covers.")
    event_date: EventDate | None = None
    beyond_authority: bool = Field(
        False, description="Beyond the organization's authority: goes to the superior."
    )


class DraftPatch(Input):
    title: f.Title | None = None
    body: f.Body | None = None
    data: f.Document | None = None
    channels: list[ChannelName] | None = Field(None, max_length=len(Channel.values))


class ConsultationIn(Input):
    days: int | None = Field(
        None,
        ge=1,
        le=workflow.CONSULTATION_MAX_DAYS,
        description="Working days the consultation runs: by default the catalog item's "
        "consultation length, and never fewer.",
    )


#: One boolean per point of the secrecy checklist, named as the workflow names them.
Checklist: type[Schema] = create_model(  # type: ignore[call-overload]
    "Checklist",
    __base__=Input,
    **{
        key: (bool, Field(False, description=str(label)))
        for key, label in workflow.SECRECY_CHECKLIST.items()
    },
)


class ReviewIn(Input):
    checklist: Checklist  # type: ignore[valid-type]
    mask_exceptions: dict[PersonalKind, f.Note] = Field(
        default_factory=dict,
        description="Kinds of personal number that must show unmasked, each with why.",
    )
    secret_clearance: f.Note = Field("", description="Why a secret marking found may stand.")


class ReasonIn(Input):
    reason: f.Reason = ""


class PublishIn(Input):
    publish_from: f.Moment | None = Field(None, description="Default: now.")
    publicity_until: f.Moment | None = None


class CorrectIn(Input):
    """What is left out stays as currently published."""

    reason: f.Reason = ""
    title: f.Title | None = None
    body: f.Body | None = None
    data: f.Document | None = None
    secret_clearance: f.Note = Field(
        "",
        description="A new clearance for a secret marking the corrected text carries beyond "
        "what was cleared before.",
    )
    handlings: dict[int, f.Reason] = Field(
        default_factory=dict,
        description="How opinions were handled, changed by this correction ({opinion id: text}).",
    )


class HandlingIn(Input):
    handling: f.Reason = ""
