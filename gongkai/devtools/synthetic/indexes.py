"""Secondary indexes set aside during a bulk load and built again after it.

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
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.db import connections, models

#: PostgreSQL's memory for building the indexes again (its default, 64 MB, spills a GIN
#: index of a million entries to disk in many runs).
BUILD_MEMORY = "256MB"


@dataclass(frozen=True, slots=True)
class SetAside:
    table: str
    name: str
    definition: str


def removable(using: str, tables: Sequence[str]) -> list[SetAside]:
    """The indexes of `tables` that enforce nothing (see the module docstring), in a stable
    order."""
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
            return [SetAside(*row) for row in cursor.fetchall()]
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
    with connection.cursor() as cursor:
        for index in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(index.name)}")


def build(using: str, indexes: Sequence[SetAside]) -> None:
    """Create `indexes` again (those still missing), from their definitions."""
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
        try:
            for index in indexes:
                if index.name not in present:
                    cursor.execute(index.definition)
        finally:
            if postgres:
                cursor.execute("SELECT set_config('maintenance_work_mem', %s, false)", [memory])


@contextlib.contextmanager
def set_aside(using: str, models_: Sequence[type[models.Model]]) -> Iterator[list[SetAside]]:
    """Around a bulk load into the tables of `models_`: their indexes that enforce nothing
    are dropped on entry and built again on leaving, also when the load failed."""
    indexes = removable(using, [model._meta.db_table for model in models_])
    drop(using, indexes)
    try:
        yield indexes
    finally:
        build(using, indexes)
