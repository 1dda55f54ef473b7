"""The indexes a bulk load sets aside (`devtools.synthetic.indexes`): only those that enforce
nothing, and on PostgreSQL the foreign keys, built again exactly as they were; a foreign key
broken while it was set aside fails the load."""

import datetime as dt
import uuid
from typing import Any

import pytest
from django.db import IntegrityError, ProgrammingError, connection, transaction

from gongkai.devtools.synthetic import indexes
from gongkai.disclosures.models import Disclosure, Event, Revision
from gongkai.ledger.models import LogEntry, LogNode, SignedHead
from gongkai.search.models import Entry

pytestmark = pytest.mark.django_db

TABLES = [
    model._meta.db_table
    for model in (Disclosure, Revision, Event, LogEntry, LogNode, SignedHead, Entry)
]


def _constraints() -> dict[str, dict[str, dict]]:
    with connection.cursor() as cursor:
        return {table: connection.introspection.get_constraints(cursor, table) for table in TABLES}


def _foreign_columns(table: str) -> set[str]:
    return {
        info["columns"][0]
        for info in _constraints()[table].values()
        if info["foreign_key"] and len(info["columns"]) == 1
    }


def test_only_indexes_that_enforce_nothing_are_set_aside():
    found = indexes.removable("default", TABLES)
    constraints = _constraints()
    names = {index.name for index in found if not index.foreign_key}
    # The indexes the portal's pages read by are among them.
    assert {"disclosure_org_newest", "disclosure_item_public", "event_timeline"} <= names
    for index in found:
        info = constraints[index.table][index.name]
        assert index.name in index.definition
        if index.foreign_key:
            assert info["foreign_key"] and connection.vendor == "postgresql", index
            continue
        assert info["index"] and not info["unique"] and not info["primary_key"], index
        if connection.vendor == "sqlite":
            # SQLite checks a deferred foreign key from the parent's side by this index.
            assert info["columns"] != [] and not (
                len(info["columns"]) == 1 and info["columns"][0] in _foreign_columns(index.table)
            ), index
    unique = {
        name
        for table in TABLES
        for name, info in constraints[table].items()
        if info["unique"] or info["primary_key"]
    }
    assert unique and not (unique & names)
    # On PostgreSQL every foreign key of the tables, and nothing else (SQLite's are not
    # checked while loading: `PRAGMA foreign_keys` off).
    keys = {
        (table, name)
        for table in TABLES
        for name, info in constraints[table].items()
        if info["foreign_key"]
    }
    set_aside = {(index.table, index.name) for index in found if index.foreign_key}
    assert keys and set_aside == (keys if connection.vendor == "postgresql" else set())


def _definitions() -> list[tuple[str, str]]:
    """PostgreSQL's own text of every constraint and index of the tables (deferrability
    included, which `get_constraints` does not say)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid::regclass::text = ANY(%s) "
            "UNION ALL SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "ORDER BY 1, 2",
            [TABLES, TABLES],
        )
        return cursor.fetchall()


def test_what_is_set_aside_is_built_again_as_it_was():
    before = _constraints()
    found = indexes.removable("default", TABLES)
    indexes.drop("default", found)
    between = _constraints()
    for index in found:
        assert index.name not in between[index.table]
    indexes.build("default", found)
    assert _constraints() == before
    indexes.build("default", found)  # building again builds nothing twice
    assert _constraints() == before


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's foreign keys are set aside"
)
def test_foreign_keys_come_back_deferrable_as_they_were_and_a_broken_one_fails_the_load(people):
    before = _definitions()
    assert any("DEFERRABLE INITIALLY DEFERRED" in rule for _name, rule in before)
    with transaction.atomic(), indexes.set_aside("default", [Revision, Disclosure, Event]):
        pass
    assert _definitions() == before
    with transaction.atomic():
        refused = pytest.raises(IntegrityError, match="violates foreign key constraint")
        with refused, indexes.set_aside("default", [Revision, Event]):
            # No disclosure has this number: while the key is set aside nothing says so.
            Revision.objects.create(
                disclosure_id=2_000_000_000, number=1, title="孤立修订", created_by=people.clerk
            )
        # Everything else was built again; the broken key stays off until the row is mended.
        broken = {
            (name, rule)
            for name, rule in before
            if rule.startswith("FOREIGN KEY (disclosure_id)")
            and name.startswith("disclosures_revision")
        }
        assert len(broken) == 1
        assert set(_definitions()) == set(before) - broken
        transaction.set_rollback(True)
    assert _definitions() == before


def test_set_aside_builds_them_again_when_the_load_fails():
    before = _constraints()
    with pytest.raises(ZeroDivisionError), indexes.set_aside("default", [Disclosure, Event]):
        assert "disclosure_org_newest" not in _constraints()[Disclosure._meta.db_table]
        1 / 0  # noqa: B018
    assert _constraints() == before


def test_a_load_that_broke_the_callers_transaction_leaves_the_building_to_its_rollback(people):
    # A statement that failed inside a caller's transaction has aborted it: nothing can be
    # built then, and its rollback puts back what was set aside (both databases' DDL is
    # transactional). The load's own error is the one raised.
    before = _constraints()
    with pytest.raises(IntegrityError, match=r"(?i)not.null"), transaction.atomic():  # noqa: SIM117
        with indexes.set_aside("default", [Revision, Event]):
            Revision.objects.create(number=1, title="无主修订", created_by=people.clerk)
    assert _constraints() == before


def _beside_on_postgresql(test):  # type: ignore[no-untyped-def]
    """For a test of what `build` does beside the caller's connection: PostgreSQL builds its
    GIN index on one core, and only outside a transaction can another connection see it."""
    test = pytest.mark.django_db(transaction=True)(test)
    reason = "PostgreSQL builds its GIN index on one core"
    return pytest.mark.skipif(connection.vendor != "postgresql", reason=reason)(test)


def _statements_of_this_connection() -> tuple[list[str], Any]:
    seen: list[str] = []

    def spy(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        seen.append(sql)
        return execute(sql, params, many, context)

    return seen, connection.execute_wrapper(spy)


@_beside_on_postgresql
def test_outside_a_transaction_the_gin_index_is_built_beside_the_rest():
    before = _definitions()
    found = indexes.removable("default", TABLES)
    gin = [index for index in found if " USING gin " in index.definition]
    assert [index.name for index in gin] == ["search_entry_tsv"]
    indexes.drop("default", found)
    seen, spying = _statements_of_this_connection()
    with spying:
        indexes.build("default", found)
    assert _definitions() == before
    # Everything else through this connection, the GIN index through another one.
    assert set(seen) >= {index.definition for index in found if index not in gin}
    assert not any("USING gin" in sql for sql in seen)
    # Inside a transaction all through this one (another connection could not see it).
    with transaction.atomic():
        indexes.drop("default", found)
        seen, spying = _statements_of_this_connection()
        with spying:
            indexes.build("default", found)
    assert gin[0].definition in seen
    assert _definitions() == before


@_beside_on_postgresql
def test_a_build_beside_that_fails_is_raised_once_the_rest_is_built():
    before = _definitions()
    found = indexes.removable("default", TABLES)
    indexes.drop("default", found)
    broken = indexes.SetAside(
        "search_entry", "broken", "CREATE INDEX broken ON search_entry USING gin (no_column)"
    )
    with pytest.raises(ProgrammingError, match="no_column"):
        indexes.build("default", [*found, broken])
    assert _definitions() == before


def _forget_statistics() -> None:
    """SQLite's statistics are rows of a table: gone for this test. PostgreSQL's outlive a
    test that committed (flushing does not reset them): each load below writes a marker of
    its own, and the statistics are looked for that marker."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE sqlite_schema")  # makes sqlite_stat1 where missing
            cursor.execute("DELETE FROM sqlite_stat1")


def _analyzed(marker: str) -> bool:
    """Whether the statistics know this load: on PostgreSQL its marker is the one common
    value of `period`; SQLite keeps statistics of the table's indexes."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_stats WHERE tablename = 'search_entry' "
                "AND attname = 'period' AND most_common_vals::text LIKE %s",
                [f"%{marker}%"],
            )
        else:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'search_entry'")
        return int(cursor.fetchone()[0]) > 0


def _load_entries(tree) -> str:  # type: ignore[no-untyped-def]
    from gongkai.search import index
    from gongkai.search.tests.entries import opinion_entry

    marker = uuid.uuid4().hex
    at = dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC)
    for n in range(40):
        entry = opinion_entry(tree.village, n + 1, date=at, title=f"第{n}期党费", period=marker)
        index._put(entry)
    return marker


def _analyzed_after_a_load(tree) -> None:  # type: ignore[no-untyped-def]
    _forget_statistics()
    with indexes.set_aside("default", [Entry], analyze=True):
        marker = _load_entries(tree)
        assert not _analyzed(marker)
    assert _analyzed(marker)
    assert Entry.objects.filter(period=marker).count() == 40


def test_a_load_that_succeeded_is_analyzed_once_its_indexes_are_built(tree):
    _analyzed_after_a_load(tree)


@_beside_on_postgresql
def test_outside_a_transaction_the_search_table_is_analyzed_beside_too(tree):
    before = _definitions()
    _analyzed_after_a_load(tree)
    assert _definitions() == before


def test_a_load_that_failed_is_not_analyzed(tree):
    _forget_statistics()
    with pytest.raises(ZeroDivisionError), indexes.set_aside("default", [Entry], analyze=True):
        marker = _load_entries(tree)
        1 / 0  # noqa: B018
    assert not _analyzed(marker)
