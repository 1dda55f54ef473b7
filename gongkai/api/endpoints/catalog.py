"""An organization's effective published catalog (公开目录), as `effective_catalog` reads it,
with the items that apply to the organization (`EffectiveCatalog.for_organization`)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router

from gongkai.api import auth, fields
from gongkai.api.errors import responses
from gongkai.api.schemas import CatalogOut, catalog_out
from gongkai.catalog.effective import effective_catalog
from gongkai.catalog.models import Catalog

router = Router(tags=["catalog"], auth=auth.READ)


@router.get(
    "/{code}/catalog",
    response={200: CatalogOut, **responses(401, 404, 422)},
    summary="The organization's published catalog: categories and the items that apply to it",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def get_catalog(request: HttpRequest, code: fields.OrganizationCode) -> Any:
    catalog = (
        Catalog.objects.select_related("organization")
        .filter(organization__code=code, version__gt=0)
        .first()
    )
    if catalog is None:
        raise Http404
    org = catalog.organization
    # The items that apply to the organization, as its console and its page list them.
    return catalog_out(org, effective_catalog(catalog).for_organization(org))
