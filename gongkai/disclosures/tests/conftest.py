from __future__ import annotations

import datetime as dt

import pytest

from gongkai.catalog import services as catalog_services
from gongkai.catalog.effective import effective_catalog
from gongkai.catalog.exchange import parse_yaml
from gongkai.catalog.models import Catalog
from gongkai.disclosures import changes, workflow
from gongkai.disclosures.models import Disclosure, State

CATALOG = """
title: 青石镇目录
defaults: {scope: public, channels: [公开栏]}
categories:
  - key: fixed
    name: 固定公开
    timing: standing
    items:
      - {key: phones, name: 监督电话, scope: public}
      - {key: dues, name: 党费缴纳情况, scope: party}
      - {key: staff, name: 本单位人员分工, scope: institution}
  - key: major
    name: 三重一大
    timing: event
    major_matter: true
    items:
      - {key: building, name: 办公楼修缮, party_first: true, party_first_lag_days: 3,
         consultation_required: true, consultation_days: 5, min_publicity_days: 5,
         deadline_days: 5, deadline_basis: event}
"""

CHECKLIST = {key: True for key in workflow.SECRECY_CHECKLIST}


@pytest.fixture
def village_catalog(tree, people) -> Catalog:  # type: ignore[no-untyped-def]
    town = catalog_services.create_catalog(
        tree.town, actor=people.office, title="镇目录", inherit=False
    )
    catalog_services.load_catalog_data(town, actor=people.office, data=parse_yaml(CATALOG).data)
    catalog_services.publish_catalog(town, actor=people.office)
    catalog_services.push_down(town, actor=people.office)
    return Catalog.objects.get(organization=tree.village)


def item_key(catalog: Catalog, local: str) -> str:
    return next(i.key for i in effective_catalog(catalog).items if i.key.endswith("." + local))


@pytest.fixture
def draft(people, tree, village_catalog) -> Disclosure:  # type: ignore[no-untyped-def]
    return workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "phones"),
        title="东岭村监督电话",
        body="<p>监督电话：0871-6123401</p>",
    )


def published(people, disclosure: Disclosure, *, at: dt.datetime | None = None) -> Disclosure:  # type: ignore[no-untyped-def]
    """Drive a plain (not major) disclosure to published."""
    workflow.submit(disclosure, actor=people.clerk)
    workflow.review(disclosure, actor=people.reviewer, checklist=CHECKLIST)
    workflow.approve(disclosure, actor=people.reviewer)
    return workflow.publish(disclosure, actor=people.clerk, publish_from=at)


def force_state(disclosure: Disclosure, state: str, **fields: object) -> Disclosure:
    """Put `disclosure` straight into `state` (no workflow), counted as a move of its
    organization's listing as the workflow counts one."""
    Disclosure.objects.filter(pk=disclosure.pk).update(state=state, **fields)
    changes.listing_changed(disclosure.organization_id)
    disclosure.refresh_from_db()
    return disclosure


__all__ = ["CHECKLIST", "State", "force_state", "item_key", "published"]
