import datetime as dt
import xml.etree.ElementTree as ET

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure
from gongkai.search import index, query, snippets
from gongkai.search.tests.conftest import item_key, published

ATOM = "{http://www.w3.org/2005/Atom}"


def test_published_is_found(people, tree, village_catalog):
    d = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "phones"),
        title="东岭村党费收缴公示",
        body="<p>本季度党费已全部收缴，联系电话 13912345678。</p>",
    )
    published(people, d)
    found = query.search(AnonymousUser(), "党费")
    assert [r.entry.source_id for r in found.results] == [d.pk]
    assert query.search(AnonymousUser(), "费").results
    assert not query.search(AnonymousUser(), "13912345678").results
    assert query.search(AnonymousUser(), "党费", sort="relevance").results


def test_page_feed_api(client, people, tree, village_catalog):
    d = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "phones"),
        title="东岭村党费收缴公示",
        body="<p>本季度党费已全部收缴。</p>",
    )
    published(people, d)
    page = client.get("/search", {"q": "党费"})
    assert page.status_code == 200
    assert "<mark>党费</mark>" in page.content.decode()
    assert client.get("/search", {"q": "党费"}, HTTP_HX_REQUEST="true").status_code == 200
    feed = client.get("/search/feed", {"q": "党费"})
    assert feed.status_code == 200 and b"<feed" in feed.content
    api = client.get("/api/v1/search", {"q": "党费", "sort": "relevance"})
    assert api.status_code == 200, api.content
    assert api.json()["results"][0]["id"] == d.pk


def test_snippets_escape_and_mark():
    assert str(snippets.highlight("<b>党费</b>&", ["党费"])) == (
        "&lt;b&gt;<mark>党费</mark>&lt;/b&gt;&amp;"
    )
    # Full-width text is marked where it stands, matched by its normalized form.
    assert str(snippets.highlight("ＡＢＣ公开", ["abc"])) == "<mark>ＡＢＣ</mark>公开"
    long = "前" * 300 + "党费" + "后" * 300
    shown = str(snippets.snippet(long, ["党费"]))
    assert "<mark>党费</mark>" in shown and shown.startswith("…") and shown.endswith("…")
    assert len(shown) < 200


def test_the_search_feed_dates_a_party_first_result_by_its_public_time(
    client, people, tree, village_catalog
):
    """A party-first disclosure enters the public's search feed at its public time and is
    dated by it, not by its publication inside the party."""
    d = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "phones"),
        title="东岭村党费使用先党内后公开",
        body="<p>党费使用情况。</p>",
    )
    published(people, d)
    now = timezone.now()
    public_time = (now - dt.timedelta(minutes=5)).replace(microsecond=0)
    Disclosure.objects.filter(pk=d.pk).update(
        publish_from=now - dt.timedelta(days=3), public_from=public_time, party_first=True
    )
    index.update_disclosure(Disclosure.objects.get(pk=d.pk))
    root = ET.fromstring(client.get("/search/feed", {"q": "党费"}).content)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 1
    published_at = dt.datetime.fromisoformat(entries[0].findtext(f"{ATOM}published") or "")
    assert published_at == public_time
