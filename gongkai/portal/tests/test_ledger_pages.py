"""The log's pages for people without tools: `/ledger/<log>/` lists every index to every
reader, opaque entries as 不可见条目（已承诺） with their commitment, through the one rule;
the organization page shows its log's current head; the disclosure page's 台账核验 block
follows the same rule."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongkai.disclosures import workflow
from gongkai.ledger import log as ledger
from gongkai.ledger import public
from gongkai.ledger.models import Kind, Log, LogEntry, SignedHead
from gongkai.ledger.tests.visibility_cases import READERS, READS, TITLES, make_cases
from gongkai.organizations.models import Organization
from gongkai.portal import reading, views

from .conftest import item_key, published, reader

OPAQUE = "不可见条目（已承诺）"


@pytest.fixture
def cases(people, tree, village_catalog):  # type: ignore[no-untyped-def]
    return make_cases(people, tree, village_catalog)


def entry_blocks(html: str) -> dict[int, str]:
    """Each listed entry's markup, by index, in the order shown."""
    found = re.findall(r'<li class="entry[^"]*" id="entry-(\d+)">(.*?)</li>', html, re.S)
    return {int(index): block for index, block in found}


@pytest.mark.parametrize("persona", READERS)
def test_every_index_is_listed_and_only_readable_ones_show_what_they_are(people, cases, persona):
    by_pk = {d.pk: case for case, d in cases.items()}
    html = reader(people, persona).get("/ledger/YL/").content.decode()
    blocks = entry_blocks(html)
    rows = list(LogEntry.objects.order_by("index"))
    assert list(blocks) == [r.index for r in reversed(rows)]  # newest first
    for row in rows:
        block = blocks[row.index]
        case = by_pk[row.disclosure_id]
        readable = persona in READS[case] or row.kind == Kind.WITHDRAW
        assert (OPAQUE in block) is not readable, (persona, case, row.kind)
        assert row.commitment in block and row.leaf_hash in block
        assert "东岭村党支部" in block  # whose action it records, even when opaque
        if readable:
            assert f'href="/d/{row.disclosure_id}/"' in block
            assert row.published_hash in block
        else:
            assert row.published_hash not in block and "/d/" not in block
    for case, title in TITLES.items():
        if persona not in READS[case]:
            assert f"{title}的正文" not in html
            if case != "withdrawn":  # a withdrawal shows its title and reason
                assert title not in html, (persona, case)


def test_pages_by_index_newest_or_oldest_first(people, cases, client, monkeypatch):
    monkeypatch.setattr(views, "LOG_PAGE_SIZE", 3)
    size = LogEntry.objects.count()  # 9: seven publications, a withdrawal and a correction
    assert size == 9

    def shown(query: str) -> list[int]:
        return list(entry_blocks(client.get(f"/ledger/YL/{query}").content.decode()))

    assert shown("") == [8, 7, 6]
    assert shown("?page=2") == [5, 4, 3]
    assert shown("?page=3") == [2, 1, 0]
    assert shown("?page=99") == [2, 1, 0]  # past the end: the last page
    assert shown("?page=x") == [8, 7, 6]
    assert shown("?order=oldest") == [0, 1, 2]
    assert shown("?order=oldest&page=3") == [6, 7, 8]
    html = client.get("/ledger/YL/?order=oldest&page=2").content.decode()
    assert 'href="?order=oldest&amp;page=1"' in html and 'href="?order=oldest&amp;page=3"' in html
    assert 'href="?order=newest"' in html


def test_the_head_is_shown_and_unknown_logs_are_not_found(people, draft, client):
    published(people, draft)
    head = SignedHead.objects.get()
    html = client.get("/ledger/YL/").content.decode()
    assert head.root_hash in html and head.checkpoint.splitlines()[-1] in html
    assert 'href="/api/v1/ledger/logs/YL/entries"' in html and 'href="/ledger/how/"' in html
    assert client.get("/ledger/QS/").status_code == 404  # an organization, not a log root
    assert client.get("/ledger/NOPE/").status_code == 404
    assert client.get("/ledger/how/").status_code == 200


def test_witness_and_checkpoint_entries_say_what_they_are(
    people, tree, village_catalog, settings, client
):
    settings.GONGKAI_LEDGER_ROOT_DEPTHS = [tree.town.depth - 1]
    d = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "phones"),
        title="监督电话",
    )
    published(people, d)
    ledger.witness()
    html = client.get("/ledger/YL/").content.decode()
    [block] = entry_blocks(html).values()
    assert "台账 QS 在 1 条记录时的树头" in block and 'href="/ledger/QS/"' in block


@pytest.mark.parametrize("persona", ["anonymous", "member"])
def test_the_log_page_costs_the_same_queries_however_long_the_log(
    people, tree, village_catalog, persona, django_assert_max_num_queries
):
    def make(title: str):  # type: ignore[no-untyped-def]
        return workflow.create_disclosure(
            tree.village,
            actor=people.clerk,
            item_key=item_key(village_catalog, "dues" if "党" in title else "phones"),
            title=title,
        )

    published(people, make("监督电话"))
    client = reader(people, persona)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/ledger/YL/").status_code == 200
        return len(captured)

    before = count()
    for n in range(8):
        published(people, make(f"第{n}条" if n % 2 else f"党内第{n}条"))
    assert count() == before
    # The log, its latest head, a page of entries, which of their disclosures the reader
    # may read; a signed-in reader adds the session, the user and the roles.
    with django_assert_max_num_queries(4 if persona == "anonymous" else 7):
        client.get("/ledger/YL/")


def test_the_organization_page_shows_its_logs_head(people, draft, tree, client):
    assert "台账" not in client.get("/o/QS-01/").content.decode()  # nothing recorded yet
    published(people, draft)
    head = SignedHead.objects.get()
    for code in ("QS-01", "YL"):
        html = client.get(f"/o/{code}/").content.decode()
        assert f"台账 YL，当前签名树头：共 {head.size} 条，根哈希 {head.root_hash[:16]}…" in html
        assert 'href="/ledger/YL/"' in html


@pytest.mark.parametrize("persona", READERS)
def test_the_disclosure_pages_ledger_block_follows_the_rule(people, cases, persona):
    client = reader(people, persona)
    for case, d in cases.items():
        # The disclosure's page links to its proof (核验); both follow the one rule.
        assert client.get(f"/d/{d.pk}/").status_code == client.get(f"/d/{d.pk}/proof").status_code
        response = client.get(f"/d/{d.pk}/proof")
        if response.status_code == 404:
            assert persona not in READS[case] and case != "withdrawn", (persona, case)
            continue
        html = response.content.decode()
        block = html[html.index('id="ledger"') :]
        entries = list(LogEntry.objects.filter(disclosure=d).order_by("index"))
        for entry in entries:
            assert f"第 {entry.index} 条" in block
        opaque = sum(1 for e in entries if e.kind != Kind.WITHDRAW) if case == "withdrawn" else 0
        assert block.count(OPAQUE) == opaque, (persona, case)


def test_the_qr_code_is_the_proofs_address_drawn_without_script_or_style(people, draft, client):
    d = published(people, draft)
    html = client.get(f"/d/{d.pk}/proof").content.decode()
    url = f"http://testserver/api/v1/disclosures/{d.pk}/proof"
    assert reading.qr_svg(url, "本公开事项台账证明的地址") in html
    block = html[html.index('id="ledger"') :]
    assert "style=" not in block
    assert re.findall(r"<script[^>]*>", block) == [
        '<script src="/static/portal/ledger-check.js" defer>'
    ]


def test_the_old_canonical_content_is_no_longer_served(people, draft, client):
    """The old chain's canonical content (what its unsalted content hashes were taken over)
    is gone with the chain's proof block; the log's documents are in the API."""
    d = published(people, draft)
    number = d.published_revision.number
    assert client.get(f"/d/{d.pk}/revisions/{number}/canonical.json").status_code == 404


@pytest.mark.parametrize("town_roots", [False, True])
def test_an_organizations_log_is_the_one_its_entries_go_to(
    people, tree, village_catalog, settings, town_roots
):
    if town_roots:
        settings.GONGKAI_LEDGER_ROOT_DEPTHS = [tree.town.depth - 1]
    d = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "phones"),
        title="监督电话",
    )
    published(people, d)
    ledger.witness()
    for org in Organization.objects.all():
        root = ledger.root_of(org)
        found = public.log_of(org)
        assert (found.root if found else None) == (
            root if Log.objects.filter(root=root).exists() else None
        ), org.code
