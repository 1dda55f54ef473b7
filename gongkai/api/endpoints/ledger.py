"""The transparency log (台账), docs/ledger-format.md §8: keys, logs, signed heads, entries and
proofs, for anyone to mirror and check.

Every index of a log is served to every reader: an entry the caller may not read (a
party-internal, scheduled or withdrawn disclosure's) is opaque, never left out, through the
one visibility rule (`gongkai.ledger.public`). Entries are paged by index and heads by tree
size: a log only grows, so a mirror asks for what follows what it has.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router
from ninja.errors import ValidationError as InputError

from gongkai.api import auth, fields
from gongkai.api.errors import responses
from gongkai.api.schemas import (
    ConsistencyOut,
    ConsistencyQuery,
    EntriesQuery,
    EntryPage,
    HeadPage,
    HeadsQuery,
    InclusionOut,
    InclusionQuery,
    LedgerKeyOut,
    LogOut,
)
from gongkai.ledger import log as ledger
from gongkai.ledger import public, signing
from gongkai.ledger.canonical import canonical_time
from gongkai.ledger.log import origin_of
from gongkai.ledger.models import Log

router = Router(tags=["ledger"], auth=auth.READ)

INDEX_BEYOND_SIZE = _("The index must be less than the tree size.")
SIZE_BEYOND_LOG = _("The log has only %(size)d entries.")
FIRST_BEYOND_SECOND = _("The first tree size must not be larger than the second.")

#: `GET /logs/{log}/checkpoint` answers text, not JSON.
TEXT_RESPONSE: dict[str, Any] = {
    "responses": {
        200: {
            "description": "The latest signed checkpoint (C2SP signed note).",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    }
}


def _log(name: str) -> Log:
    found = public.find_log(name)
    if found is None:
        raise Http404
    return found


def _refuse(field: str, message: Any) -> InputError:
    """A 422 naming the query parameter, like a value its schema refuses."""
    return InputError(
        [{"loc": ("query", field), "type": "value_error", "ctx": {"error": str(message)}}]
    )


def _within_log(log: Log, field: str, size: int) -> None:
    if size > log.size:
        raise _refuse(field, SIZE_BEYOND_LOG % {"size": log.size})


@router.get(
    "/keys",
    response={200: list[LedgerKeyOut], **responses(401, 422)},
    summary="The public keys that sign the logs' checkpoints",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def list_keys(request: HttpRequest) -> Any:
    return signing.public_keys()


@router.get(
    "/logs",
    response={200: list[LogOut], **responses(401, 422)},
    summary="Every log, with its latest signed head and the log that witnesses it",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def list_logs(request: HttpRequest) -> Any:
    return [
        {
            "log": item.log.name,
            "origin": origin_of(item.log.name),
            "organization": item.log.root.code,
            "organization_name": item.log.root.name,
            "parent_log": item.parent_log,
            "size": item.head.size,
            "root_hash": item.head.root_hash,
            "checkpoint": item.head.checkpoint,
        }
        for item in public.listing()
    ]


@router.get(
    "/logs/{log}/checkpoint",
    response=responses(401, 404, 422),
    summary="The log's latest signed checkpoint, as text",
    openapi_extra={**auth.OPTIONAL_TOKEN, **TEXT_RESPONSE},
)
def get_checkpoint(request: HttpRequest, log: fields.OrganizationCode) -> Any:
    head = public.latest_head(_log(log))
    if head is None:
        raise Http404
    return HttpResponse(head.checkpoint, content_type="text/plain; charset=utf-8")


@router.get(
    "/logs/{log}/heads",
    response={200: HeadPage, **responses(401, 404, 422)},
    summary="Signed heads in order of tree size, one per size (the first signed at it)",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def list_heads(request: HttpRequest, log: fields.OrganizationCode, query: Query[HeadsQuery]) -> Any:
    rows, next_after = public.heads(_log(log), after=query.after, limit=query.page_size)
    return {
        "results": [
            {
                "size": h.size,
                "root_hash": h.root_hash,
                "at": canonical_time(h.at),
                "checkpoint": h.checkpoint,
            }
            for h in rows
        ],
        "next_after": next_after,
    }


@router.get(
    "/logs/{log}/entries",
    response={200: EntryPage, **responses(401, 404, 422)},
    summary="The log's entries by index; those the caller may not read are opaque",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def list_log_entries(
    request: HttpRequest, log: fields.OrganizationCode, query: Query[EntriesQuery]
) -> Any:
    page, next_start = public.entries(
        _log(log), auth.caller(request), start=query.start, limit=query.limit
    )
    return {"results": page, "next_start": next_start}


@router.get(
    "/logs/{log}/proof/inclusion",
    response={200: InclusionOut, **responses(401, 404, 422)},
    summary="The audit path of one entry in the tree of a given size (RFC 9162)",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def get_inclusion(
    request: HttpRequest, log: fields.OrganizationCode, query: Query[InclusionQuery]
) -> Any:
    found = _log(log)
    _within_log(found, "size", query.size)
    if query.index >= query.size:
        raise _refuse("index", INDEX_BEYOND_SIZE)
    leaf_hash = public.leaf_hash_at(found, query.index)
    if leaf_hash is None:  # the log's size says it is there: only a broken store lacks it
        raise Http404
    return {
        "index": query.index,
        "size": query.size,
        "leaf_hash": leaf_hash,
        "path": ledger.hex_path(ledger.inclusion(found, query.index, query.size)),
    }


@router.get(
    "/logs/{log}/proof/consistency",
    response={200: ConsistencyOut, **responses(401, 404, 422)},
    summary="Proof that the tree of the second size extends that of the first (RFC 9162)",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def get_consistency(
    request: HttpRequest, log: fields.OrganizationCode, query: Query[ConsistencyQuery]
) -> Any:
    found = _log(log)
    _within_log(found, "second", query.second)
    if query.first > query.second:
        raise _refuse("first", FIRST_BEYOND_SECOND)
    return {
        "first": query.first,
        "second": query.second,
        "path": ledger.hex_path(ledger.consistency(found, query.first, query.second)),
    }
