"""The transparency log end to end: a publication, a correction and a withdrawal become
entries of the organization's log, heads are signed, verify passes, and a change to what
readers see is named at the entry that committed to it."""

from __future__ import annotations

import json

import pytest

from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure, Revision
from gongkai.disclosures.tests.conftest import published
from gongkai.ledger import log as ledger
from gongkai.ledger import merkle, notes, signing, verification
from gongkai.ledger.models import Kind, Log, LogEntry, SignedHead

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(people, draft):  # type: ignore[no-untyped-def]
    published(people, draft)
    workflow.correct(
        draft, actor=people.reviewer, reason="电话号码有误", title=draft.title, body="<p>改正</p>"
    )
    return draft


def test_moves_become_entries_of_the_top_level_log(tree, story):
    log = Log.objects.get()
    assert log.root == tree.county
    entries = list(LogEntry.objects.order_by("index"))
    assert [e.kind for e in entries] == [Kind.PUBLISH, Kind.CORRECT]
    assert [e.index for e in entries] == [0, 1]
    document = json.loads(entries[1].document)
    assert document["reason"] == "电话号码有误"
    assert document["body"] == "<p>改正</p>"
    assert SignedHead.objects.filter(log=log, size=2).exists()


def test_verify_passes_and_fails_on_a_changed_revision(story):
    report = verification.verify()
    assert report.ok, report.failure
    assert report.logs == {"YL": 2}
    corrected = LogEntry.objects.get(kind=Kind.CORRECT).revision
    assert corrected is not None
    Revision.objects.filter(pk=corrected.pk).update(published_body="<p>篡改</p>")
    report = verification.verify()
    assert not report.ok
    assert report.failure is not None
    assert (report.failure.log, report.failure.index, report.failure.problem) == (
        "YL",
        1,
        "published",
    ), report.failure.reason


def test_head_checkpoint_verifies_and_inclusion_proof_holds(story):
    log = Log.objects.get()
    head = ledger.latest_head(log)
    assert head is not None
    checkpoint = notes.verify_checkpoint(
        head.checkpoint, signing.verifiers(), origin="gongkai.test/YL"
    )
    for entry in LogEntry.objects.filter(log=log):
        path = ledger.inclusion(log, entry.index, checkpoint.size)
        assert merkle.verify_inclusion(
            bytes.fromhex(entry.leaf_hash), entry.index, checkpoint.size, path, checkpoint.root
        )


def test_withdrawal_then_reverting_it_is_caught(people, story):
    workflow.withdraw(story, actor=people.reviewer, reason="内容过期")
    assert verification.verify().ok
    Disclosure.objects.filter(pk=story.pk).update(state="published")
    report = verification.verify()
    assert report.failure is not None and report.failure.problem == "state"


def test_the_how_to_page_works_a_live_example_through_to_the_signed_head(client, story):
    """如何核验 takes the latest public entry of the live log and recomputes it step by step:
    both the commitment and the leaf hash it computes match the entry."""
    entry = LogEntry.objects.filter(kind=Kind.PUBLISH).order_by("-index").first()
    assert entry is not None
    page = client.get("/ledger/how/").content.decode()
    assert entry.leaf_hash in page and entry.commitment in page
    assert page.count("与记录一致") >= 2 and "与记录不符" not in page
