"""Planted things that must never be found by an anonymous search, on the page, the
fragment, the feed and the API: party-internal, draft, scheduled, withdrawn content, an
exemption, unmasked ID and mobile numbers, an applicant's details, an echo-wall entry taken
off the wall or shown inside only. A member of the organization finds the party-internal item."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from gongkai.catalog.models import Scope
from gongkai.conftest import client_for
from gongkai.disclosures import workflow
from gongkai.engagement import services as opinions
from gongkai.inforequests import services as requests
from gongkai.search import index, query
from gongkai.search.models import Entry, Kind
from gongkai.search.tests.conftest import item_key, published
from gongkai.topics import services as topics

ID = "110101199003074514"
MOBILE = "13800138000"


def make(people, tree, catalog, key, title, body):  # type: ignore[no-untyped-def]
    return workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(catalog, key),
        title=title,
        body=body,
    )


@pytest.fixture
def planted(people, tree, village_catalog):  # type: ignore[no-untyped-def]
    public = published(
        people,
        make(
            people,
            tree,
            village_catalog,
            "phones",
            "公开的监督电话",
            f"<p>联系人 {ID} 电话{MOBILE} 公开词甲</p>",
        ),
    )
    inside = published(
        people, make(people, tree, village_catalog, "dues", "党内党费表", "<p>党内秘词乙</p>")
    )
    make(people, tree, village_catalog, "phones", "草稿标题", "<p>草稿秘词丙</p>")
    scheduled = published(
        people,
        make(people, tree, village_catalog, "phones", "定时发布", "<p>定时秘词丁</p>"),
        at=timezone.now() + dt.timedelta(days=3),
    )
    gone = published(
        people, make(people, tree, village_catalog, "phones", "将撤回的名单", "<p>撤回秘词戊</p>")
    )
    workflow.withdraw(gone, actor=people.reviewer, reason="公示期满撤回")
    return {"public": public, "inside": inside, "scheduled": scheduled, "gone": gone}


SECRETS = ["秘词", "党内", "草稿", "定时", ID, MOBILE, ID[:6], MOBILE[:7], "撤回秘词戊", "戊"]


FULL = ["秘词乙", "秘词丙", "秘词丁", "秘词戊", "党内党费表", "草稿标题", "定时发布"]


def _nothing_anywhere(client, q):  # type: ignore[no-untyped-def]
    page = client.get("/search", {"q": q}).content.decode()
    fragment = client.get("/search", {"q": q}, HTTP_HX_REQUEST="true").content.decode()
    feed = client.get("/search/feed", {"q": q}).content.decode()
    api = client.get("/api/v1/search", {"q": q}).json()
    assert "search-list" not in page and "search-list" not in fragment
    assert "<entry>" not in feed
    assert api["results"] == []
    for text in (page, fragment, feed, str(api)):
        assert not any(secret in text for secret in FULL if secret not in q)


def test_anonymous_finds_only_what_is_public(client, planted):
    anonymous = AnonymousUser()
    for secret in SECRETS:
        assert not query.search(anonymous, secret).results, secret
        _nothing_anywhere(client, secret)
    found = query.search(anonymous, "公开词甲").results
    assert [r.entry.source_id for r in found] == [planted["public"].pk]
    page = client.get("/search", {"q": "公开词甲"}).content.decode()
    assert ID not in page and MOBILE not in page and "<mark>公开词甲</mark>" in page
    # The withdrawn item is found only as its notice (title and reason).
    assert query.search(anonymous, "公示期满撤回").results[0].entry.withdrawn
    assert query.search(anonymous, "将撤回").results


def test_a_member_finds_the_party_internal_item(people, planted):
    found = query.search(people.member, "党内秘词乙").results
    assert [r.entry.source_id for r in found] == [planted["inside"].pk]
    assert not query.search(people.outsider, "党内秘词乙").results
    page = client_for(people.member).get("/search", {"q": "秘词乙"})
    assert "党内党费表" in page.content.decode()
    # Scheduled stays hidden from members too until its minute; found once it is due.
    assert not query.search(people.member, "定时秘词丁").results
    later = timezone.now() + dt.timedelta(days=4)
    assert query.search(AnonymousUser(), "定时秘词丁", now=later).results


def test_correction_and_withdrawal_update_the_index(people, planted):
    d = planted["public"]
    workflow.correct(
        d,
        actor=people.reviewer,
        reason="更正错字",
        title="公开的监督电话（更正）",
        body="<p>新内容己</p>",
    )
    assert not query.search(AnonymousUser(), "公开词甲").results
    assert query.search(AnonymousUser(), "新内容己").results
    workflow.withdraw(d, actor=people.reviewer, reason="不再适用")
    assert not query.search(AnonymousUser(), "新内容己").results
    assert query.search(AnonymousUser(), "不再适用").results


def test_echo_wall_topics_and_requests(people, tree, planted):
    op = opinions.submit(
        tree.village,
        kind="inquiry",
        text=f"为何党费名单有{MOBILE}",
        channel="portal",
        sender_name="王小明",
        sender_contact="13911112222",
    )
    opinions.triage(op, actor=people.clerk, state="valid")
    opinions.answer(op, actor=people.clerk, text="已核实，回音答复庚")
    assert not query.search(AnonymousUser(), "回音答复庚").results  # answered, not on the wall
    opinions.publish(op, actor=people.clerk, scope=Scope.PARTY)
    assert not query.search(AnonymousUser(), "回音答复庚").results
    assert query.search(people.member, "回音答复庚").results
    opinions.publish(op, actor=people.clerk, scope=Scope.PUBLIC)
    hits = query.search(AnonymousUser(), "回音答复庚").results
    assert hits and MOBILE not in hits[0].entry.text and "王小明" not in hits[0].entry.text
    opinions.unpublish(op, actor=people.clerk, reason="撤下")
    assert not query.search(AnonymousUser(), "回音答复庚").results

    topic = topics.propose(
        tree.village, actor=people.member, title="请公开党费使用", description="点题辛"
    )
    topics.decline(topic, actor=people.clerk, reason="已在目录中公开", echo_scope=Scope.PUBLIC)
    assert query.search(AnonymousUser(), "点题辛").results

    made = requests.receive(
        tree.village,
        requests.Application(
            name="赵申请人", description="申请公开会议纪要壬", phone="13733334444"
        ),
        channel="online",
    )
    requests.decide(
        made,
        actor=people.clerk,
        decision=requests.Decision(
            outcome="disclosed",
            reply_text="赵申请人您好，已公开答复癸",
            disclosure=planted["public"],
        ),
    )
    hits = query.search(AnonymousUser(), "答复癸").results
    assert [h.entry.kind for h in hits] == [Kind.REQUEST]
    assert "赵申请人" not in hits[0].entry.text
    for secret in ("赵申请人", "13733334444", "会议纪要壬"):
        assert not query.search(AnonymousUser(), secret).results


def test_reindex_rebuilds_the_same_entries(people, planted):
    before = set(Entry.objects.values_list("kind", "source_id", "sort_key", "normalized"))
    index.rebuild(batch=2)
    assert set(Entry.objects.values_list("kind", "source_id", "sort_key", "normalized")) == before
    assert query.search(AnonymousUser(), "公开词甲").results
