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
    for client in (Client(), member):
        body = client.get("/sitemap-disclosures.xml").content
        locs = locations(body)
        assert f"http://testserver/d/{public.pk}/" in locs
        # The withdrawal stays a public record of it.
        assert f"http://testserver/d/{withdrawn.pk}/" in locs
        for hidden in (party, scheduled, party_first, draft):
            assert f"http://testserver/d/{hidden.pk}/" not in locs
        assert b"<lastmod>" in body
    orgs = locations(Client().get("/sitemap-organizations.xml").content)
    assert "http://testserver/o/QS-01/" in orgs and len(orgs) == 6


def test_sections_are_paged(people, shown, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sitemaps.SITEMAPS["disclosures"], "limit", 2)
    made = [shown(title=f"公告{n}") for n in range(5)]
    locs = locations(Client().get("/sitemap.xml").content)
    assert "http://testserver/sitemap-disclosures.xml?p=3" in locs
    third = locations(Client().get("/sitemap-disclosures.xml?p=3").content)
    assert third == [f"http://testserver/d/{made[4].pk}/"]
    assert Client().get("/sitemap-disclosures.xml?p=4").status_code == 404
    assert Client().get("/sitemap-nope.xml").status_code == 404


def test_robots_points_to_the_sitemap_and_keeps_crawlers_out_of_private_places(db) -> None:  # type: ignore[no-untyped-def]
    response = Client().get("/robots.txt")
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in text
    for place in ("/console/", "/me/", "/api/", "/admin/", "/accounts/", "/track/"):
        assert f"Disallow: {place}\n" in text
    assert "public" in response["Cache-Control"]
