"""Organizations: the public directory of the tree, with public contact channels only."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Query, Router

from gongkai.api import auth, fields
from gongkai.api.endpoints import page_of
from gongkai.api.errors import responses
from gongkai.api.schemas import (
    OrganizationDetailOut,
    OrganizationPage,
    OrganizationQuery,
    PageQuery,
    organization_detail_out,
    organization_out,
)
from gongkai.organizations.models import Organization

router = Router(tags=["organizations"], auth=auth.READ)


def _get(code: str) -> Organization:
    org = Organization.objects.select_related("parent").filter(code=code).first()
    if org is None:
        raise Http404
    return org


def _page(qs: Any, query: PageQuery) -> dict[str, Any]:
    total, rows = page_of(qs.select_related("parent").order_by("path"), query)
    return {
        "count": total,
        "page": query.page,
        "page_size": query.page_size,
        "results": [organization_out(o, o.parent.code if o.parent else None) for o in rows],
    }


@router.get(
    "/",
    response={200: OrganizationPage, **responses(401, 404, 422)},
    summary="List active organizations in tree order",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def list_organizations(request: HttpRequest, query: Query[OrganizationQuery]) -> Any:
    qs = Organization.objects.filter(is_active=True)
    if query.parent is not None:
        qs = qs.filter(parent=_get(query.parent))
    if query.q:
        qs = qs.filter(Q(name__icontains=query.q) | Q(code__istartswith=query.q))
    return _page(qs, query)


@router.get(
    "/{code}",
    response={200: OrganizationDetailOut, **responses(401, 404, 422)},
    summary="An organization and its public contact channels",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def get_organization(request: HttpRequest, code: fields.OrganizationCode) -> Any:
    return organization_detail_out(_get(code))


@router.get(
    "/{code}/children",
    response={200: OrganizationPage, **responses(401, 404, 422)},
    summary="The active organizations directly below one",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def list_children(
    request: HttpRequest, code: fields.OrganizationCode, query: Query[PageQuery]
) -> Any:
    return _page(Organization.objects.filter(is_active=True, parent=_get(code)), query)
