from __future__ import annotations

import pytest

from gongkai.catalog import services
from gongkai.catalog.models import Catalog, Channel, Scope, Timing

TOWN_YAML = """
title: 青石镇党务公开目录
source: 测试
defaults: {scope: public}
categories:
  - key: fixed
    name: 固定公开
    timing: standing
    items:
      - {key: org-setup, name: 组织设置和人员分工, locked: true, channels: [公开栏]}
      - {key: phones, name: 监督小组组成人员及监督电话, channels: [公开栏, 网站]}
  - key: periodic
    name: 定期公开
    timing: periodic
    period: semiannual
    items:
      - key: dues
        name: 党员党费缴纳情况
        deadline_days: 10
        deadline_basis: period_end
        scope: party
        locked: true
        form:
          columns:
            - {key: name, label: 姓名, type: text, required: true}
            - {key: amount, label: 金额, type: money}
"""


def item_values(**overrides):  # type: ignore[no-untyped-def]
    values = {
        "name": "村级集体经济项目进展",
        "scope": Scope.PUBLIC,
        "timing": Timing.EVENT,
        "deadline_days": 5,
        "deadline_basis": "event",
        "channels": [Channel.BOARD],
        "responsible_unit": "村委会",
    }
    values.update(overrides)
    return values


@pytest.fixture
def town_catalog(tree, people) -> Catalog:  # type: ignore[no-untyped-def]
    from gongkai.catalog.exchange import parse_yaml

    parsed = parse_yaml(TOWN_YAML)
    assert parsed.errors == []
    catalog = services.create_catalog(
        tree.town, actor=people.office, title="青石镇目录", inherit=False
    )
    services.load_catalog_data(catalog, actor=people.office, data=parsed.data)
    services.publish_catalog(catalog, actor=people.office, note="v1")
    catalog.refresh_from_db()
    return catalog


@pytest.fixture
def village_catalog(tree, people, town_catalog) -> Catalog:  # type: ignore[no-untyped-def]
    from gongkai.conftest import grant
    from gongkai.organizations.models import Role

    grant(people.reviewer, tree.village, Role.Kind.PRINCIPAL)
    people.reviewer.__dict__.pop("_roles_cache", None)
    return services.inherit_catalog(tree.village, actor=people.reviewer)
