"""A town's first half of 2026, seen on 20 July: the compliance tests' town catalog
(gongkai/compliance/tests/conftest.py), obligations generated and moved by the calendar, and
real publications, an exemption and a deferral through the real moves.

    东岭村 (the village):  4 on time, 1 late, 3 overdue in January–June
    西岭村 (the sibling):  2 on time, 1 exempted, 1 deferred, 4 overdue
    青石镇 itself:         everything overdue
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine

from gongkai.compliance import exemptions, obligations
from gongkai.compliance.models import Obligation
from gongkai.compliance.tests.conftest import catalogs  # noqa: F401  (fixture, used by name)
from gongkai.compliance.tests.test_obligations import at, publish
from gongkai.conftest import grant
from gongkai.organizations.models import Role
from gongkai.reports import windows

SEEN_ON = dt.date(2026, 7, 20)
SEEN_AT = at(2026, 7, 20, 9)


@dataclass
class Season:
    first: dt.date
    last: dt.date
    window: windows.Window


def _ob(org: Any, local: str, key: str) -> Obligation:
    return Obligation.objects.get(organization=org, item_key__endswith=f".{local}", period_key=key)


@pytest.fixture
def season(tree, people, catalogs) -> Season:  # noqa: F811
    obligations.generate(SEEN_ON)
    obligations.refresh(SEEN_ON)
    grant(people.clerk, tree.sibling_village, Role.Kind.CLERK)
    grant(people.reviewer, tree.sibling_village, Role.Kind.REVIEWER)
    village, sibling = tree.village, tree.sibling_village
    for local, key, when in (
        ("monthly", "2026-M01", at(2026, 2, 3)),
        ("monthly", "2026-M02", at(2026, 3, 2)),
        ("monthly", "2026-M03", at(2026, 4, 1)),
        ("meetings", "2026-Q1", at(2026, 4, 10)),
        ("monthly", "2026-M04", at(2026, 5, 20)),  # due 11 May: late
    ):
        publish(people, village, local, key, when)
    for local, key, when in (
        ("monthly", "2026-M01", at(2026, 2, 5)),
        ("monthly", "2026-M02", at(2026, 3, 5)),
    ):
        publish(people, sibling, local, key, when)
    with time_machine.travel(SEEN_AT, tick=False):
        asked = exemptions.request(
            _ob(sibling, "monthly", "2026-M05"),
            actor=people.clerk,
            kind="exempt",
            reason_category="personal_privacy",
            reason="仅涉及一户困难党员补助，公开即暴露个人信息",
            legal_basis="《中国共产党党务公开条例（试行）》第十一条",
        )
        exemptions.decide(asked, actor=people.superior_reviewer, approve=True, reason="同意")
        asked = exemptions.request(
            _ob(sibling, "phones", "S2026"),
            actor=people.clerk,
            kind="defer",
            reason_category="process",
            reason="监督电话正在更换",
            legal_basis="《中国共产党党务公开条例（试行）》第十一条",
            defer_until=dt.date(2026, 9, 30),
        )
        exemptions.decide(asked, actor=people.superior_reviewer, approve=True, reason="同意暂缓")
    window = windows.half_year(2026, 1)
    return Season(window.first, window.last, window)
