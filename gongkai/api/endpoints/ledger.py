"""The ledger's entries, in chain order, limited to the disclosures the caller may see.

Paged by sequence number (`after`), not by page number: the chain only grows, so a reader
mirroring it asks for what follows the last entry it has, and no count of a long table is
needed.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from gongkai.api import auth
from gongkai.api.errors import responses
from gongkai.api.schemas import LedgerPage, LedgerQuery, ledger_entry_out
from gongkai.disclosures.models import Disclosure
from gongkai.ledger.models import LedgerEntry

router = Router(tags=["ledger"], auth=auth.READ)


@router.get(
    "/",
    response={200: LedgerPage, **responses(401, 422)},
    summary="Ledger entries of the disclosures the caller may see, in chain order",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def list_entries(request: HttpRequest, query: Query[LedgerQuery]) -> Any:
    visible = Disclosure.objects.visible_to(auth.caller(request)).values("pk")
    qs = (
        LedgerEntry.objects.filter(disclosure__in=visible, sequence__gt=query.after)
        .select_related("organization", "revision")
        .order_by("sequence")
    )
    if query.organization is not None:
        qs = qs.filter(organization__code=query.organization)
    if query.disclosure is not None:
        qs = qs.filter(disclosure_id=query.disclosure)
    rows = list(qs[: query.page_size + 1])
    more = len(rows) > query.page_size
    rows = rows[: query.page_size]
    return {
        "results": [ledger_entry_out(entry) for entry in rows],
        "next_after": rows[-1].sequence if more else None,
    }
