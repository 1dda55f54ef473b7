"""Verify walks a large log in several processes, chunk by chunk, and reports exactly what
the single walk reports: the same logs and heads when all is well, the same first failure
when something was changed (the log is then walked again in one process).

The chunks are made tiny here (8 entries) and the threshold 0, so a log of a few hundred
entries takes the parallel path; the database is a file (forked workers open their own
connections), outside any test transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections

from gongkai.devtools import bench
from gongkai.devtools.synthetic import ledger as synthetic
from gongkai.disclosures.models import Event
from gongkai.ledger import verification
from gongkai.ledger.models import LogEntry, LogNode, SignedHead

ALIAS = "parallel_verify"


@pytest.fixture(scope="module")
def empty_file(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("parallel") / "log.sqlite3"
    with django_db_blocker.unblock():
        bench.register_database(ALIAS, {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)})
        call_command("migrate", database=ALIAS, verbosity=0, interactive=False)
        connections[ALIAS].close()
        bench.forget_database(ALIAS)
    yield path


@pytest.fixture
def db_copy(empty_file, tmp_path, django_db_blocker, monkeypatch, settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    copy = tmp_path / "log.sqlite3"
    copy.write_bytes(empty_file.read_bytes())
    monkeypatch.setattr(verification, "PARALLEL_FROM", 0)
    monkeypatch.setattr(verification, "CHUNK_LEVEL", 3)
    with django_db_blocker.unblock():
        bench.register_database(ALIAS, {"ENGINE": "django.db.backends.sqlite3", "NAME": str(copy)})
        # Signed with this run's key (settings of the autouse fixture).
        synthetic.build_log(203, using=ALIAS, batch=50, heads_every=20)
        yield ALIAS
        bench.forget_database(ALIAS)


def both(alias: str) -> tuple[verification.Report, verification.Report]:
    return verification.verify(using=alias, workers=2), verification.verify(using=alias, workers=1)


def test_a_clean_log_gives_the_same_report_both_ways(db_copy):
    parallel, single = both(db_copy)
    assert parallel.ok and single.ok, (parallel.failure, single.failure)
    assert parallel.logs == single.logs == {"P01": 203}
    assert parallel.heads == single.heads


def test_the_parallel_walk_alone_passes_a_clean_log(db_copy, monkeypatch):
    # Not rescued by the single walk: that one is not there.
    def no_single_walk(*args: object) -> None:
        raise AssertionError("walked in one process")

    monkeypatch.setattr(verification, "_walk", no_single_walk)
    report = verification.verify(using=db_copy, workers=2)
    assert report.ok, report.failure
    assert report.logs == {"P01": 203}


def _raw(alias: str, sql: str, *params: Any) -> None:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)


def test_a_changed_revision_is_named_the_same_both_ways(db_copy):
    revision = LogEntry.objects.using(db_copy).get(index=77).revision_id
    _raw(db_copy, "UPDATE disclosures_revision SET published_body = 'x' WHERE id = %s", revision)
    parallel, single = both(db_copy)
    assert single.failure is not None and (single.failure.index, single.failure.problem) == (
        77,
        "published",
    )
    assert parallel.failure == single.failure


def test_a_changed_node_a_missing_entry_and_a_bad_head_are_named_the_same_both_ways(db_copy):
    # A node above the chunks (level 4 covers 16 leaves: two chunks of 8).
    node = LogNode.objects.using(db_copy).get(level=4, index=3)
    _raw(db_copy, "UPDATE ledger_lognode SET hash = %s WHERE id = %s", b"\0" * 32, node.pk)
    parallel, single = both(db_copy)
    assert single.failure is not None and single.failure.problem == "node"
    assert parallel.failure == single.failure

    _raw(db_copy, "UPDATE ledger_lognode SET hash = %s WHERE id = %s", node.hash, node.pk)
    # Entry 150 moved out of its place: the count holds, the index is missing.
    _raw(db_copy, 'UPDATE ledger_logentry SET "index" = 5000 WHERE "index" = 150')
    parallel, single = both(db_copy)
    assert single.failure is not None and (single.failure.index, single.failure.problem) == (
        150,
        "missing",
    )
    assert parallel.failure == single.failure


def test_a_head_that_does_not_match_the_tree_inside_a_chunk(db_copy):
    # Heads every 20 entries: 20, 60, 100 … fall inside chunks of 8.
    head = SignedHead.objects.using(db_copy).get(size=60)
    other = SignedHead.objects.using(db_copy).get(size=100)
    _raw(
        db_copy,
        "UPDATE ledger_signedhead SET checkpoint = %s, root_hash = %s WHERE id = %s",
        other.checkpoint.replace("\n100\n", "\n60\n"),
        other.root_hash,
        head.pk,
    )
    parallel, single = both(db_copy)
    assert single.failure is not None
    assert parallel.failure == single.failure


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE disclosures_revision SET published_at = '2001-01-01 00:00:00' WHERE id = %s",
        "UPDATE disclosures_revision SET note = 'changed' WHERE id = %s",
    ],
)
def test_what_is_shown_beside_the_documents_is_named_the_same_both_ways(db_copy, sql):
    revision = LogEntry.objects.using(db_copy).get(index=77).revision_id
    _raw(db_copy, sql, revision)
    parallel, single = both(db_copy)
    assert single.failure is not None and (single.failure.index, single.failure.problem) == (
        77,
        "published",
    )
    assert parallel.failure == single.failure


def test_an_unrecorded_move_is_named_the_same_both_ways(db_copy):
    # What the workers saw of each disclosure (where its entries are) is what the single
    # walk sees: the move is reported at the disclosure's last entry.
    entry = LogEntry.objects.using(db_copy).get(index=130)
    event = Event.objects.using(db_copy).filter(disclosure_id=entry.disclosure_id).last()
    assert event is not None
    event.pk = None
    event.action = "correct"
    event.at = entry.at + dt.timedelta(days=1)
    event.save(using=db_copy)
    parallel, single = both(db_copy)
    assert single.failure is not None and (single.failure.index, single.failure.problem) == (
        130,
        "unrecorded",
    )
    assert parallel.failure == single.failure
