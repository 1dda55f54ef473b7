"""Shared by the compliance pages' tests (console, portal, API): a fixed clock and helpers to
make and publish what the pages show, over the compliance tests' town catalog (the `catalogs`
fixture: periodic, standing, event and staged items, in effect from 15 December 2025)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine

from gongkai.catalog.effective import effective_catalog
from gongkai.catalog.models import Catalog
from gongkai.compliance import obligations
from gongkai.compliance.models import Obligation
from gongkai.disclosures import clock, workflow
from gongkai.disclosures.tests.conftest import CHECKLIST

BEIJING = dt.timezone(dt.timedelta(hours=8))


def at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=BEIJING)


def travel(when: dt.datetime) -> Any:
    """Freeze the clock at `when` (pages read today from it)."""
    return time_machine.travel(when, tick=False)


def key_of(org: Any, local: str) -> str:
    layer = Catalog.objects.get(organization=org)
    return next(i.key for i in effective_catalog(layer).items if i.key.endswith("." + local))


def owed(org: Any, local: str, period_key: str) -> Obligation:
    return Obligation.objects.get(
        organization=org, item_key__endswith=f".{local}", period_key=period_key
    )


def generate(on: dt.date) -> None:
    obligations.generate(on)
    obligations.refresh(on)


def publish_for(people: Any, org: Any, local: str, period_key: str, when: dt.datetime) -> Any:
    """A disclosure for (item, period key), driven to published at `when`."""
    with clock.clock(when), travel(when):
        d = workflow.create_disclosure(
            org,
            actor=people.clerk,
            item_key=key_of(org, local),
            title="公开",
            period_key=period_key,
        )
        workflow.submit(d, actor=people.clerk)
        workflow.review(d, actor=people.reviewer, checklist=CHECKLIST)
        workflow.approve(d, actor=people.reviewer)
        return workflow.publish(d, actor=people.clerk)
