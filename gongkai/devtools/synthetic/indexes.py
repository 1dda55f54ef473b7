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


def build(using: str, indexes: Sequence[SetAside]) -> None:
    """Create `indexes` again (those still missing), from their definitions: the indexes,
    then the foreign keys (each validated over its table as it is added)."""
    if not indexes:
        return
    connection = connections[using]
    _settle(using)
    with connection.cursor() as cursor:
        present: set[str] = set()
        for table in {index.table for index in indexes}:
            present |= set(connection.introspection.get_constraints(cursor, table))
        postgres = connection.vendor == "postgresql"
        if postgres:
            cursor.execute("SHOW maintenance_work_mem")
            memory = cursor.fetchone()[0]
            cursor.execute("SELECT set_config('maintenance_work_mem', %s, false)", [BUILD_MEMORY])
        failed: list[DatabaseError] = []
        try:
            for index in sorted(indexes, key=lambda index: index.foreign_key):
                if index.name in present:
                    continue
                # Each on its own (a savepoint inside a caller's transaction): one that fails,
                # a foreign key a row breaks, leaves the others built; the first failure is
                # raised when they are.
                try:
                    with transaction.atomic(using=using):
                        cursor.execute(index.definition)
                except DatabaseError as exc:
                    failed.append(exc)
        finally:
            if postgres:
                cursor.execute("SELECT set_config('maintenance_work_mem', %s, false)", [memory])
        if failed:
            raise failed[0]


@contextlib.contextmanager
def set_aside(using: str, models_: Sequence[type[models.Model]]) -> Iterator[list[SetAside]]:
    """Around a bulk load into the tables of `models_`: their indexes that enforce nothing
    are dropped on entry and built again on leaving, also when the load failed."""
    indexes = removable(using, [model._meta.db_table for model in models_])
    drop(using, indexes)
    try:
        yield indexes
    finally:
        # A failure that aborted a caller's transaction leaves the building to its rollback,
        # which restores what was set aside, and lets the failure itself be raised.
        if not connections[using].needs_rollback:
            build(using, indexes)
