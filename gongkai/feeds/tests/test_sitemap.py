"""sitemap.xml and robots.txt: the public pages only, paged, with lastmod."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.utils import timezone

from gongkai.catalog.models import Scope
from gongkai.disclosures.models import State
from gongkai.feeds import sitemaps

pytestmark = pytest.mark.django_db

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def locations(body: bytes) -> list[str]:
    return [e.text or "" for e in ET.fromstring(body).iter(f"{NS}loc")]


def test_the_index_names_paged_sections(tree) -> None:  # type: ignore[no-untyped-def]
    response = Client().get("/sitemap.xml")
    assert response.status_code == 200
    locs = locations(response.content)
    assert "http://testserver/sitemap-organizations.xml" in locs
    assert "http://testserver/sitemap-disclosures.xml" in locs
    assert "public" in response["Cache-Control"]


def test_sections_list_public_pages_only(people, shown, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    public = shown(title="公开")
    party = shown(scope=Scope.PARTY, title="党内")
    scheduled = shown(title="定时", publish_from=now + dt.timedelta(hours=1))
    party_first = shown(
        title="先党内",
        publish_from=now - dt.timedelta(hours=1),
        public_from=now + dt.timedelta(days=1),
        party_first=True,
    )
    draft = shown(state=State.APPROVED, title="草稿")
    withdrawn = shown(
        state=State.WITHDRAWN, title="撤回", withdrawn_at=now, withdrawal_reason="有误"
    )
    member = Client()
    member.force_login(people.member)
    # The pages are ranges of the key, and PostgreSQL's sequences move on across tests (a
    # rolled-back test keeps the numbers it took): read the pages the planted rows are on.
    planted = [public, party, scheduled, party_first, draft, withdrawn]
    limit = sitemaps.SITEMAPS["disclosures"].limit
    pages = sorted({(d.pk - 1) // limit + 1 for d in planted})
    for client in (Client(), member):
        bodies = [client.get(f"/sitemap-disclosures.xml?p={n}").content for n in pages]
        body = b"".join(bodies)
        locs = [loc for page in bodies for loc in locations(page)]
        assert f"http://testserver/d/{public.pk}/" in locs
        # The withdrawal stays a public record of it.
        assert f"http://testserver/d/{withdrawn.pk}/" in locs
        for hidden in (party, scheduled, party_first, draft):
            assert f"http://testserver/d/{hidden.pk}/" not in locs
        assert b"<lastmod>" in body
    orgs = locations(Client().get("/sitemap-organizations.xml").content)
    assert "http://testserver/o/QS-01/" in orgs and len(orgs) == 6


def test_sections_are_paged_by_ranges_of_the_key(people, shown, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Every visible disclosure is on exactly one page; the pages are ranges of the key, so
    neither the index nor a page counts or skips the rows before it."""
    monkeypatch.setattr(sitemaps.SITEMAPS["disclosures"], "limit", 2)
    made = [shown(title=f"公告{n}") for n in range(5)]
    hidden = shown(scope=Scope.PARTY, title="党内")
    top = max(d.pk for d in [*made, hidden])
    pages = -(-top // 2)
    index = locations(Client().get("/sitemap.xml").content)
    wanted = ["http://testserver/sitemap-disclosures.xml"] + [
        f"http://testserver/sitemap-disclosures.xml?p={n}" for n in range(2, pages + 1)
    ]
    assert [loc for loc in index if "disclosures" in loc] == wanted
    listed: list[str] = []
    for n in range(1, pages + 1):
        response = Client().get(f"/sitemap-disclosures.xml?p={n}")
        assert response.status_code == 200
        on_page = locations(response.content)
        assert all((n - 1) * 2 < int(loc.split("/")[-2]) <= n * 2 for loc in on_page)
        listed += on_page
    assert sorted(listed) == sorted(f"http://testserver/d/{d.pk}/" for d in made)
    for beyond in (pages + 1, 0, "x", "1.5"):
        assert Client().get(f"/sitemap-disclosures.xml?p={beyond}").status_code == 404
    assert Client().get("/sitemap-nope.xml").status_code == 404


def test_a_page_of_the_sitemap_reads_one_range_of_the_key(people, shown) -> None:  # type: ignore[no-untyped-def]
    """No count of every visible row, no OFFSET: the number of pages is the highest key."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    shown(title="公告")
    for url in ("/sitemap.xml", "/sitemap-disclosures.xml"):
        with CaptureQueriesContext(connection) as captured:
            assert Client().get(url).status_code == 200
        sql = " ".join(q["sql"] for q in captured.captured_queries).upper()
        assert "COUNT(" not in sql and "OFFSET" not in sql, sql


def test_robots_points_to_the_sitemap_and_keeps_crawlers_out_of_private_places(db) -> None:  # type: ignore[no-untyped-def]
    response = Client().get("/robots.txt")
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in text
    for place in ("/console/", "/me/", "/api/", "/admin/", "/accounts/", "/track/"):
        assert f"Disallow: {place}\n" in text
    assert "public" in response["Cache-Control"]
