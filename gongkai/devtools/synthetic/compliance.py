"""A catalog over a synthetic tree, for the compliance benchmark: a built-in template
published at the root through the catalog's own services, and a layer inheriting it at every
organization below, as `services.push_down` would open them (written in bulk, level by
level: push_down asks for the nearest superior's layer once per organization, which at
20,000 organizations is most of a minute the benchmark is not about).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from gongkai.catalog import applicability, services
from gongkai.catalog.builtin import builtin_templates
from gongkai.catalog.exchange import parse_yaml
from gongkai.catalog.models import Catalog, CatalogVersion, Item
from gongkai.organizations.models import Organization, Role

TEMPLATE = "town-seven-categories"
BENCH_USER = "bench-office"


def _office(root: Organization) -> Any:
    user, _created = get_user_model().objects.get_or_create(
        username=BENCH_USER, defaults={"display_name": "基准测试办公室"}
    )
    Role.objects.get_or_create(
        user=user, organization=root, kind=Role.Kind.OFFICE, defaults={"reaches_subtree": True}
    )
    user.__dict__.pop("roles_cached", None)
    return user


@transaction.atomic
def catalog_for_tree(
    root: Organization, *, published_at: dt.datetime, template: str = TEMPLATE, shift: int = 1
) -> Catalog:
    """Publish `template` at `root` and give every active organization below a layer that
    inherits it; every version is dated `published_at` (when the catalog took effect)."""
    office = _office(root)
    layer = services.create_catalog(root, actor=office, title=template, inherit=False)
    parsed = parse_yaml(builtin_templates()[template].read())
    if parsed.errors:
        raise ValueError(f"the built-in template {template} does not parse: {parsed.errors}")
    services.load_catalog_data(layer, actor=office, data=parsed.data)
    if shift:
        # A town's template adopted by a county for all its towns: the town's own items
        # apply one level down (the towns), the branches' items two (their branches).
        for item in Item.objects.filter(catalog=layer):
            spec = applicability.parse(item.applies_to)
            if spec.levels:
                moved = replace(spec, levels=tuple(level + shift for level in spec.levels))
                item.applies_to = moved.as_dict()
                item.save(update_fields=["applies_to"])
    services.publish_catalog(layer, actor=office)
    layer.refresh_from_db()
    below = (
        Organization.objects.subtree(root, include_self=False)
        .filter(is_active=True)
        .order_by("depth", "path")
        .values_list("pk", "parent_id", "depth")
    )
    layer_of = {root.pk: layer.pk}
    note = str(_("Inherited from the superior catalog"))
    level: list[tuple[int, int]] = []

    def flush() -> None:
        made = Catalog.objects.bulk_create(
            [
                Catalog(
                    organization_id=org,
                    title=layer.title,
                    parent_id=layer_of[parent],
                    source=layer.title,
                    version=1,
                    based_on_parent_version=layer.version,
                )
                for org, parent in level
            ],
            batch_size=2000,
        )
        CatalogVersion.objects.bulk_create(
            [
                CatalogVersion(catalog=c, number=1, parent_version=layer.version, note=note)
                for c in made
            ],
            batch_size=2000,
        )
        layer_of.update({c.organization_id: c.pk for c in made})
        level.clear()

    depth = None
    for org, parent, org_depth in below.iterator(chunk_size=5000):
        if org_depth != depth:
            if level:
                flush()
            depth = org_depth
        if parent in layer_of:  # below an inactive organization: no layer, as push_down
            level.append((org, parent))
    if level:
        flush()
    CatalogVersion.objects.filter(
        catalog__organization__in=Organization.objects.subtree(root).values("pk")
    ).update(published_at=published_at)
    return layer
