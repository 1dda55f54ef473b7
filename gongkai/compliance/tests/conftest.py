from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from gongkai.catalog import services as catalog_services
from gongkai.catalog.exchange import parse_yaml
from gongkai.catalog.models import Catalog, CatalogVersion, Item

CATALOG = """
title: 青石镇目录
defaults: {scope: public, channels: [公开栏]}
categories:
  - key: work
    name: 工作情况
    items:
      - {key: meetings, name: 三会一课开展情况, timing: periodic, period: quarterly,
         deadline_days: 10, deadline_basis: period_end}
      - {key: dues, name: 党费收缴情况, timing: periodic, period: semiannual, scope: party,
         deadline_days: 10, deadline_basis: period_end}
      - {key: monthly, name: 每月工作安排, timing: periodic, period: monthly, deadline_days: 5,
         deadline_basis: period_end}
      - {key: yearly, name: 年度工作总结, timing: periodic, period: annual, deadline_days: 15,
         deadline_basis: period_end}
      - {key: town-budget, name: 镇级财政预算执行, timing: periodic, period: semiannual,
         deadline_days: 10, deadline_basis: period_end}
      - {key: phones, name: 监督电话, timing: standing, deadline_days: 20, deadline_basis: event}
      - {key: appointment, name: 干部任前公示, timing: event, deadline_days: 5,
         deadline_basis: event, min_publicity_days: 5}
      - {key: project, name: 重大项目, timing: per_stage, deadline_days: 5, deadline_basis: event}
"""


#: Where items apply and when they escalate (set on the rows: the import format is another
#: branch's work).
WHERE: dict[str, dict[str, Any]] = {
    "meetings": {"applies_to": {"levels": [1], "kinds": ["branch"]}},
    "dues": {"applies_to": {"levels": [1]}},
    "monthly": {"applies_to": {"levels": [0, 1]}, "escalate_after_days": 3},
    "town-budget": {"applies_to": {"levels": [0]}},
}


def publish_at(catalog: Catalog, when: dt.datetime) -> None:
    """Date the layer's latest version (history: the test says when the catalog took effect)."""
    CatalogVersion.objects.filter(catalog=catalog, number=catalog.version).update(published_at=when)


@pytest.fixture
def catalogs(tree, people):  # type: ignore[no-untyped-def]
    town = catalog_services.create_catalog(
        tree.town, actor=people.office, title="镇目录", inherit=False
    )
    parsed = parse_yaml(CATALOG)
    assert not parsed.errors, parsed.errors
    catalog_services.load_catalog_data(town, actor=people.office, data=parsed.data)
    for local, values in WHERE.items():
        Item.objects.filter(catalog=town, key__endswith=f".{local}").update(**values)
    catalog_services.publish_catalog(town, actor=people.office)
    catalog_services.push_down(town, actor=people.office)
    start = dt.datetime(2025, 12, 15, 9, tzinfo=dt.UTC)
    for layer in Catalog.objects.all():
        publish_at(layer, start)
    return town
