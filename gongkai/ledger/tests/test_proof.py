import hashlib

from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongkai.ledger.services import proof


def test_a_disclosure_s_proof_lists_its_own_entries_in_chain_order(chain):
    entries = proof(chain.notice)

    assert [(e.sequence, e.action, e.revision.number) for e in entries] == [
        (1, "publish", 1),
        (3, "correct", 2),
        (6, "correct", 3),
    ]
    assert [e.sequence for e in proof(chain.dues)] == [2, 5]


def test_each_entry_of_the_proof_can_be_recomputed_by_anyone(chain):
    for entry in proof(chain.dues):
        line = entry.canonical_line()
        assert hashlib.sha256(line.encode("utf-8")).hexdigest() == entry.entry_hash
        assert entry.previous_hash in line
        assert entry.content_hash in line


def test_the_proof_is_one_query(chain):
    with CaptureQueriesContext(connection) as queries:
        entries = proof(chain.notice)
        lines = [e.canonical_line() for e in entries]

    assert len(lines) == 3
    assert len(queries) == 1


def test_a_disclosure_never_published_has_an_empty_proof(tree, make_disclosure):
    assert proof(make_disclosure(tree.village, "草稿")) == []


def test_the_admin_lists_entries_and_offers_no_change(chain, people):
    from gongkai.conftest import client_for

    client = client_for(people.admin)

    listing = client.get("/admin/ledger/ledgerentry/")
    entry = chain.entries()[0]
    detail = client.get(f"/admin/ledger/ledgerentry/{entry.pk}/change/")

    assert listing.status_code == 200
    assert entry.entry_hash in listing.content.decode()
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    assert client.post(f"/admin/ledger/ledgerentry/{entry.pk}/delete/").status_code == 403
