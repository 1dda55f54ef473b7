"""The synthetic log (devtools.synthetic.ledger) is a valid log: verify passes on it, its
documents are the ones the real builder (`documents.Records`) makes, and its tree nodes
and heads are the log's."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongkai.devtools.synthetic import ledger as synthetic
from gongkai.disclosures.models import Disclosure, Event, Revision
from gongkai.ledger import log as ledger
from gongkai.ledger import merkle, notes, signing, verification
from gongkai.ledger.canonical import canonical_json
from gongkai.ledger.documents import Records, Subject
from gongkai.ledger.models import Log, LogEntry, LogNode, SignedHead
from gongkai.organizations.models import Organization

pytestmark = pytest.mark.django_db


def test_the_synthetic_log_verifies_and_its_documents_are_the_real_builders(settings):
    summary = synthetic.build_log(130, using="default", batch=40, heads_every=50)

    assert (summary.disclosures, summary.entries, summary.logs) == (130, 130, 1)
    report = verification.verify()
    assert report.ok, report.failure
    assert report.checked == 130
    entries = list(LogEntry.objects.order_by("index"))
    subjects = [Subject(e.kind, e.disclosure_id, e.revision_id, e.event_id, e.at) for e in entries]
    records = Records.load(subjects)
    for entry, subject in zip(entries, subjects, strict=True):
        published, sealed = records.documents(subject)
        assert canonical_json(published).decode() == entry.document
        assert ledger.sealed_hash_of(entry.salt, canonical_json(sealed)) == entry.sealed_hash
    # Some published documents differ from the sealed text (a masked number), some carry a
    # table with a whole amount written as an integer.
    assert any("139****" in e.document for e in entries)
    assert any('"金额":' in e.document for e in entries)


def test_its_nodes_and_heads_are_the_trees(settings):
    synthetic.build_log(70, using="default", batch=32, heads_every=25)
    log = Log.objects.get()
    leaves = [
        bytes.fromhex(h)
        for h in LogEntry.objects.order_by("index").values_list("leaf_hash", flat=True)
    ]
    assert log.size == 70 and log.root_hash == merkle.root(leaves).hex()
    # Every perfect subtree is stored: 70 leaves, 35 + 17 + 8 + 4 + 2 + 1 above them.
    assert LogNode.objects.filter(log=log).count() == 70 + 35 + 17 + 8 + 4 + 2 + 1
    sizes = list(SignedHead.objects.filter(log=log).order_by("size").values_list("size", flat=True))
    assert sizes == [25, 50, 70]
    for head in SignedHead.objects.filter(log=log):
        checkpoint = notes.verify_checkpoint(
            head.checkpoint, signing.verifiers(), origin=ledger.origin_of(log)
        )
        assert checkpoint.root == merkle.root(leaves[: head.size])
    for index in (0, 33, 69):
        path = ledger.inclusion(log, index, 70)
        assert merkle.verify_inclusion(leaves[index], index, 70, path, merkle.root(leaves))


def test_it_continues_a_log_and_spreads_over_every_organization(settings):
    synthetic.build_log(30, using="default", seed=2)
    synthetic.build_log(450, using="default", seed=3, batch=100)
    assert verification.verify().ok
    assert Log.objects.get().size == 480
    organizations = set(Disclosure.objects.values_list("organization_id", flat=True))
    assert organizations == set(Organization.objects.values_list("pk", flat=True))
    assert Revision.objects.count() == 480
    assert Event.objects.filter(action="publish").count() == 480


def test_the_nodes_only_tree_serves_proofs_in_one_indexed_query(settings):
    summary = synthetic.build_nodes(300, using="default", batch=64)
    log = Log.objects.get()
    leaves = [synthetic.synthetic_leaf(i) for i in range(300)]
    assert (
        summary.nodes
        == LogNode.objects.filter(log=log).count()
        == 300 + 150 + 75 + 37 + 18 + 9 + 4 + 2 + 1
    )
    assert log.size == 300 and log.root_hash == merkle.root(leaves).hex() == summary.root_hash
    heads = list(SignedHead.objects.filter(log=log).order_by("size"))
    assert [h.size for h in heads] == [150, 300]
    with CaptureQueriesContext(connection) as captured:
        path = ledger.inclusion(log, 123, 300)
    assert len(captured.captured_queries) == 1
    assert merkle.verify_inclusion(leaves[123], 123, 300, path, merkle.root(leaves))
    assert merkle.verify_consistency(
        150,
        300,
        bytes.fromhex(heads[0].root_hash),
        merkle.root(leaves),
        ledger.consistency(log, 150, 300),
    )
    if connection.vendor != "sqlite":
        return  # the plan below is SQLite's; PostgreSQL's is in the bench's figures
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + captured.captured_queries[0]["sql"])
        plan = [str(row[-1]) for row in cursor.fetchall()]
    searches = [line for line in plan if line.startswith("SEARCH")]
    assert searches and all("(log_id=? AND level=? AND index=?)" in line for line in searches), plan
