"""Cache headers over the whole public site: every page an anonymous reader reaches that is the
same for every anonymous reader says `public` with no cookie and no `Vary: Cookie`; the same
addresses for a signed-in member say `private, no-store`; pages with a form never say
`public`. A page never outlives its next scheduled change, and what the workflow publishes,
corrects or withdraws is in the next uncached answer (the app keeps no copy of its own)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from gongkai.catalog.effective import applicable_catalog
from gongkai.catalog.models import Scope
from gongkai.conftest import client_for
from gongkai.devtools.crawl import crawl
from gongkai.disclosures import changes, workflow
from gongkai.engagement import services as opinions
from gongkai.portal.tests.conftest import published
from gongkai.web import caching

pytestmark = pytest.mark.django_db

#: Public pages the anonymous crawl cannot reach, and why.
UNREACHED = {
    # Fetched by htmx when a node of the tree is opened (its parent's page links to the
    # organization instead).
    "portal:children": "an htmx fragment",
    # Topic requests are the members' (点题公开): an anonymous reader is sent to sign in.
    "topics:list": "members only",
    "topics:detail": "members only",
    # The same view as "home" ("/").
    "portal:start": "named twice",
}


def public_pattern_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: Any, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and getattr(p.callback, "public_page", False):
                names.add(f"{namespace}{p.name}")

    walk(get_resolver().url_patterns, "")
    return names


def shared(response: Any) -> bool:
    control = response.get("Cache-Control", "")
    return "public" in control and "s-maxage" in control


def assert_shared(url: str, response: Any) -> None:
    assert shared(response), (url, response.get("Cache-Control"))
    assert not response.cookies, (url, list(response.cookies))
    assert "cookie" not in response.get("Vary", "").lower(), (url, response.get("Vary"))


def assert_private(url: str, response: Any) -> None:
    control = response.get("Cache-Control", "")
    assert "private" in control and "no-store" in control, (url, control)
    assert "public" not in control, (url, control)


@pytest.fixture
def site(people, tree, draft):  # type: ignore[no-untyped-def]
    notice = published(people, draft)
    opinion = opinions.submit(tree.village, kind="inquiry", text="监督电话打不通", channel="portal")
    opinions.answer(opinion, actor=people.clerk, text="已更换号码")
    opinions.publish(opinion, actor=people.clerk, scope=Scope.PUBLIC)
    return notice


def test_every_public_page_is_shared_anonymously_and_private_for_a_member(
    site, people, tree
) -> None:  # type: ignore[no-untyped-def]
    category = applicable_catalog(tree.village).categories[0].key  # type: ignore[union-attr]
    starts = [
        "/",
        "/o/QS-01/",
        "/robots.txt",
        "/sitemap.xml",
        "/search?q=东岭",
        "/kiosk/QS-01/",
        *(f"/feed.{kind}" for kind in ("atom", "rss")),
        *(f"/o/QS/subtree/feed.{kind}" for kind in ("atom", "rss")),
        *(f"/o/QS-01/c/{category}/feed.{kind}" for kind in ("atom", "rss")),
    ]
    found = crawl(Client(), starts)
    member = client_for(people.member)
    visited: set[str] = set()
    checked = 0
    for url, status in found.statuses.items():
        if status != 200:
            continue
        match = resolve(url.split("?")[0])
        name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
        is_public = getattr(match.func, "public_page", False)
        anonymous = Client().get(url)
        if not is_public:
            # A form, a receipt, the API: never in a shared cache.
            assert not shared(anonymous), (url, anonymous.get("Cache-Control"))
            continue
        visited.add(str(name))
        checked += 1
        assert_shared(url, anonymous)
        # A page that renders a CSRF token for this reader is never shared: a public page
        # links to its form instead of embedding it.
        assert b"csrfmiddlewaretoken" not in anonymous.content, url
        assert_private(url, member.get(url))
    assert checked > 10
    missing = public_pattern_names() - visited - set(UNREACHED)
    assert not missing, f"public pages the anonymous crawl never reached: {sorted(missing)}"


def test_a_page_that_renders_a_form_for_the_reader_becomes_private(site, people) -> None:  # type: ignore[no-untyped-def]
    # The topic list shows a member the support button (a form with a CSRF token).
    assert_private("/o/QS-01/topics/", client_for(people.member).get("/o/QS-01/topics/"))
    # Forms for the public live on their own pages and are never shared.
    for url in ("/o/QS-01/opinion", "/o/QS-01/request/", "/track/"):
        response = Client().get(url)
        assert response.status_code == 200
        assert not shared(response), url


@pytest.mark.parametrize(
    "url", ["/", "/o/QS-01/", "/o/QS-01/feed.atom", "/feed.rss", "/o/QS/subtree/feed.atom"]
)
def test_a_page_never_outlives_the_next_scheduled_item(url, shown) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    shown(title="已公开", publish_from=now - dt.timedelta(hours=1))
    shown(title="三秒后公开", publish_from=now + dt.timedelta(seconds=3.5))
    # The page is made 3.5 s before the scheduled minute, whatever the machine's speed.
    with time_machine.travel(now, tick=False):
        response = Client().get(url)
    max_age = int(re.search(r"s-maxage=(\d+)", response["Cache-Control"]).group(1))  # type: ignore[union-attr]
    assert max_age == 3
    assert "三秒后公开" not in response.content.decode()


def test_a_party_first_items_public_time_bounds_the_public_page(shown) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    shown(
        title="先党内",
        publish_from=now - dt.timedelta(days=1),
        public_from=now + dt.timedelta(seconds=2.5),
        party_first=True,
    )
    with time_machine.travel(now, tick=False):
        response = Client().get("/o/QS-01/feed.atom")
    assert "s-maxage=2" in response["Cache-Control"]


def test_the_end_of_the_publicity_period_bounds_the_disclosure_page(shown) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    d = shown(title="公示中", publicity_until=now + dt.timedelta(seconds=1.5))
    with time_machine.travel(now, tick=False):
        response = Client().get(f"/d/{d.pk}/")
        # The organization's page lists what is on show: the end bounds it too.
        organization = Client().get("/o/QS-01/")
        # An item's list does not show the period, so it does not bound it.
        item = Client().get(f"/o/QS-01/items/{d.item.key}/")
    assert "s-maxage=1" in response["Cache-Control"]
    assert "s-maxage=1" in organization["Cache-Control"]
    assert f"s-maxage={caching.PUBLIC_SECONDS}" in item["Cache-Control"]


def test_next_change_is_one_query_and_sees_every_kind_of_moment(
    shown, tree, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    assert changes.of_organization("QS-01", now) is None
    later = now + dt.timedelta(hours=5)
    shown(title="定时", publish_from=later)
    soon = now + dt.timedelta(hours=2)
    shown(
        title="先党内",
        publish_from=now - dt.timedelta(hours=1),
        public_from=soon,
        party_first=True,
    )
    with django_assert_num_queries(1):
        assert changes.of_organization("QS-01", now) == soon
    assert changes.of_subtree(tree.town.path, now) == soon
    assert changes.of_subtree(tree.other_town.path, now) is None
    assert changes.of_site(now) == soon
    assert changes.of_organization("QS-02", now) is None


def test_publish_correct_and_withdraw_show_in_the_next_answer(people, draft) -> None:  # type: ignore[no-untyped-def]
    pages = ("/", "/o/QS-01/", "/o/QS-01/feed.atom", "/sitemap-disclosures.xml")
    for url in pages:
        assert "东岭村监督电话" not in Client().get(url).content.decode() or url.endswith(".xml")
    d = published(people, draft)
    for url in pages[:3]:
        assert "东岭村监督电话" in Client().get(url).content.decode(), url
    assert f"/d/{d.pk}/" in Client().get(pages[3]).content.decode()
    workflow.correct(
        d,
        actor=people.reviewer,
        reason="号码有误",
        title="东岭村监督电话（更正）",
        body="<p>新号码</p>",
    )
    for url in (*pages[:3], f"/d/{d.pk}/"):
        assert "东岭村监督电话（更正）" in Client().get(url).content.decode(), url
    workflow.withdraw(d, actor=people.reviewer, reason="已撤销")
    assert "新号码" not in Client().get(f"/d/{d.pk}/").content.decode()
    assert "新号码" not in Client().get("/o/QS-01/feed.atom").content.decode()
    assert "已撤回" in Client().get("/o/QS-01/feed.atom").content.decode()
