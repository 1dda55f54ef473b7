"""Secondary indexes, and on PostgreSQL foreign keys, set aside during a bulk load and built
again after it.

A seed of a million disclosures writes each row once, but every secondary index of its table
is a B-tree updated row by row at a random place (by organization, by item, by time): at that
size those updates were a quarter of the seed's time on SQLite. Built once at the end, from
the finished table, each costs a sort. This is the advice of both databases' manuals for
populating a database (PostgreSQL: "Remove Indexes"; SQLite builds an index by sorting).

What is set aside: the indexes that enforce nothing — not the primary keys, not a unique
index or one behind a constraint, and on SQLite not an index on a single foreign-key column
(SQLite checks a deferred foreign key from the parent's side by that index: without it, each
parent row inserted scans the child table). Their definitions are read from the database
(`sqlite_master.sql`, `pg_get_indexdef`), so an index a migration adds later is handled
too, and they are built again when the load ends, whether it succeeded or failed.

On PostgreSQL the foreign keys of the loaded tables are set aside too (the manual's "Remove
Foreign Key Constraints"): each row inserted queues a check of each of its keys, run one
row at a time when the batch commits (on two cores, a seed of 200,000 disclosures took
101 s with them and 82 s without; of a million, 429 s and 379 s).
Added again at the end (`pg_get_constraintdef`, so deferrable as they were), each is
validated over the whole table at once: a row the load wrote with a missing parent fails
the load there, as the row-by-row check would have failed its batch. SQLite's are not
checked while loading at all (`PRAGMA foreign_keys` off, `disclosures._bulk_writes`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.db import DatabaseError, connections, models, transaction

#: PostgreSQL's memory for building the indexes again (its default, 64 MB, spills a GIN
#: index of a million entries to disk in many runs).
BUILD_MEMORY = "256MB"


@dataclass(frozen=True, slots=True)
class SetAside:
    table: str
    name: str
    #: The statement that builds it again.
    definition: str
    foreign_key: bool = False


def removable(using: str, tables: Sequence[str]) -> list[SetAside]:
    """The indexes of `tables` that enforce nothing and, on PostgreSQL, their foreign keys
    (see the module docstring), in a stable order."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid) "
                "FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "JOIN pg_class t ON t.oid = x.indrelid "
                "WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace "
                "AND NOT x.indisunique AND NOT x.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
                "ORDER BY t.relname, i.relname",
                [list(tables)],
            )
            found = [SetAside(*row) for row in cursor.fetchall()]
            cursor.execute(
                "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) "
                "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
                "WHERE c.contype = 'f' AND t.relname = ANY(%s) "
                "AND t.relnamespace = current_schema()::regnamespace "
                "ORDER BY t.relname, c.conname",
                [list(tables)],
            )
            q = connection.ops.quote_name
            return found + [
                SetAside(
                    table, name, f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {rule}", True
                )
                for table, name, rule in cursor.fetchall()
            ]
        if connection.vendor != "sqlite":
            return []
        cursor.execute("PRAGMA foreign_keys")
        checked = bool(cursor.fetchone()[0])
        found = []
        for table in sorted(tables):
            cursor.execute(f"PRAGMA foreign_key_list({connection.ops.quote_name(table)})")
            foreign = {row[3] for row in cursor.fetchall()} if checked else set()
            cursor.execute(f"PRAGMA index_list({connection.ops.quote_name(table)})")
            unique = {row[1]: bool(row[2]) for row in cursor.fetchall()}
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL ORDER BY name",
                [table],
            )
            for name, sql in cursor.fetchall():
                cursor.execute(f"PRAGMA index_info({connection.ops.quote_name(name)})")
                columns = [row[2] for row in cursor.fetchall()]
                if unique.get(name) or (len(columns) == 1 and columns[0] in foreign):
                    continue
                found.append(SetAside(table, name, sql))
        return found


def _settle(using: str) -> None:
    """PostgreSQL refuses to change a table's indexes while deferred foreign-key checks
    on it are pending (a load inside a caller's transaction): run them now, as Django's
    `check_constraints` does (SET CONSTRAINTS ALL IMMEDIATE, then DEFERRED again)."""
    connection = connections[using]
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        connection.check_constraints()


def drop(using: str, indexes: Sequence[SetAside]) -> None:
    connection = connections[using]
    _settle(using)
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for index in indexes:
            if index.foreign_key:
                cursor.execute(f"ALTER TABLE {q(index.table)} DROP CONSTRAINT {q(index.name)}")
            else:
                cursor.execute(f"DROP INDEX {q(index.name)}")


def build(using: str, indexes: Sequence[SetAside], analyze: Sequence[str] = ()) -> None:
    """Create `indexes` again (those still missing), from their definitions: the indexes,
    then the foreign keys (each validated over its table as it is added); then ANALYZE the
    tables `analyze` names.

    On PostgreSQL outside a transaction, the GIN indexes are built on a connection of their
    own beside the rest: PostgreSQL 15 builds a GIN index on one core (B-trees take parallel
    workers), and the search index's took 55 of the 89 s these builds and ANALYZE took at a
    million disclosures, one core idle. Their tables are analyzed there first (ANALYZE reads
    no index on PostgreSQL, and would wait for the build's lock after it); their foreign keys
    come last here, as adding one waits for the index build on its table to end."""
    connection = connections[using]
    missing: list[SetAside] = []
    if indexes:
        _settle(using)
        with connection.cursor() as cursor:
            present: set[str] = set()
            for table in {index.table for index in indexes}:
                present |= set(connection.introspection.get_constraints(cursor, table))
        missing = [index for index in indexes if index.name not in present]
    beside: list[SetAside] = []
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        beside = [index for index in missing if _one_core(index)]
    waiting = {index.table for index in beside}
    here = [index for index in missing if index not in beside]
    failed: list[BaseException] = []
    thread = None
    if beside and here:
        thread = threading.Thread(
            target=_build_on_own_connection,
            args=(using, beside, [t for t in analyze if t in waiting], failed),
            name="index-build",
        )
        thread.start()
        last = [index for index in here if index.foreign_key and index.table in waiting]
        first = [index for index in here if index not in last]
        steps: list[SetAside | str] = [
            *sorted(first, key=lambda index: index.foreign_key),
            *[table for table in analyze if table not in waiting],
            *last,
        ]
    else:
        steps = [*sorted(missing, key=lambda index: index.foreign_key), *analyze]
    try:
        _build_each(using, steps, failed)
    finally:
        if thread is not None:
            thread.join()
    if failed:
        raise failed[0]


def _one_core(index: SetAside) -> bool:
    return not index.foreign_key and " USING gin " in index.definition


def _build_each(using: str, steps: Sequence[SetAside | str], failed: list[BaseException]) -> None:
    """Each index or key on its own (a savepoint inside a caller's transaction): one that
    fails, a foreign key a row breaks, leaves the others built; its error is kept in
    `failed`. A table name is analyzed, unless something failed."""
    connection = connections[using]
    postgres = connection.vendor == "postgresql"
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for step in steps:
            if isinstance(step, str):
                if not failed:
                    cursor.execute(f"ANALYZE {q(step)}")
                continue
            try:
                with transaction.atomic(using=using):
                    if postgres:  # for this transaction only
                        cursor.execute(
                            "SELECT set_config('maintenance_work_mem', %s, true)", [BUILD_MEMORY]
                        )
                    cursor.execute(step.definition)
            except DatabaseError as exc:
                failed.append(exc)


def _build_on_own_connection(
    using: str, indexes: Sequence[SetAside], analyze: Sequence[str], failed: list[BaseException]
) -> None:
    """In a thread of its own, with that thread's own connection: ANALYZE `analyze`, then
    build `indexes` (`_build_each`)."""
    try:
        _build_each(using, [*analyze, *indexes], failed)
    except BaseException as exc:  # raised by `build` once the caller's thread has joined
        failed.append(exc)
    finally:
        connections[using].close()


@contextlib.contextmanager
def set_aside(
    using: str, models_: Sequence[type[models.Model]], *, analyze: bool = False
) -> Iterator[list[SetAside]]:
    """Around a bulk load into the tables of `models_`: their indexes that enforce nothing
    are dropped on entry and built again on leaving, also when the load failed; after a
    load that succeeded, with `analyze`, the tables are analyzed too."""
    tables = [model._meta.db_table for model in models_]
    indexes = removable(using, tables)
    drop(using, indexes)
    try:
        yield indexes
    except BaseException:
        # A failure that aborted a caller's transaction leaves the building to its rollback,
        # which restores what was set aside, and lets the failure itself be raised.
        if not connections[using].needs_rollback:
            build(using, indexes)
        raise
    build(using, indexes, tables if analyze else ())
