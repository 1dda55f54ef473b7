"""An approved exemption or deferral stands where the item would have been on the
organization's page, shown to the audience the superior's decision named — through the one
visibility rule — and saying only what the decision chose to say."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from gongkai.compliance import exemptions, obligations
from gongkai.compliance.models import Exemption, ReasonCategory
from gongkai.console.tests.obligation_fixtures import (
    at,
    generate,
    owed,
    publish_for,
    travel,
)
from gongkai.disclosures.visibility import in_scope

from .conftest import reader, user_of

pytestmark = pytest.mark.django_db

READERS = ("member", "clerk", "superior_reviewer", "outsider", "anonymous")
#: Who sees a notice of each scope on the village's page: its members and staff inside.
SEES = {
    "party": {"member", "clerk"},
    "institution": {"member", "clerk"},
    "public": set(READERS),
}
PRIVACY = str(ReasonCategory.PERSONAL_PRIVACY.label)
INTERNAL = ("仅一名党员，公开即暴露其缴费", "条例第十一条（内部）", "可能引起议论")


def decided(
    people, tree, *, kind: str, scope: str, local: str = "dues", period: str = "2026-H1"
) -> Exemption:  # type: ignore[no-untyped-def]
    obligation = owed(tree.village, local, period)
    asked = exemptions.request(
        obligation,
        actor=people.clerk,
        kind=kind,
        reason_category="personal_privacy",
        reason=INTERNAL[0],
        legal_basis=INTERNAL[1],
        likely_harm=INTERNAL[2],
        defer_until=dt.date(2026, 9, 30) if kind == "defer" else None,
    )
    return exemptions.decide(
        asked,
        actor=people.superior_reviewer,
        approve=True,
        reason="经研究同意，联系电话13912345678",
        shown_scope=scope,
    )


def page(people, persona: str) -> str:  # type: ignore[no-untyped-def]
    return reader(people, persona).get("/o/QS-01/").content.decode()


@pytest.mark.parametrize("scope", ["party", "institution", "public"])
def test_an_exemption_notice_reaches_exactly_the_scope_its_decision_named(
    people, tree, catalogs, scope
):
    with travel(at(2026, 7, 2)):
        generate(dt.date(2026, 7, 2))
        decided(people, tree, kind="exempt", scope=scope)
        for persona in READERS:
            html = page(people, persona)
            shown = f"本期不予公开：{PRIVACY}，经研究同意" in html
            assert shown == (persona in SEES[scope]), persona
            # The one rule says the same.
            assert in_scope(user_of(people, persona), tree.village, scope) == shown
            for internal in INTERNAL:
                assert internal not in html
            # Personal numbers in the decision's reasons are masked like published text.
            assert "13912345678" not in html
            assert ("139****5678" in html) == shown


def test_a_public_notice_names_a_party_internal_item_to_everyone(people, tree, catalogs):
    with travel(at(2026, 7, 2)):
        generate(dt.date(2026, 7, 2))
        assert "党费收缴情况" not in page(people, "anonymous")
        decided(people, tree, kind="exempt", scope="public")
        html = page(people, "anonymous")
    item = re.search(
        r'<div class="item">\s*<h4><a href="[^"]*">党费收缴情况</a>.*?</div>', html, re.S
    )
    assert item is not None
    assert "2026年上半年" in item[0] and "本期不予公开" in item[0]
    assert "暂无公开内容" not in item[0]


def test_a_deferral_says_until_when_and_gives_way_to_the_disclosure(people, tree, catalogs):
    with travel(at(2026, 7, 2)):
        generate(dt.date(2026, 7, 2))
        decided(people, tree, kind="defer", scope="public", local="meetings", period="2026-Q2")
        html = page(people, "anonymous")
    assert f"暂缓至 2026 年 9 月 30 日公开：{PRIVACY}，经研究同意" in html
    d = publish_for(people, tree.village, "meetings", "2026-Q2", at(2026, 9, 10))
    with travel(at(2026, 9, 10, 12)):
        html = page(people, "anonymous")
    assert "暂缓至" not in html and f"/d/{d.pk}/" in html


def test_a_notice_stands_for_its_period_until_the_next_one_is_owed(people, tree, catalogs):
    with travel(at(2026, 7, 2)):
        generate(dt.date(2026, 7, 2))
        decided(people, tree, kind="exempt", scope="public", local="meetings", period="2026-Q2")
        assert "本期不予公开" in page(people, "anonymous")
    with travel(at(2026, 10, 1)):
        obligations.generate(dt.date(2026, 10, 1))  # the third quarter is owed now
        assert "本期不予公开" not in page(people, "anonymous")


def test_a_refused_request_shows_nothing(people, tree, catalogs):
    with travel(at(2026, 7, 2)):
        generate(dt.date(2026, 7, 2))
        obligation = owed(tree.village, "meetings", "2026-Q2")
        asked = exemptions.request(
            obligation,
            actor=people.clerk,
            kind="exempt",
            reason_category="other",
            reason=INTERNAL[0],
            legal_basis=INTERNAL[1],
        )
        exemptions.decide(
            asked,
            actor=people.superior_reviewer,
            approve=False,
            reason="应当公开",
            shown_scope="public",
        )
        html = page(people, "member")
    assert "本期不予公开" not in html and "应当公开" not in html


def test_the_item_page_shows_the_notice_too(people, tree, catalogs):
    with travel(at(2026, 7, 2)):
        generate(dt.date(2026, 7, 2))
        decided(people, tree, kind="exempt", scope="public", local="meetings", period="2026-Q2")
        key = owed(tree.village, "meetings", "2026-Q2").item_key
        html = reader(people, "anonymous").get(f"/o/QS-01/items/{key}/").content.decode()
    assert f"本期不予公开：{PRIVACY}" in html


def test_notices_cost_the_same_queries_however_many_there_are(
    people, tree, catalogs, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = reader(people, "member")
    with travel(at(2026, 7, 2)):
        generate(dt.date(2026, 7, 2))
        decided(people, tree, kind="exempt", scope="party")
        client.get("/o/QS-01/")
        with CaptureQueriesContext(connection) as one:
            client.get("/o/QS-01/")
        decided(people, tree, kind="defer", scope="public", local="meetings", period="2026-Q2")
        decided(people, tree, kind="exempt", scope="public", local="monthly", period="2026-M06")
        with django_assert_max_num_queries(len(one.captured_queries) + 1):  # the deferrals' check
            html = client.get("/o/QS-01/").content.decode()
    assert html.count('<li class="notice ') == 3
