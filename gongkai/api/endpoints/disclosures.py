"""Disclosures: what is published, for everyone within the one visibility rule; and the work
in progress, for staff with a token.

Public reads ask `Disclosure.objects.visible_to` (lists) and `visibility.can_see` (one
disclosure) and show the published revision through `visibility.published_content`, masked;
a withdrawn disclosure shows its title and the reason, never its content. Nothing public ever
reads the working fields (title, body, data) of the disclosure itself.

Work in progress is shown only to a token's person who may see it in the console
(`permissions.can_view_in_console`); to anyone else it does not exist (404).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Status

from gongkai import permissions
from gongkai.api import auth, fields
from gongkai.api.endpoints import page_of
from gongkai.api.errors import responses
from gongkai.api.schemas import (
    DisclosureIn,
    DisclosureOut,
    DisclosurePage,
    DisclosureProofOut,
    DisclosureQuery,
    DraftPatch,
    RevisionOut,
    WorkingOut,
    WorkingPage,
    WorkingQuery,
    disclosure_summary_out,
    labels,
    working_out,
    working_summary_out,
)
from gongkai.catalog.models import Channel
from gongkai.disclosures import attachments, events, workflow
from gongkai.disclosures.models import Disclosure, Revision
from gongkai.disclosures.visibility import (
    can_see,
    published_content,
    published_text,
    shows_content,
    timeline_reason,
)
from gongkai.ledger import log as ledger
from gongkai.ledger import merkle, public
from gongkai.ledger.documents import FileDigest, served_file
from gongkai.organizations.models import Organization

router = Router(tags=["disclosures"])

PUBLIC_RELATED = ("organization", "item", "published_revision")


def masked(d: Disclosure, text: str) -> str:
    """`text` published on `d` (a title, a withdrawal or correction reason), masked by the
    one rule for published text."""
    return published_text(d, text)


def _visible(request: HttpRequest, pk: int) -> Disclosure:
    """The disclosure if the caller may see it now; otherwise it does not exist."""
    d = Disclosure.objects.select_related(*PUBLIC_RELATED).filter(pk=pk).first()
    if d is None or d.published_revision is None or not can_see(auth.caller(request), d):
        raise Http404
    return d


def _attachments(request: HttpRequest, d: Disclosure, revision: Revision) -> list[dict[str, Any]]:
    """A revision's files as published: the masked name and text always, the original only
    where the portal would serve it (it asks the visibility rule again on download).

    `sha256` and `size` describe what is served, as the ledger's document records them: the
    original's bytes when it is downloadable, otherwise the masked text's canonical bytes.
    The digest of an original that is not served would be an unsalted hash of unmasked
    content, so it is never shown."""
    out = []
    for a in revision.attachments.all():
        parts = attachments.published_parts(d, a)
        served = served_file(d, a, FileDigest(a.sha256, a.size), parts)
        original = served["served"] == "original"
        out.append(
            {
                "name": served["name"],
                "kind": a.kind,
                "served": served["served"],
                "size": served["size"],
                "sha256": served["sha256"],
                # Cut from the masked text: a cut number would no longer be found.
                "text_preview": "\n\n".join(text for _label, text in parts)[:300],
                "parts": [{"name": label, "text": text} for label, text in parts],
                "complete": a.complete,
                "checked_by_eye": a.checked_at is not None,
                "download_url": request.build_absolute_uri(
                    reverse("portal:attachment", kwargs={"pk": d.pk, "attachment_pk": a.pk})
                )
                if original
                else None,
            }
        )
    return out


def _events(d: Disclosure) -> list[dict[str, Any]]:
    """The public timeline, as the portal shows it and the ledger records it."""
    return [
        {
            "at": e.at,
            "kind": e.action,
            "role": e.role,
            "reason": timeline_reason(d, e.action, e.reason),
        }
        for e in events.public_events(d)
    ]


def _opinions(d: Disclosure) -> list[dict[str, Any]]:
    """The consultation's opinions as the portal shows them: masked (nothing in one was
    vetted by a reviewer), without who gave them."""
    return [
        {
            "received_at": o.received_at,
            "text": published_text(d, o.text, reviewed=False),
            "handling": published_text(d, o.handling, reviewed=False),
            "handled_at": o.handled_at,
        }
        for o in d.opinions.order_by("received_at", "pk")
    ]


def _summary(d: Disclosure) -> dict[str, Any]:
    assert d.published_revision is not None
    shown = published_content(d, d.published_revision)
    return disclosure_summary_out(d, shown["title"], period=shown["period"])


# --- public reads --------------------------------------------------------------------------


@router.get(
    "/",
    auth=auth.READ,
    response={200: DisclosurePage, **responses(401, 422)},
    summary="Published disclosures the caller may see, newest first",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def list_disclosures(request: HttpRequest, query: Query[DisclosureQuery]) -> Any:
    qs = (
        Disclosure.objects.visible_to(auth.caller(request))
        .filter(published_revision__isnull=False)
        .select_related(*PUBLIC_RELATED)
        .order_by("-publish_from", "-pk")
    )
    if query.organization is not None:
        qs = qs.filter(organization__code=query.organization)
    if query.state is not None:
        qs = qs.filter(state=query.state.value)
    if query.scope is not None:
        qs = qs.filter(scope=query.scope.value)
    total, rows = page_of(qs, query)
    return {
        "count": total,
        "page": query.page,
        "page_size": query.page_size,
        "results": [_summary(d) for d in rows],
    }


@router.get(
    "/{int:id}",
    auth=auth.READ,
    response={200: DisclosureOut, **responses(401, 404, 422)},
    summary="A published disclosure (title and reason only once withdrawn)",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def get_disclosure(request: HttpRequest, id: fields.Id) -> Any:
    d = _visible(request, id)
    revision = d.published_revision
    assert revision is not None
    shown = shows_content(d)
    stored = published_content(d, revision)
    content = stored if shown else None
    return {
        **disclosure_summary_out(d, stored["title"], period=stored["period"]),
        "party_first": d.party_first,
        "party_first_lag_days": d.party_first_lag_days,
        "channels": list(d.channels or []),
        "channel_labels": labels(Channel.choices, list(d.channels or [])),
        "published_at": revision.published_at,
        "body": content["body"] if content else None,
        "data": content["data"] if content else None,
        "attachments": _attachments(request, d, revision) if shown else None,
        "opinions": _opinions(d) if shown else None,
        "events": _events(d) if shown else None,
        "withdrawal_reason": None if shown else masked(d, d.withdrawal_reason),
        "withdrawn_at": None if shown else d.withdrawn_at,
    }


@router.get(
    "/{int:id}/revisions",
    auth=auth.READ,
    response={200: list[RevisionOut], **responses(401, 404, 422)},
    summary="Every published revision, first to last (corrections keep their reason)",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def list_revisions(request: HttpRequest, id: fields.Id) -> Any:
    d = _visible(request, id)
    shown = shows_content(d)
    revisions = (
        d.revisions.filter(published_at__isnull=False, published_at__lte=timezone.now())
        .prefetch_related("attachments")
        .order_by("number")
    )
    result = []
    for place, revision in enumerate(revisions, start=1):
        stored = published_content(d, revision)
        content = stored if shown else None
        result.append(
            {
                "number": revision.number,
                # Stored at publication; rows written without it are numbered by place.
                "version": revision.public_number or place,
                "published_at": revision.published_at,
                "note": (
                    revision.published_note
                    if revision.published_note is not None
                    else masked(d, revision.note)
                ),
                "title": stored["title"],
                "body": content["body"] if content else None,
                "data": content["data"] if content else None,
                "attachments": _attachments(request, d, revision) if shown else None,
            }
        )
    return result


@router.get(
    "/{int:id}/proof",
    auth=auth.READ,
    response={200: DisclosureProofOut, **responses(401, 404, 422)},
    summary="The disclosure's ledger entries with their inclusion paths against the log's "
    "latest signed head",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def get_proof(request: HttpRequest, id: fields.Id) -> Any:
    proof = public.disclosure_proof(_visible(request, id))
    head = proof.head
    return {
        "log": proof.log,
        "checkpoint": head.checkpoint if head else None,
        "size": head.size if head else 0,
        "root_hash": head.root_hash if head else merkle.EMPTY_ROOT.hex(),
        "entries": [
            {
                **ledger.entry_out(entry, visible=visible),
                "inclusion": ledger.hex_path(proof.paths.get(entry.index, [])),
            }
            for entry, visible in proof.entries
        ],
    }


# --- work in progress (token required) -------------------------------------------------------


def working_copy(request: HttpRequest, pk: int) -> Disclosure:
    """The disclosure if the token's person may see it in the console, else 404."""
    d = (
        Disclosure.objects.select_related("organization", "organization__parent", "item")
        .filter(pk=pk)
        .first()
    )
    if d is None or not permissions.can_view_in_console(auth.caller(request), d.organization):
        raise Http404
    return d


@router.get(
    "/working/",
    auth=auth.STAFF,
    response={200: WorkingPage, **responses(401, 422)},
    summary="Disclosures in every state at the organizations the caller works for",
)
def list_working(request: HttpRequest, query: Query[WorkingQuery]) -> Any:
    user = auth.caller(request)
    qs = (
        Disclosure.objects.filter(
            organization__in=permissions.console_organizations(user).values("pk")
        )
        .select_related("organization", "item")
        .order_by("-updated_at", "-pk")
    )
    if query.organization is not None:
        qs = qs.filter(organization__code=query.organization)
    if query.state is not None:
        qs = qs.filter(state=query.state.value)
    total, rows = page_of(qs, query)
    return {
        "count": total,
        "page": query.page,
        "page_size": query.page_size,
        "results": [working_summary_out(d) for d in rows],
    }


@router.get(
    "/{int:id}/working",
    auth=auth.STAFF,
    response={200: WorkingOut, **responses(401, 404, 422)},
    summary="The working copy, with the scan, the opinions, the events and the moves open",
)
def get_working(request: HttpRequest, id: fields.Id) -> Any:
    return working_out(working_copy(request, id), auth.caller(request))


@router.post(
    "/",
    auth=auth.STAFF,
    response={201: WorkingOut, **responses(400, 401, 403, 404, 422)},
    summary="Start a draft for an item of the organization's catalog (workflow.create_disclosure)",
)
def create_disclosure(request: HttpRequest, payload: DisclosureIn) -> Any:
    user = auth.caller(request)
    org = Organization.objects.filter(code=payload.organization).first()
    if org is None:
        raise Http404
    d = workflow.create_disclosure(
        org,
        actor=user,
        item_key=payload.item_key,
        title=payload.title,
        body=payload.body,
        data=payload.data,
        period=payload.period,
        event_date=payload.event_date,
        beyond_authority=payload.beyond_authority,
    )
    return Status(201, working_out(d, user))


@router.patch(
    "/{int:id}",
    auth=auth.STAFF,
    response={200: WorkingOut, **responses(400, 401, 403, 404, 422)},
    summary="Edit a draft or a returned disclosure (workflow.edit_draft)",
)
def edit_draft(request: HttpRequest, id: fields.Id, payload: DraftPatch) -> Any:
    user = auth.caller(request)
    d = working_copy(request, id)
    edited = workflow.edit_draft(
        d,
        actor=user,
        title=payload.title if payload.title is not None else d.title,
        body=payload.body if payload.body is not None else d.body,
        data=payload.data,
        channels=[c.value for c in payload.channels] if payload.channels is not None else None,
    )
    return working_out(edited, user)
