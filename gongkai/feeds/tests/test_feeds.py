"""The feeds: public only, dated by the public time, withdrawals as notices, bounded and in a
constant number of queries."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongkai.catalog.effective import applicable_catalog
from gongkai.catalog.models import Scope
from gongkai.disclosures import workflow
from gongkai.disclosures.models import State
from gongkai.feeds import feeds
from gongkai.portal.tests.conftest import published
from gongkai.web import caching

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def atom_entries(body: bytes) -> list[dict[str, Any]]:
    root = ET.fromstring(body)
    out = []
    for e in root.findall(f"{ATOM}entry"):
        out.append(
            {
                "title": e.findtext(f"{ATOM}title") or "",
                "summary": e.findtext(f"{ATOM}summary") or "",
                "link": e.find(f"{ATOM}link").get("href"),  # type: ignore[union-attr]
                "published": e.findtext(f"{ATOM}published") or "",
                "updated": e.findtext(f"{ATOM}updated") or "",
            }
        )
    return out


def rss_items(body: bytes) -> list[dict[str, str]]:
    root = ET.fromstring(body)
    return [
        {
            "title": i.findtext("title") or "",
            "description": i.findtext("description") or "",
            "link": i.findtext("link") or "",
            "pubDate": i.findtext("pubDate") or "",
        }
        for i in root.iter("item")
    ]


ALL_FEEDS = [
    "/feed.atom",
    "/feed.rss",
    "/o/QS-01/feed.atom",
    "/o/QS-01/feed.rss",
    "/o/QS/subtree/feed.atom",
    "/o/QS/subtree/feed.rss",
]


def category_feed(village_catalog, kind: str = "atom") -> str:  # type: ignore[no-untyped-def]
    category = applicable_catalog(village_catalog.organization).categories[0]
    return f"/o/QS-01/c/{category.key}/feed.{kind}"


def test_feeds_list_public_items_only(people, shown, village_catalog) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    shown(title="公开的监督电话")
    shown(scope=Scope.PARTY, title="党内的党费")
    shown(scope=Scope.INSTITUTION, title="单位内的分工")
    shown(state=State.APPROVED, title="尚未发布的草稿")
    shown(title="定时发布的公告", publish_from=now + dt.timedelta(hours=1))
    # Party first: inside since an hour ago, public only tomorrow.
    shown(
        title="先党内后党外",
        publish_from=now - dt.timedelta(hours=1),
        public_from=now + dt.timedelta(days=1),
        party_first=True,
    )
    member = Client()
    member.force_login(people.member)
    for url in [*ALL_FEEDS, category_feed(village_catalog), category_feed(village_catalog, "rss")]:
        for client in (Client(), member):
            response = client.get(url)
            assert response.status_code == 200, url
            text = response.content.decode()
            assert "公开的监督电话" in text or "/c/" in url, url
            for hidden in ("党内的党费", "单位内的分工", "尚未发布", "定时发布", "先党内后党外"):
                assert hidden not in text, (url, hidden)


def test_a_party_first_item_enters_at_its_public_time_and_is_dated_by_it(people, shown) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    party_time = now - dt.timedelta(days=3)
    public_time = now - dt.timedelta(minutes=5)
    shown(title="先党内的事项", publish_from=party_time, public_from=public_time, party_first=True)
    shown(title="更早公开的事项", publish_from=now - dt.timedelta(days=1))
    entries = atom_entries(Client().get("/o/QS-01/feed.atom").content)
    # Newest public first: the party-first item is the newest, though published inside first.
    assert [e["title"] for e in entries] == ["先党内的事项", "更早公开的事项"]
    published_at = dt.datetime.fromisoformat(entries[0]["published"])
    assert abs((published_at - public_time).total_seconds()) < 1
    rss = rss_items(Client().get("/o/QS-01/feed.rss").content)
    assert rss[0]["title"] == "先党内的事项"
    assert abs((parsedate_to_datetime(rss[0]["pubDate"]) - public_time).total_seconds()) < 1


def test_before_its_public_time_the_party_first_item_is_absent(people, shown) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    shown(
        title="明天才公开",
        publish_from=now - dt.timedelta(days=1),
        public_from=now + dt.timedelta(days=1),
        party_first=True,
    )
    assert atom_entries(Client().get("/o/QS-01/feed.atom").content) == []
    # And the page is kept no longer than until that moment (here: the cache's own bound).
    response = Client().get("/o/QS-01/feed.atom")
    assert f"s-maxage={caching.PUBLIC_SECONDS}" in response["Cache-Control"]


def test_entries_carry_the_masked_text_and_link_to_the_page(people, tree, draft) -> None:  # type: ignore[no-untyped-def]
    workflow.edit_draft(
        draft,
        actor=people.clerk,
        title="联系人手机13912345678",
        body="<p>身份证110101199003077777，电话13912345678</p>",
    )
    d = published(people, draft)
    body = Client().get("/o/QS-01/feed.atom").content
    text = body.decode()
    assert "13912345678" not in text
    assert "110101199003077777" not in text
    entries = atom_entries(body)
    assert entries[0]["link"].endswith(f"/d/{d.pk}/")
    assert entries[0]["title"] == feeds.shown_title(d)


def test_a_withdrawn_item_stays_as_a_notice_without_its_content(people, draft) -> None:  # type: ignore[no-untyped-def]
    d = published(people, draft)
    body_before = Client().get("/o/QS-01/feed.atom").content.decode()
    assert "0871" in body_before  # the body (监督电话：0871-…) is in the summary
    workflow.withdraw(d, actor=people.reviewer, reason="号码已停用")
    body = Client().get("/o/QS-01/feed.atom").content
    entries = atom_entries(body)
    assert len(entries) == 1
    assert entries[0]["title"].startswith("已撤回")
    assert "号码已停用" in entries[0]["summary"]
    assert "0871" not in body.decode()
    d.refresh_from_db()
    updated = dt.datetime.fromisoformat(entries[0]["updated"])
    assert abs((updated - d.withdrawn_at).total_seconds()) < 1


def test_feeds_are_bounded(people, shown) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    for n in range(feeds.LIMIT + 3):
        shown(title=f"公告{n}", publish_from=now - dt.timedelta(minutes=n + 1))
    entries = atom_entries(Client().get("/feed.atom").content)
    assert len(entries) == feeds.LIMIT
    assert entries[0]["title"] == "公告0"


@pytest.mark.parametrize(
    "url",
    ["/feed.atom", "/o/QS-01/feed.rss", "/o/QS/subtree/feed.atom", "category"],
)
def test_the_query_count_does_not_grow_with_the_entries(
    url, people, shown, village_catalog, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    if url == "category":
        url = category_feed(village_catalog)
    now = timezone.now()
    shown(title="第一条", publish_from=now - dt.timedelta(minutes=1))
    Client().get(url)  # the effective catalog is computed once, then cached
    with CaptureQueriesContext(connection) as one:
        response = Client().get(url)
    assert len(atom_entries(response.content) or rss_items(response.content)) == 1
    # The organization (for an organization's feed), the entries, the next scheduled change;
    # a category's feed adds its organization's catalog, a subtree's feed the organizations
    # of the subtree (gongkai.portal.subtree).
    assert len(one) <= 5 if "subtree" in url else len(one) <= 4
    for n in range(1, 49):
        shown(title=f"公告{n}", publish_from=now - dt.timedelta(minutes=n + 1))
    withdrawn = shown(title="已撤回的", publish_from=now - dt.timedelta(hours=2))
    withdrawn.state, withdrawn.withdrawn_at = State.WITHDRAWN, now
    withdrawn.withdrawal_reason = "有误"
    withdrawn.save()
    with django_assert_num_queries(len(one)):
        response = Client().get(url)
    assert len(atom_entries(response.content) or rss_items(response.content)) == 50


def test_unknown_organization_or_category_is_404(tree, village_catalog) -> None:  # type: ignore[no-untyped-def]
    assert Client().get("/o/NOPE/feed.atom").status_code == 404
    assert Client().get("/o/QS-01/c/nope/feed.atom").status_code == 404
    assert Client().post("/feed.atom").status_code == 405


def test_the_organization_page_announces_its_feeds(tree) -> None:  # type: ignore[no-untyped-def]
    html = Client().get("/o/QS-01/").content.decode()
    assert 'rel="alternate" type="application/atom+xml" href="/o/QS-01/feed.atom"' in html
    assert 'type="application/rss+xml" href="/o/QS-01/feed.rss"' in html
