"""The compliance benchmark's county: a county-shaped synthetic tree, the built-in 7-category
catalog published at its top and inherited by every organization, as push_down would."""

from __future__ import annotations

import datetime as dt

import pytest

from gongkai.catalog.effective import effective_catalog
from gongkai.catalog.models import Catalog, CatalogVersion
from gongkai.compliance import obligations
from gongkai.compliance.models import Obligation
from gongkai.devtools.synthetic import compliance, organizations
from gongkai.organizations.models import Organization

pytestmark = pytest.mark.django_db

JANUARY = dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_a_county_shaped_tree_has_a_county_committee_at_the_top():
    summary = organizations.load(300, 3, county=True)
    root = Organization.objects.get(code=summary.root.code)
    assert root.parent is None and root.name.endswith("县委") and root.code == "X01"
    assert Organization.objects.count() == 300
    kinds = set(Organization.objects.values_list("kind", flat=True))
    assert {"committee", "branch"} <= kinds
    towns = Organization.objects.filter(parent=root, kind="committee")
    assert towns.exists() and all(
        t.name.endswith(("镇党委", "乡党委", "街道党工委")) for t in towns
    )
    # The province shape is unchanged by the county's.
    assert organizations.describe(300, 3).root.code == "P01"


def test_every_organization_inherits_the_catalog_published_at_the_top():
    summary = organizations.load(120, 5, county=True)
    root = Organization.objects.get(code=summary.root.code)
    top = compliance.catalog_for_tree(root, published_at=JANUARY)
    assert Catalog.objects.count() == 120
    assert set(CatalogVersion.objects.values_list("published_at", flat=True)) == {JANUARY}
    leaf = Catalog.objects.filter(organization__depth__gt=1).select_related("organization").first()
    assert leaf is not None and leaf.parent_id is not None
    assert [i.key for i in effective_catalog(leaf).items] == [
        i.key for i in effective_catalog(top).items
    ]
    assert len(effective_catalog(top).items) == 64
    report = obligations.generate(dt.date(2026, 3, 31))
    assert report.created == Obligation.objects.count() > 0
    # The town template adopted at the county: every town and every village branch owes,
    # the county itself nothing (the template's items say where they apply).
    owing = set(Obligation.objects.values_list("organization", flat=True))
    towns = set(Organization.objects.filter(parent=root).values_list("pk", flat=True))
    villages = set(
        Organization.objects.filter(parent__in=towns, kind="branch", setting="village").values_list(
            "pk", flat=True
        )
    )
    assert root.pk not in owing and towns <= owing and villages <= owing and villages
