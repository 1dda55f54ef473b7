"""On PostgreSQL the pages' main queries are served by the indexes made for their order
(gongkai.disclosures.models.Disclosure.Meta.indexes): run with
`scripts/with-postgres.sh .venv/bin/pytest -q gongkai/portal/tests/test_page_indexes.py`.
Skipped on SQLite, whose planner has no statistics to speak of here."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongkai.disclosures import changes

from .conftest import make_shown, reader
from .test_constant_work import _add

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's"
)


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def _ordered_by_index(plan: str) -> bool:
    """Rows come in the page's order from one of the disclosures' indexes: no sort node."""
    return "Index Scan using disclosure_" in plan and "Sort" not in plan


def _queries(url: str, client) -> list[str]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_each_page_reads_disclosures_through_its_index(people, tree, village_catalog):
    shown = make_shown(people, tree.village, village_catalog, title="东岭村监督电话")
    _add(people, tree, village_catalog, shown, 3000, 1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = reader(people, "anonymous")
    client.get("/o/QS-01/")

    # The listing rendered (stored for the public until the next move: count one).
    changes.listing_changed(tree.village.pk)
    organization = _queries("/o/QS-01/", client)
    per_item = next(q for q in organization if "UNION ALL" in q)
    # The public's items through the public rows only; a member's through all of them.
    assert "disclosure_item_public" in _plan(per_item)
    member = _queries("/o/QS-01/", reader(people, "member"))
    assert "disclosure_item_newest" in _plan(next(q for q in member if "UNION ALL" in q))
    latest = next(
        q
        for q in organization
        if 'FROM "disclosures_disclosure"' in q and "ORDER BY" in q and "UNION" not in q
        and "publicity_until\" >" not in q
    )  # fmt: skip
    # The organization's newest: an ordered index scan stopped by the LIMIT (the planner may
    # walk the organization's index or, when it holds most rows, the global newest-first
    # one), never a sort of its history.
    assert _ordered_by_index(_plan(latest))
    on_show = next(q for q in organization if '"publicity_until" >' in q)
    assert "disclosure_org_on_show" in _plan(on_show) or _ordered_by_index(_plan(on_show))

    home = _queries("/", client)
    newest = next(q for q in home if 'ORDER BY "disclosures_disclosure"."publish_from" DESC' in q)
    assert "disclosure_newest" in _plan(newest) and _ordered_by_index(_plan(newest))
