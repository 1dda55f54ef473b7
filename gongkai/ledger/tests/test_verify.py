"""Tamper tests: change one byte of a published revision or of an entry, delete an entry,
swap two; verify must fail and name the first bad entry."""

import json
from datetime import timedelta
from itertools import combinations
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gongkai.disclosures.models import Revision
from gongkai.ledger.models import LedgerEntry
from gongkai.ledger.services import MISSING, MISSING_FIRST, append_entry, content_bytes, verify
from gongkai.ledger.tests.conftest import (
    T0,
    flip_one_byte,
    raw,
    rolled_back,
    set_entry,
    table,
)

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: Small batches make every tamper land on a batch edge somewhere.
BATCH_SIZES = [1, 2, 4, 10_000]


def test_a_clean_chain_verifies(chain):
    result = verify()

    assert result.ok
    assert result.checked == 6
    assert result.first_bad is None
    assert result.reason == ""
    assert result.head_hash == LedgerEntry.objects.get(sequence=6).entry_hash


def test_an_empty_ledger_verifies(db):
    assert verify() == verify().__class__(ok=True, checked=0)


@pytest.mark.parametrize("batch_size", BATCH_SIZES)
def test_every_batch_size_gives_the_same_answer(chain, batch_size):
    assert verify(batch_size=batch_size) == verify()


def test_the_database_writes_the_time_exactly_as_the_hash_line_does(
    tree, make_disclosure, make_revision
):
    # Verify reads the time as text made by the database (CanonicalTime); appending hashes
    # Python's text. A whole second (SQLite then stores no fraction), a non-UTC zone and a
    # single microsecond must all come out the same.
    disclosure = make_disclosure(tree.village, "公示")
    shanghai = ZoneInfo("Asia/Shanghai")
    moments = [
        T0.replace(microsecond=0),
        T0.astimezone(shanghai),
        T0.replace(microsecond=1).astimezone(shanghai),
        T0.replace(year=2099, month=12, day=31, hour=23, minute=59, second=59, microsecond=999999),
    ]
    for k, at in enumerate(moments):
        append_entry(
            action="publish" if k == 0 else "correct",
            revision=make_revision(disclosure, title=f"公示{k}"),
            at=at,
        )

    assert verify().ok
    assert verify().checked == 4


def test_it_reads_in_batches_never_row_by_row(tree, make_disclosure, make_revision):
    disclosures = [make_disclosure(tree.village, f"公示{k}") for k in range(5)]
    revisions = [make_revision(d, title=d.title) for d in disclosures]
    for k in range(200):
        append_entry(action="correct", revision=revisions[k % 5], at=T0)

    with CaptureQueriesContext(connection) as one_batch:
        assert verify(batch_size=500).ok
    with CaptureQueriesContext(connection) as four_batches:
        assert verify(batch_size=50).ok

    # entries, organization codes, revision contents, their attachment digests, then the
    # empty read that ends it;
    # the later batches find every organization and revision already known.
    assert len(one_batch) == 5
    assert len(four_batches) == 5 + 3


# -- a changed byte in a published revision ------------------------------------------------

#: (revision, field) -> the first entry that recorded that revision.
REVISION_FIELDS = [
    ("notice1", "title", 1),
    ("notice1", "body", 1),
    ("dues1", "title", 2),
    ("dues1", "data", 2),
    ("notice2", "body", 3),
    ("roster1", "title", 4),
    ("roster1", "body", 4),
    ("roster1", "data", 4),
    ("notice3", "title", 6),
]


def set_data_text(revision: Revision, text: str) -> None:
    cast = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    raw(f"UPDATE {table(Revision)} SET data = {cast} WHERE id = %s", [text, revision.pk])


@pytest.mark.parametrize(("name", "field", "first_bad"), REVISION_FIELDS)
@EXAMPLES
@given(position=st.integers(min_value=0, max_value=10_000))
def test_a_changed_byte_in_a_published_revision_names_the_first_entry_that_recorded_it(
    chain, name, field, first_bad, position
):
    revision = chain.revisions[name]
    with rolled_back():
        if field == "data":
            text = json.dumps(revision.data, ensure_ascii=False)
            changed = flip_one_byte(text, position)
            try:
                parsed = json.loads(changed)
            except ValueError:
                assume(False)  # not JSON any more: both databases refuse it
            assume(
                content_bytes(title="", body="", data=parsed)
                != content_bytes(title="", body="", data=revision.data)
            )
            set_data_text(revision, changed)
        else:
            Revision.objects.filter(pk=revision.pk).update(
                **{field: flip_one_byte(getattr(revision, field), position)}
            )

        result = verify(batch_size=2)

    assert not result.ok
    assert result.first_bad == first_bad
    assert result.checked == first_bad - 1
    assert result.problem == "content"


def test_content_that_no_longer_parses_is_reported_against_its_entry(chain):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's jsonb refuses text that is not JSON")
    # The column's JSON_VALID check stops this too, unless someone turns checks off.
    raw("PRAGMA ignore_check_constraints = ON", [])
    try:
        set_data_text(chain.revisions["roster1"], '{"rows": [')
    finally:
        raw("PRAGMA ignore_check_constraints = OFF", [])

    result = verify()

    assert (result.first_bad, result.problem) == (4, "unreadable")


# -- a changed byte in an entry ------------------------------------------------------------

#: column -> what verify finds wrong first.
ENTRY_COLUMNS = {
    "content_hash": "entry_hash",  # the content hash is part of the hashed line
    "previous_hash": "link",
    "entry_hash": "entry_hash",
    "action": "entry_hash",
}


@pytest.mark.parametrize(("column", "expected"), ENTRY_COLUMNS.items())
@EXAMPLES
@given(sequence=st.integers(min_value=1, max_value=6), position=st.integers(0, 63))
def test_a_changed_byte_in_an_entry_names_that_entry(chain, column, expected, sequence, position):
    entry = LedgerEntry.objects.get(sequence=sequence)
    with rolled_back():
        set_entry(sequence, column, flip_one_byte(getattr(entry, column), position))

        result = verify(batch_size=4)

    assert (result.ok, result.first_bad, result.problem) == (False, sequence, expected)
    assert result.checked == sequence - 1


@pytest.mark.parametrize("sequence", range(1, 7))
@pytest.mark.parametrize(
    "shift", [timedelta(microseconds=1), timedelta(microseconds=-1), timedelta(hours=8)]
)
def test_a_changed_time_names_that_entry(chain, sequence, shift):
    entry = LedgerEntry.objects.get(sequence=sequence)
    set_entry(sequence, "at", connection.ops.adapt_datetimefield_value(entry.at + shift))

    result = verify()

    assert (result.first_bad, result.problem) == (sequence, "entry_hash")


@pytest.mark.parametrize(
    ("sequence", "action"), [(1, "correct"), (3, "publish"), (5, "publish"), (6, "withdraw")]
)
def test_a_different_action_names_that_entry(chain, sequence, action):
    set_entry(sequence, "action", action)

    assert (verify().first_bad, verify().problem) == (sequence, "entry_hash")


def test_another_organization_names_that_entry(chain, tree):
    set_entry(2, "organization_id", tree.sibling_village.pk)

    assert (verify().first_bad, verify().problem) == (2, "entry_hash")


def test_another_disclosure_names_that_entry(chain):
    set_entry(4, "disclosure_id", chain.dues.pk)

    assert (verify().first_bad, verify().problem) == (4, "entry_hash")


def test_another_revision_with_another_number_names_that_entry(chain):
    set_entry(6, "revision_id", chain.revisions["notice2"].pk)

    assert (verify().first_bad, verify().problem) == (6, "entry_hash")


def test_the_same_revision_number_of_another_disclosure_names_that_entry(chain):
    # Revision 1 of the notice in place of revision 1 of the roster: the hashed line is the
    # same, the revision is not the roster's.
    set_entry(4, "revision_id", chain.revisions["notice1"].pk)

    result = verify()

    assert (result.first_bad, result.problem) == (4, "foreign_revision")


@pytest.mark.parametrize(
    ("column", "problem"), [("revision_id", "revision"), ("organization_id", "organization")]
)
def test_a_reference_to_nothing_names_that_entry(chain, column, problem):
    # Foreign keys are checked at commit; a database user can still write this inside a
    # transaction, or with the checks off. (Undone before the test's own check at the end.)
    with rolled_back():
        set_entry(3, column, 987654)
        result = verify()

    assert (result.first_bad, result.problem) == (3, problem)


# -- deleted and swapped entries -----------------------------------------------------------


@pytest.mark.parametrize("sequence", range(1, 6))
@pytest.mark.parametrize("batch_size", BATCH_SIZES)
def test_a_deleted_entry_is_named_at_the_gap(chain, sequence, batch_size):
    raw(f"DELETE FROM {table(LedgerEntry)} WHERE sequence = %s", [sequence])

    result = verify(batch_size=batch_size)

    assert (result.ok, result.first_bad, result.problem) == (False, sequence, "missing")
    assert result.checked == sequence - 1
    gap = MISSING if sequence > 1 else MISSING_FIRST
    assert result.reason == gap % {"previous": sequence - 1, "next": sequence + 1}


def test_a_renumbered_entry_is_named_at_the_gap(chain):
    set_entry(3, "sequence", 7)

    assert (verify().first_bad, verify().problem) == (3, "missing")


def test_cutting_off_the_tail_shows_only_against_a_recorded_head_hash(chain):
    # The chain alone cannot know it was longer: this is why the command prints the head
    # hash, to be written down or published where the database cannot reach.
    recorded = verify().head_hash
    raw(f"DELETE FROM {table(LedgerEntry)} WHERE sequence = %s", [6])

    result = verify()

    assert result.ok and result.checked == 5
    assert result.head_hash != recorded


def swap(i: int, j: int) -> None:
    parked = 10_000  # sequence is unique: one of the two waits out of the way
    set_entry(i, "sequence", parked)
    set_entry(j, "sequence", i)
    set_entry(parked, "sequence", j)


@pytest.mark.parametrize(("i", "j"), list(combinations(range(1, 7), 2)))
def test_two_swapped_entries_are_named_at_the_first(chain, i, j):
    swap(i, j)

    result = verify(batch_size=3)

    assert (result.ok, result.first_bad) == (False, i)
    assert result.problem == "link"
