import hashlib
import re

import pytest
from django.db import transaction

from gongkai.ledger.models import APPEND_ONLY, GENESIS_HASH, AppendOnlyError, LedgerEntry
from gongkai.ledger.services import UNKNOWN_ACTION, append_entry, content_hash, head
from gongkai.ledger.tests.conftest import T0


def test_the_first_entry_is_number_one_and_links_to_the_genesis_hash(
    tree, make_disclosure, make_revision
):
    disclosure = make_disclosure(tree.village, "东岭村村务公开")
    revision = make_revision(disclosure, title="东岭村村务公开", body="<p>正文</p>")

    entry = append_entry(action="publish", revision=revision, at=T0)

    assert entry.sequence == 1
    assert entry.previous_hash == GENESIS_HASH == "0" * 64
    assert entry.organization == tree.village
    assert entry.disclosure == disclosure
    assert entry.revision == revision
    assert entry.content_hash == content_hash(revision)
    assert entry.at == T0


def test_each_entry_takes_the_next_number_and_the_hash_of_the_last_one(chain):
    entries = chain.entries()

    assert [e.sequence for e in entries] == [1, 2, 3, 4, 5, 6]
    assert [e.previous_hash for e in entries[1:]] == [e.entry_hash for e in entries[:-1]]
    assert head() == entries[-1]


def test_the_entry_hash_is_the_sha256_of_its_canonical_line(chain):
    entry = LedgerEntry.objects.get(sequence=3)

    line = entry.canonical_line()

    assert line == "|".join(
        [
            "gongkai-ledger-v1",
            "3",
            "2025-03-01T03:02:03.456791+00:00",
            "QS-01",
            str(chain.notice.pk),
            "2",
            "correct",
            entry.content_hash,
            LedgerEntry.objects.get(sequence=2).entry_hash,
        ]
    )
    assert entry.entry_hash == hashlib.sha256(line.encode()).hexdigest()


def test_a_withdrawal_names_the_revision_it_withdraws(chain):
    withdrawal = LedgerEntry.objects.get(action="withdraw")

    assert withdrawal.revision == chain.revisions["dues1"]
    assert withdrawal.content_hash == LedgerEntry.objects.get(sequence=2).content_hash


def test_the_time_defaults_to_now(tree, make_disclosure, make_revision):
    from django.utils import timezone

    disclosure = make_disclosure(tree.village, "公示")
    before = timezone.now()

    entry = append_entry(action="publish", revision=make_revision(disclosure, title="公示"))

    assert before <= entry.at <= timezone.now()


def test_a_publication_rolled_back_leaves_no_entry_and_no_gap(tree, make_disclosure, make_revision):
    disclosure = make_disclosure(tree.village, "公示")
    first = make_revision(disclosure, title="公示")
    second = make_revision(disclosure, title="公示（更正）")
    append_entry(action="publish", revision=first, at=T0)

    with pytest.raises(RuntimeError), transaction.atomic():
        append_entry(action="correct", revision=second, at=T0)
        raise RuntimeError("the workflow failed after recording")

    assert LedgerEntry.objects.count() == 1
    assert append_entry(action="correct", revision=second, at=T0).sequence == 2


@pytest.mark.parametrize("action", ["publish ", "edit", "PUBLISH", ""])
def test_it_refuses_an_unknown_action(tree, make_disclosure, make_revision, action):
    disclosure = make_disclosure(tree.village, "公示")
    revision = make_revision(disclosure, title="公示")

    with pytest.raises(ValueError, match=re.escape(str(UNKNOWN_ACTION % {"action": action}))):
        append_entry(action=action, revision=revision)

    assert not LedgerEntry.objects.exists()


def test_it_refuses_an_unsaved_revision(tree, make_disclosure, people):
    from gongkai.disclosures.models import Revision

    disclosure = make_disclosure(tree.village, "公示")
    revision = Revision(disclosure=disclosure, number=1, title="公示", created_by=people.clerk)

    with pytest.raises(ValueError):
        append_entry(action="publish", revision=revision)


def test_saving_a_recorded_entry_again_is_refused(chain):
    entry = LedgerEntry.objects.get(sequence=2)
    entry.action = "withdraw"

    with pytest.raises(AppendOnlyError, match=re.escape(str(APPEND_ONLY))):
        entry.save()

    assert LedgerEntry.objects.get(sequence=2).action == "publish"


def test_deleting_an_entry_is_refused(chain):
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.get(sequence=2).delete()

    assert LedgerEntry.objects.count() == 6


def test_bulk_changes_through_the_orm_are_refused(chain):
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(sequence=2).update(action="withdraw")
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.all().delete()

    assert LedgerEntry.objects.filter(action="withdraw").count() == 1
    assert LedgerEntry.objects.count() == 6


def test_a_revision_in_the_ledger_cannot_be_deleted(chain):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError) as refused:
        chain.revisions["roster1"].delete()

    assert {type(o) for o in refused.value.protected_objects} == {LedgerEntry}


def test_actions_read_in_chinese(chain):
    labels = [e.get_action_display() for e in chain.entries()]

    assert labels == ["发布", "发布", "更正", "发布", "撤回", "更正"]
