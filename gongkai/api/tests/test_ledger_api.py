"""The transparency log through the API (docs/ledger-format.md §8).

- Every index of a log is served to every reader; an entry of a disclosure the reader may
  not see (party-internal, scheduled, inside the party-first lag) is opaque, and so is every
  earlier entry of a withdrawn disclosure: table-driven over readers and cases.
- What is served verifies: documents hash to their commitments and leaves, the leaves to the
  signed root, and every inclusion and consistency proof with `gongkai.ledger.merkle`
  against the roots of the signed heads.
- Bad parameters are a 4xx in Chinese, never a 5xx; the queries do not grow with the log.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure
from gongkai.ledger import log as ledger
from gongkai.ledger import merkle, notes
from gongkai.ledger.canonical import canonical_json
from gongkai.ledger.models import Kind, LedgerEntry, LogEntry
from gongkai.ledger.services import append_entry
from gongkai.ledger.tests.visibility_cases import READERS, READS, make_cases

from .conftest import ApiClient, item_key, published
from .test_errors import is_chinese


def entries_of(client: ApiClient, log: str = "YL") -> list[dict[str, Any]]:
    """Every entry of `log`, walking the pages as a mirror would."""
    found: list[dict[str, Any]] = []
    start: int | None = 0
    while start is not None:
        page = client.get(f"/ledger/logs/{log}/entries", start=start, limit=3).json()
        found += page["results"]
        start = page["next_start"]
    return found


@pytest.fixture
def cases(people, tree, village_catalog) -> dict[str, Disclosure]:
    return make_cases(people, tree, village_catalog)


def test_every_reader_gets_every_index_and_reads_only_what_the_rule_allows(
    people, cases, as_person
):
    by_pk = {d.pk: case for case, d in cases.items()}
    size = LogEntry.objects.count()
    problems = []
    for reader in READERS:
        client = as_person(reader)
        entries = entries_of(client)
        assert [e["index"] for e in entries] == list(range(size)), reader
        text = json.dumps(entries, ensure_ascii=False)
        for row in LogEntry.objects.order_by("index"):
            entry = entries[row.index]
            case = by_pk[row.disclosure_id]
            want = reader in READS[case] or row.kind == Kind.WITHDRAW
            if entry["visible"] != want:
                problems.append((reader, case, row.kind, entry["visible"]))
            if entry["visible"]:
                assert entry["kind"] == row.kind
                assert entry["document"]["disclosure"] == row.disclosure_id
            else:
                assert set(entry) == {
                    "index",
                    "at",
                    "organization",
                    "commitment",
                    "leaf_hash",
                    "visible",
                }
        for case, d in cases.items():
            readable = reader in READS[case]
            if not readable:
                title = d.revisions.order_by("number").first().title
                assert (f"{title}的正文" in text) is False, (reader, case)
                if case != "withdrawn":  # its title stays on show with the reason
                    assert title not in text, (reader, case)
    assert problems == []


@pytest.mark.parametrize("reader", READERS)
def test_the_disclosure_proof_follows_the_rule(people, cases, as_person, reader):
    client = as_person(reader)
    for case, d in cases.items():
        response = client.get(f"/disclosures/{d.pk}/proof")
        sees = reader in READS[case] or case == "withdrawn"
        assert (response.status_code == 200) == sees, (reader, case)
        if response.status_code != 200:
            assert response.json() == {"detail": "未找到，或您无权查看。"}
            continue
        body = response.json()
        assert body["log"] == "YL"
        kinds = [(e["visible"], e.get("kind")) for e in body["entries"]]
        if case == "withdrawn":
            assert kinds == [(False, None), (True, "withdraw")]
        elif case == "corrected":
            assert kinds == [(True, "publish"), (True, "correct")]
        else:
            assert kinds == [(True, "publish")]


def test_what_is_served_verifies_against_the_signed_head(people, cases, as_person):
    """Documents → published hash → commitment → leaf; all leaves → the signed root; the
    checkpoint's signature with the published key."""
    client = as_person("anonymous")
    keys = client.get("/ledger/keys").json()
    verifiers = [notes.Verifier.from_vkey(k["vkey"]) for k in keys]
    for key in keys:
        verifier = notes.Verifier.from_vkey(key["vkey"])
        assert key["key_id"] == verifier.key_id.hex()
        assert base64.b64decode(key["public_key"]) == verifier.public_key
    [listed] = client.get("/ledger/logs").json()
    assert (listed["log"], listed["parent_log"], listed["organization"]) == ("YL", None, "YL")
    checkpoint = notes.verify_checkpoint(listed["checkpoint"], verifiers, origin=listed["origin"])
    text = client.get("/ledger/logs/YL/checkpoint")
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert text.content.decode() == listed["checkpoint"]
    leaves = []
    for entry in entries_of(client):
        commitment = entry["commitment"]
        if entry["visible"]:
            published_hash = hashlib.sha256(canonical_json(entry["document"])).hexdigest()
            assert published_hash == entry["published_hash"]
            assert ledger.commitment_of(published_hash, entry["sealed_hash"]) == commitment
        leaf = ledger.leaf_bytes(
            "YL", entry["index"], entry["at"], entry["organization"], commitment
        )
        assert merkle.leaf_hash(leaf).hex() == entry["leaf_hash"]
        leaves.append(merkle.leaf_hash(leaf))
    assert (checkpoint.size, checkpoint.root) == (len(leaves), merkle.root(leaves))
    assert listed["root_hash"] == checkpoint.root.hex()


def test_every_inclusion_and_consistency_proof_verifies(people, cases, as_person):
    client = as_person("anonymous")
    heads = client.get("/ledger/logs/YL/heads").json()
    assert heads["next_after"] is None
    roots = {h["size"]: bytes.fromhex(h["root_hash"]) for h in heads["results"]}
    size = LogEntry.objects.count()
    assert sorted(roots) == list(range(1, size + 1))  # a head at every append
    leaves = {e["index"]: bytes.fromhex(e["leaf_hash"]) for e in entries_of(client)}
    for n, root in roots.items():
        for index in range(n):
            proof = client.get("/ledger/logs/YL/proof/inclusion", index=index, size=n).json()
            assert proof["leaf_hash"] == leaves[index].hex()
            path = [bytes.fromhex(p) for p in proof["path"]]
            assert merkle.verify_inclusion(leaves[index], index, n, path, root), (index, n)
        for m in range(1, n + 1):
            proof = client.get("/ledger/logs/YL/proof/consistency", first=m, second=n).json()
            path = [bytes.fromhex(p) for p in proof["path"]]
            assert merkle.verify_consistency(m, n, roots[m], root, path), (m, n)


def test_a_disclosure_proof_verifies_with_its_inclusion_paths(people, cases, as_person):
    for reader in ("anonymous", "member"):
        for case in ("public", "corrected", "withdrawn"):
            body = as_person(reader).get(f"/disclosures/{cases[case].pk}/proof").json()
            checkpoint = notes.parse_checkpoint(body["checkpoint"])
            assert (checkpoint.size, checkpoint.root.hex()) == (body["size"], body["root_hash"])
            for entry in body["entries"]:
                path = [bytes.fromhex(p) for p in entry["inclusion"]]
                leaf = bytes.fromhex(entry["leaf_hash"])
                assert merkle.verify_inclusion(
                    leaf, entry["index"], checkpoint.size, path, checkpoint.root
                )


def test_heads_are_one_per_size_and_page_by_size(people, cases, as_person):
    client = as_person("anonymous")
    size = LogEntry.objects.count()
    # A day later, a quiet log is signed again at the same size.
    ledger.witness(at=timezone.now() + dt.timedelta(days=2))
    assert client.get("/ledger/logs/YL/heads").json()["results"][-1]["size"] == size
    walked, after = [], 0
    while after is not None:
        page = client.get("/ledger/logs/YL/heads", after=after, page_size=2).json()
        walked += [h["size"] for h in page["results"]]
        after = page["next_after"]
    assert walked == list(range(1, size + 1))
    latest = client.get("/ledger/logs/YL/checkpoint").content.decode()
    assert (
        notes.parse_checkpoint(latest).at_text
        > client.get("/ledger/logs/YL/heads").json()["results"][-1]["at"]
    )


def test_a_witnessed_log_names_the_log_above(people, tree, village_catalog, settings, as_person):
    settings.GONGKAI_LEDGER_ROOT_DEPTHS = [tree.town.depth - 1]  # the towns keep their own logs
    published(
        people,
        workflow.create_disclosure(
            tree.village,
            actor=people.clerk,
            item_key=item_key(village_catalog, "phones"),
            title="监督电话",
        ),
    )
    client = as_person("anonymous")
    assert [(x["log"], x["parent_log"]) for x in client.get("/ledger/logs").json()] == [
        ("QS", "YL")  # witnessed in the county's log, not made yet
    ]
    ledger.witness()
    listed = {x["log"]: x for x in client.get("/ledger/logs").json()}
    assert {log: x["parent_log"] for log, x in listed.items()} == {"YL": None, "QS": "YL"}
    [witness] = entries_of(client, "YL")
    assert witness["visible"] and witness["kind"] == "witness"
    assert witness["document"]["checkpoint"] == listed["QS"]["checkpoint"]


BAD = [
    ("/ledger/logs/YL/proof/inclusion", {"index": 1, "size": 1}, 422, "index"),
    ("/ledger/logs/YL/proof/inclusion", {"index": 0, "size": 999}, 422, "size"),
    ("/ledger/logs/YL/proof/inclusion", {"index": 0, "size": 0}, 422, "size"),
    ("/ledger/logs/YL/proof/inclusion", {"index": -1, "size": 1}, 422, "index"),
    ("/ledger/logs/YL/proof/inclusion", {"index": 2**63, "size": 1}, 422, "index"),
    ("/ledger/logs/YL/proof/inclusion", {"index": 0, "size": 10**30}, 422, "size"),
    ("/ledger/logs/YL/proof/inclusion", {"index": "x", "size": 1}, 422, "index"),
    ("/ledger/logs/YL/proof/inclusion", {"size": 1}, 422, "index"),
    ("/ledger/logs/YL/proof/consistency", {"first": 2, "second": 1}, 422, "first"),
    ("/ledger/logs/YL/proof/consistency", {"first": 0, "second": 1}, 422, "first"),
    ("/ledger/logs/YL/proof/consistency", {"first": 1, "second": 999}, 422, "second"),
    ("/ledger/logs/YL/proof/consistency", {"first": 1, "second": 2**64}, 422, "second"),
    ("/ledger/logs/YL/entries", {"limit": 1001}, 422, "limit"),
    ("/ledger/logs/YL/entries", {"limit": 0}, 422, "limit"),
    ("/ledger/logs/YL/entries", {"start": -1}, 422, "start"),
    ("/ledger/logs/YL/heads", {"page_size": 0}, 422, "page_size"),
    ("/ledger/logs/YL/heads", {"after": "1e3"}, 422, "after"),
    ("/ledger/logs/NOPE/entries", {}, 404, None),
    ("/ledger/logs/NOPE/checkpoint", {}, 404, None),
    ("/ledger/logs/NOPE/heads", {}, 404, None),
    ("/ledger/logs/NOPE/proof/inclusion", {"index": 0, "size": 1}, 404, None),
    ("/ledger/logs/NOPE/proof/consistency", {"first": 1, "second": 1}, 404, None),
    ("/ledger/logs/QS/entries", {}, 404, None),  # an organization, but not a log root
    ("/ledger/logs/%00/entries", {}, 422, "log"),
    ("/ledger/logs/Y%00L/checkpoint", {}, 422, "log"),
    (f"/ledger/logs/{'Y' * 33}/heads", {}, 422, "log"),
]


@pytest.mark.parametrize(("path", "params", "status", "field"), BAD)
def test_bad_parameters_are_refused_in_chinese(people, draft, path, params, status, field):
    published(people, draft)  # the log YL has one entry
    response = ApiClient().get(path, **params)
    assert response.status_code == status, response.content
    body = response.json()
    assert is_chinese(body["detail"])
    if field is not None:
        assert field in [e["field"] for e in body["errors"]]
        assert all(is_chinese(e["message"]) for e in body["errors"])


def test_a_proof_from_a_size_to_itself_is_empty(people, draft):
    published(people, draft)
    response = ApiClient().get("/ledger/logs/YL/proof/consistency", first=1, second=1)
    assert response.json() == {"first": 1, "second": 1, "path": []}
    response = ApiClient().get("/ledger/logs/YL/proof/inclusion", index=0, size=1)
    assert response.json()["path"] == []


def test_the_old_chains_content_hashes_are_shown_nowhere(people, tree, village_catalog):
    """The old chain's content hashes are unsalted hashes of unmasked content: no public
    surface shows them any more (the old listing is gone; its head is only committed to by
    the new log's checkpoint entry)."""
    d = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "phones"),
        title="联系人",
        body="<p>身份证 11010519491231002X</p>",
    )
    d = published(people, d)
    assert d.published_revision is not None
    old = append_entry(action="publish", revision=d.published_revision)
    assert LedgerEntry.objects.count() == 1
    client = ApiClient()
    assert client.get("/ledger/").status_code == 404
    texts = [
        client.get(path).content.decode()
        for path in (
            f"/disclosures/{d.pk}",
            f"/disclosures/{d.pk}/revisions",
            f"/disclosures/{d.pk}/proof",
            "/ledger/logs/YL/entries",
            "/ledger/logs",
        )
    ]
    texts.append(client.client.get(f"/d/{d.pk}/").content.decode())
    texts.append(client.client.get("/ledger/YL/").content.decode())
    for text in texts:
        assert old.content_hash not in text
        assert "11010519491231002X" not in text
    assert client.client.get(f"/d/{d.pk}/revisions/2/canonical.json").status_code == 404


def _count(client: ApiClient, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("reader", ["anonymous", "member"])
def test_queries_do_not_grow_with_the_log(
    people, tree, village_catalog, as_person, reader, django_assert_max_num_queries
):
    def make(title: str) -> Disclosure:
        return workflow.create_disclosure(
            tree.village,
            actor=people.clerk,
            item_key=item_key(village_catalog, "phones"),
            title=title,
        )

    d = published(people, make("监督电话"))
    # Two entries, so that a path needs stored nodes (a one-leaf tree needs none).
    workflow.correct(d, actor=people.reviewer, reason="补充", title=d.title, body="<p>改</p>")
    client = as_person(reader)
    client.get("/organizations/")  # records the token's first use outside the counts
    paths = [
        "/ledger/logs/YL/entries",
        f"/disclosures/{d.pk}/proof",
        "/ledger/logs",
        "/ledger/logs/YL/heads",
        "/ledger/logs/YL/proof/inclusion?index=0&size=2",
    ]
    before = [_count(client, path) for path in paths]
    for n in range(9):
        published(people, make(f"第{n}条"))
        workflow.correct(d, actor=people.reviewer, reason=f"第{n}次", title=d.title, body=f"{n}")
    after = [_count(client, path) for path in paths]
    assert after == before
    # The log; a page of entries; which of their disclosures the caller may read (a token
    # adds the token and the roles).
    extra = 2 if reader == "member" else 0
    with django_assert_max_num_queries(3 + extra):
        client.get("/ledger/logs/YL/entries", limit=1000)
    # The disclosure; its entries; the log's latest head; the tree nodes of every path.
    with django_assert_max_num_queries(4 + extra):
        body = client.get(f"/disclosures/{d.pk}/proof").json()
    assert len(body["entries"]) == 11
    with django_assert_max_num_queries(3 + extra):
        client.get("/ledger/logs/YL/proof/inclusion", index=5, size=20)


def test_the_disclosure_shows_what_its_latest_entry_committed_to(people, cases, as_person):
    """What a verifier compares (§9.5): the API's disclosure and the document of its latest
    entry say the same, field by field."""

    def moment(text: str | None) -> dt.datetime | None:
        return dt.datetime.fromisoformat(text) if text else None

    client = as_person("member")
    for case in ("public", "party", "corrected"):
        d = cases[case]
        shown = client.get(f"/disclosures/{d.pk}").json()
        document = client.get(f"/disclosures/{d.pk}/proof").json()["entries"][-1]["document"]
        for key in ("title", "body", "data", "period", "scope", "revision"):
            assert shown[key] == document[key], (case, key)
        for key in ("publish_from", "public_from", "publicity_until"):
            assert moment(shown[key]) == moment(document[key]), (case, key)
        assert shown["item"]["key"] == document["item"]
        assert shown["organization"]["code"] == document["organization"]
        assert shown["opinions"] == document["opinions"] == []
        assert [(moment(e["at"]), e["kind"], e["role"], e["reason"]) for e in shown["events"]] == [
            (moment(e["at"]), e["kind"], e["role"], e["reason"]) for e in document["events"]
        ]
    revisions = client.get(f"/disclosures/{cases['corrected'].pk}/revisions").json()
    latest = client.get(f"/disclosures/{cases['corrected'].pk}/proof").json()["entries"][-1]
    assert revisions[-1]["note"] == latest["document"]["reason"] == "改正"
