from django.contrib.auth.models import AnonymousUser

from gongkai.disclosures import workflow
from gongkai.search import query, snippets
from gongkai.search.tests.conftest import item_key, published


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
