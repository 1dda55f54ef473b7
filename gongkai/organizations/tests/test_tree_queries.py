"""The tree queries: right answers, and the plans that keep them fast at a million rows.

No timings here (`gongkai bench` measures those). Instead the database is asked how it
would run `subtree(...).count()` and `ancestors(...)`: both must be searches of the unique
path index, never a scan of the table and never a LIKE. The suite runs on SQLite and on
PostgreSQL (whose test cluster collates in ICU Chinese), so both plans are checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.conftest import Tree, make_org
from gongkai.devtools.synthetic import organizations as synthetic
from gongkai.organizations import tree as paths
from gongkai.organizations.models import Organization
from gongkai.organizations.services import MOVE_INTO_OWN_SUBTREE, move_organization

TABLE = Organization._meta.db_table


def path_index() -> str:
    """The name of the unique B-tree index on path (not PostgreSQL's LIKE helper index)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f'PRAGMA index_list("{TABLE}")')
            names = [row[1] for row in cursor.fetchall()]
            found = []
            for name in names:
                cursor.execute(f'PRAGMA index_info("{name}")')
                if [row[2] for row in cursor.fetchall()] == ["path"]:
                    found.append(name)
        else:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [TABLE]
            )
            found = [
                name for name, definition in cursor.fetchall() if definition.endswith("(path)")
            ]
    assert len(found) == 1, found
    return found[0]


def sql_of(run: Callable[[], object]) -> str:
    with CaptureQueriesContext(connection) as captured:
        run()
    assert len(captured.captured_queries) == 1
    return captured.captured_queries[0]["sql"]


def plan_of(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            return [row[3] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN " + sql)
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def big_tree(db: None) -> synthetic.SeedSummary:
    """A few thousand organizations with fresh statistics, so the planner chooses freely."""
    summary = synthetic.load(4_000, seed=11)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else f'ANALYZE "{TABLE}"')
    return summary


def assert_searches_the_path_index(plan: list[str], *, range_scan: bool) -> None:
    index = path_index()
    text = "\n".join(plan)
    if connection.vendor == "sqlite":
        condition = r"\(path>\? AND path<\?\)" if range_scan else r"\(path=\?\)"
        assert re.search(rf"SEARCH {TABLE} USING (COVERING )?INDEX {index} {condition}", text), text
        assert not re.search(rf"^SCAN {TABLE}\b", text, re.MULTILINE), text
    else:
        assert re.search(rf"Index (Only )?Scan using {index} on {TABLE}", text), text
        assert "Seq Scan" not in text, text


def test_counting_a_subtree_is_a_range_search_of_the_path_index(
    big_tree: synthetic.SeedSummary,
) -> None:
    for code in (big_tree.small.code, big_tree.large.code):
        org = Organization.objects.get(code=code)

        sql = sql_of(Organization.objects.subtree(org).count)

        assert "LIKE" not in sql.upper()
        assert_searches_the_path_index(plan_of(sql), range_scan=True)


def test_listing_a_subtree_in_tree_order_is_a_range_search_of_the_path_index(
    big_tree: synthetic.SeedSummary,
) -> None:
    org = Organization.objects.get(code=big_tree.small.code)

    sql = sql_of(lambda: list(Organization.objects.subtree(org).in_tree_order()))

    assert "LIKE" not in sql.upper()
    assert_searches_the_path_index(plan_of(sql), range_scan=True)


def test_ancestors_are_looked_up_in_the_path_index(big_tree: synthetic.SeedSummary) -> None:
    deep = Organization.objects.get(code=big_tree.deep.code)

    sql = sql_of(lambda: list(Organization.objects.ancestors(deep)))

    assert "LIKE" not in sql.upper()
    assert_searches_the_path_index(plan_of(sql), range_scan=False)


def test_no_tree_query_uses_like(tree: Tree) -> None:
    queries = [
        lambda: Organization.objects.subtree(tree.town).count(),
        lambda: list(tree.town.descendants()),
        lambda: list(tree.village.ancestors(include_self=True)),
        lambda: list(Organization.objects.within_any([tree.town.path, tree.other_town.path])),
        lambda: Organization.next_child_path(tree.town.path),
    ]
    for query in queries:
        assert "LIKE" not in sql_of(query).upper()


# -- byte order ------------------------------------------------------------------------------


def test_the_path_column_compares_by_byte_whatever_the_database_collation(db: None) -> None:
    # Root slots 9, 10 and 36 are "0009", "000A" and "0010": digits, then letters, then carry.
    for number in (36, 9, 10):
        path = paths.encode_segment(number)
        Organization.objects.create(
            code=f"R{number}", name="根", kind="committee", path=path, depth=1
        )
    parent = Organization.objects.get(path="000A")
    child = make_org("R10-1", "子", "branch", parent)

    in_order = list(Organization.objects.in_tree_order().values_list("path", flat=True))
    assert in_order == sorted(in_order, key=lambda p: p.encode())
    assert in_order == ["0009", "000A", child.path, "0010"]
    # "~" ends every subtree's key range; a linguistic collation sorts it before the digits.
    assert list(Organization.objects.subtree(parent)) == [parent, child]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL collations")
def test_on_postgresql_the_path_column_is_collated_c_while_the_database_is_not(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT collation_name FROM information_schema.columns "
            "WHERE table_name = %s AND column_name = 'path'",
            [TABLE],
        )
        assert cursor.fetchone() == ("C",)
        cursor.execute("SELECT datlocprovider FROM pg_database WHERE datname = current_database()")
        (provider,) = cursor.fetchone() or ("",)
        if provider != "i":
            pytest.skip("the database does not collate with ICU; nothing to contrast with")
        # What the range query would see without COLLATE "C": the child outside its subtree.
        cursor.execute("SELECT '00010001' < '0001~', '00010001' < '0001~' COLLATE \"C\"")
        assert cursor.fetchone() == (False, True)


# -- correctness against a brute-force truth -------------------------------------------------


def parents_strategy(max_size: int = 14) -> st.SearchStrategy[list[int | None]]:
    """Parent pointers for a random forest: node i's parent is None or some j < i."""

    @st.composite
    def build(draw: st.DrawFn) -> list[int | None]:
        size = draw(st.integers(min_value=1, max_value=max_size))
        return [
            draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None for i in range(size)
        ]

    return build()


def truth_ancestors(parents: list[int | None], node: int) -> list[int]:
    """Root first."""
    chain = []
    parent = parents[node]
    while parent is not None:
        chain.append(parent)
        parent = parents[parent]
    return list(reversed(chain))


def truth_subtree(parents: list[int | None], node: int) -> set[int]:
    return {n for n in range(len(parents)) if n == node or node in truth_ancestors(parents, n)}


def build(parents: list[int | None]) -> list[Organization]:
    orgs: list[Organization] = []
    for i, parent in enumerate(parents):
        orgs.append(
            make_org(f"N{i}", f"节点{i}", "branch", None if parent is None else orgs[parent])
        )
    return orgs


def assert_matches_truth(orgs: list[Organization], parents: list[int | None]) -> None:
    index = {org.pk: i for i, org in enumerate(orgs)}
    fresh = {org.pk: org for org in Organization.objects.filter(pk__in=index)}
    for i, org in enumerate(orgs):
        org = fresh[org.pk]
        subtree = {
            index[pk] for pk in Organization.objects.subtree(org).values_list("pk", flat=True)
        }
        ancestors = [
            index[pk] for pk in Organization.objects.ancestors(org).values_list("pk", flat=True)
        ]
        assert subtree == truth_subtree(parents, i)
        assert ancestors == truth_ancestors(parents, i)
        assert Organization.objects.subtree(org).count() == len(subtree)
        parent_index = parents[i]
        parent = None if parent_index is None else fresh[orgs[parent_index].pk]
        assert org.parent_id == (parent.pk if parent else None)
        assert org.path[: -paths.SEGMENT] == (parent.path if parent else "")
        assert org.depth == paths.depth_of(org.path) == len(ancestors) + 1


class Rollback(Exception):
    """Leaves a hypothesis example's rows behind nobody: each example starts empty."""


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(parents=parents_strategy())
def test_subtree_and_ancestors_match_the_parent_pointers(
    db: None, parents: list[int | None]
) -> None:
    with pytest.raises(Rollback), transaction.atomic():
        assert_matches_truth(build(parents), parents)
        raise Rollback


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    parents=parents_strategy(),
    moves=st.lists(
        st.tuples(st.integers(0, 13), st.one_of(st.none(), st.integers(0, 13))), max_size=6
    ),
)
def test_moves_keep_every_path_consistent_and_never_go_below_themselves(
    db: None, parents: list[int | None], moves: list[tuple[int, int | None]]
) -> None:
    with pytest.raises(Rollback), transaction.atomic():
        orgs = build(parents)
        parents = list(parents)
        for node, target in moves:
            node %= len(orgs)
            target = None if target is None else target % len(orgs)
            new_parent = None if target is None else Organization.objects.get(pk=orgs[target].pk)
            if target is not None and node in [target, *truth_ancestors(parents, target)]:
                with pytest.raises(ValidationError) as refused:
                    move_organization(orgs[node], new_parent=new_parent)
                assert refused.value.messages == [str(MOVE_INTO_OWN_SUBTREE)]
            else:
                move_organization(orgs[node], new_parent=new_parent)
                parents[node] = target
            assert_matches_truth(orgs, parents)
        raise Rollback


def test_moving_a_town_rehangs_its_whole_subtree(tree: Tree) -> None:
    grandchild = make_org("QS-01-01", "合作社党支部", "branch", tree.village)

    moved = move_organization(tree.town, new_parent=tree.other_town)

    grandchild.refresh_from_db()
    assert moved.parent == tree.other_town
    assert moved.path.startswith(tree.other_town.path) and moved.depth == 3
    assert grandchild.path.startswith(moved.path) and grandchild.depth == 5
    assert set(Organization.objects.subtree(tree.other_town).values_list("code", flat=True)) == {
        "BS", "BS-01", "QS", "QS-01", "QS-02", "QS-01-01",
    }  # fmt: skip
    assert list(Organization.objects.ancestors(grandchild).values_list("code", flat=True)) == [
        "YL", "BS", "QS", "QS-01",
    ]  # fmt: skip


def test_it_refuses_to_move_an_organization_below_itself(tree: Tree) -> None:
    for target in (tree.town, tree.village):
        with pytest.raises(ValidationError) as refused:
            move_organization(tree.town, new_parent=target)
        assert refused.value.messages == ["不能把党组织移到它自身或其下级党组织之下。"]
    tree.town.refresh_from_db()
    assert tree.town.parent == tree.county
