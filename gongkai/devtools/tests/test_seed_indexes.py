"""The indexes a bulk load sets aside (`devtools.synthetic.indexes`): only those that enforce
nothing, and built again exactly as they were."""

import pytest
from django.db import connection

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
    names = {index.name for index in found}
    # The indexes the portal's pages read by are among them.
    assert {"disclosure_org_newest", "disclosure_item_public", "event_timeline"} <= names
    for index in found:
        info = constraints[index.table][index.name]
        assert info["index"] and not info["unique"] and not info["primary_key"], index
        assert index.name in index.definition
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


def test_set_aside_builds_them_again_when_the_load_fails():
    before = _constraints()
    with pytest.raises(ZeroDivisionError), indexes.set_aside("default", [Disclosure, Event]):
        assert "disclosure_org_newest" not in _constraints()[Disclosure._meta.db_table]
        1 / 0  # noqa: B018
    assert _constraints() == before
