"""/d/<id>/revisions/<n>/canonical.json serves exactly the bytes a ledger entry's content hash
was taken over, so anyone can recompute it, and nothing else: not for a disclosure the
reader may not see, not for a revision that was never published, not once withdrawn, and
not where publishing it would show a masked personal number."""

from __future__ import annotations

import hashlib
import json

from gongkai.catalog.models import Scope
from gongkai.disclosures import workflow
from gongkai.ledger.services import proof

from .conftest import item_key, published, reader


def url(disclosure, number: int) -> str:  # type: ignore[no-untyped-def]
    return f"/d/{disclosure.pk}/revisions/{number}/canonical.json"


def test_its_sha256_is_the_recorded_content_hash(people, draft, client):
    disclosure = published(people, draft)
    workflow.correct(
        disclosure, actor=people.reviewer, reason="更正", title="东岭村监督电话", body="<p>新</p>"
    )
    for entry in proof(disclosure):
        response = client.get(url(disclosure, entry.revision.number))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert hashlib.sha256(response.content).hexdigest() == entry.content_hash
        document = json.loads(response.content)
        assert set(document) == {"attachments", "body", "data", "title"}


def test_the_revisions_linked_from_the_page_are_the_published_ones(people, draft, client):
    disclosure = published(people, draft)
    html = client.get(f"/d/{disclosure.pk}/").content.decode()
    number = proof(disclosure)[0].revision.number
    assert url(disclosure, number) in html
    # Revision 1 is the submitted draft: never published, never served.
    assert number != 1
    assert client.get(url(disclosure, 1)).status_code == 404
    assert client.get(url(disclosure, 99)).status_code == 404


def test_nothing_is_served_for_a_disclosure_the_reader_may_not_see(people, shown):
    hidden = shown(scope=Scope.PARTY, title="党内事项")
    assert reader(people, "anonymous").get(url(hidden, 1)).status_code == 404
    assert reader(people, "outsider").get(url(hidden, 1)).status_code == 404
    assert reader(people, "member").get(url(hidden, 1)).status_code == 200


def test_nothing_is_served_once_withdrawn(people, draft, client):
    disclosure = published(people, draft)
    number = proof(disclosure)[0].revision.number
    assert client.get(url(disclosure, number)).status_code == 200
    workflow.withdraw(disclosure, actor=people.reviewer, reason="已过时")
    assert client.get(url(disclosure, number)).status_code == 404


def test_a_revision_with_masked_personal_numbers_is_not_served(
    people, tree, village_catalog, client
):
    draft = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "phones"),
        title="联系人",
        body="<p>身份证 110101199003074514</p>",
    )
    disclosure = published(people, draft)
    number = proof(disclosure)[0].revision.number
    response = client.get(url(disclosure, number))
    assert response.status_code == 404
    assert b"110101199003074514" not in response.content
    html = client.get(f"/d/{disclosure.pk}/").content.decode()
    assert url(disclosure, number) not in html
    assert "含已遮蔽的个人信息" in html
