"""The synthetic tree behind `gongkai seed` and `gongkai bench`: deterministic, exactly the
size asked for, realistic in shape, and with every path consistent with its parent."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from gongkai.conftest import Tree
from gongkai.devtools.synthetic import organizations as synthetic
from gongkai.organizations import tree
from gongkai.organizations.models import Organization


def loaded(total: int, seed: int) -> list[tuple[str, str, str, str | None]]:
    """Load the tree into an empty table, read it back, and roll it all away again."""
    with transaction.atomic():
        assert not Organization.objects.exists()
        synthetic.load(total, seed)
        rows = [
            (org.code, org.name, org.kind, org.parent.code if org.parent else None)
            for org in Organization.objects.select_related("parent").order_by("code")
        ]
        transaction.set_rollback(True)
    return rows


def test_the_same_seed_gives_the_same_tree_and_another_seed_another(db: None) -> None:
    first = loaded(400, seed=7)
    again = loaded(400, seed=7)
    other = loaded(400, seed=8)

    assert first == again
    assert len(first) == 400
    assert other != first


@pytest.mark.parametrize("total", [1, 2, 7, 60, 1_000, 4_321])
def test_it_generates_exactly_the_number_asked_for_with_unique_codes_and_paths(total: int) -> None:
    rows = list(synthetic.generate(total, seed=1))

    assert len(rows) == total
    assert len({r.code for r in rows}) == total
    assert len({r.path for r in rows}) == total
    assert max(len(r.code) for r in rows) <= 32
    assert max(len(r.name) for r in rows) <= 100


def test_every_parent_comes_before_its_children_and_sizes_add_up() -> None:
    rows = list(synthetic.generate(3_000, seed=2))
    for row in rows:
        if row.parent_index is not None:
            parent = rows[row.parent_index]
            assert parent.index < row.index
            assert row.path == parent.path + row.path[-tree.SEGMENT :]
            assert row.code.startswith(parent.code + "-")
    by_path = {r.path: r for r in rows}
    counted: Counter[str] = Counter()
    for row in rows:
        for ancestor in tree.ancestor_paths(row.path, include_self=True):
            counted[ancestor] += 1
    assert all(counted[path] == org.size for path, org in by_path.items())


def test_the_tree_has_the_shape_of_a_province() -> None:
    rows = list(synthetic.generate(20_000, seed=1))
    by_depth = Counter(r.depth for r in rows)
    kinds = Counter(str(r.kind) for r in rows)

    assert by_depth[1] == 1 and rows[0].name.endswith("省委")
    assert all(r.name.endswith("市委") for r in rows if r.depth == 2 and r.kind == "committee")
    assert max(by_depth) == 6  # province, city, county, town, general branch, branch
    assert kinds["branch"] > 0.9 * len(rows)
    assert kinds["general_branch"] and kinds["party_group"]
    assert any(r.name.endswith("网格党支部") for r in rows)


def test_it_records_a_subtree_of_about_five_percent() -> None:
    summary = synthetic.describe(100_000, seed=1)

    assert 3_500 <= summary.large.size <= 6_500  # about 50,000 at a million
    assert summary.small.size == 30
    assert summary.deep.depth == 6


@pytest.mark.parametrize(
    "number, text",
    [(1, "一"), (10, "十"), (13, "十三"), (30, "三十"), (105, "一百零五"), (110, "一百一十")],
)
def test_chinese_numbers_read_as_written(number: int, text: str) -> None:
    assert synthetic.chinese_number(number) == text


def test_every_loaded_path_is_its_parents_path_plus_one_segment(db: None) -> None:
    summary = synthetic.load(1_500, seed=3)

    orgs = list(Organization.objects.select_related("parent"))
    assert len(orgs) == 1_500
    for org in orgs:
        parent_path = org.parent.path if org.parent else ""
        assert org.path.startswith(parent_path)
        assert len(org.path) == len(parent_path) + tree.SEGMENT
        assert org.depth == tree.depth_of(org.path)
    large = Organization.objects.get(code=summary.large.code)
    assert Organization.objects.subtree(large).count() == summary.large.size
    assert Counter(o.kind for o in orgs) == summary.by_kind


def test_new_organizations_after_a_load_get_fresh_ids_and_paths(db: None) -> None:
    from gongkai.organizations.services import create_organization

    synthetic.load(50, seed=1)
    root = Organization.objects.get(code="P01")

    org = create_organization(parent=root, code="NEW", name="新建党委", kind="committee")

    assert org.pk > max(Organization.objects.exclude(pk=org.pk).values_list("pk", flat=True))
    assert org.path.startswith(root.path) and org.parent == root


# -- gongkai seed ----------------------------------------------------------------------------


def test_seed_fills_a_clean_database_and_says_what_it_made(db: None) -> None:
    out = io.StringIO()

    call_command("seed", "--orgs", "300", "--seed", "5", stdout=out)

    assert Organization.objects.count() == 300
    assert out.getvalue().startswith("已生成300个党组织（种子 5），用时")
    assert "党支部" in out.getvalue()


def test_seed_refuses_a_database_that_holds_organizations(tree: Tree) -> None:
    with pytest.raises(CommandError) as raised:
        call_command("seed", "--orgs", "300")

    assert str(raised.value) == (
        "数据库中已有6个党组织。请在空数据库中生成，或加上 --force 把模拟党组织树加在它们旁边。"
    )
    assert Organization.objects.count() == 6


def test_seed_with_force_adds_a_province_beside_what_is_there(tree: Tree) -> None:
    call_command("seed", "--orgs", "100", "--force", stdout=io.StringIO())
    call_command("seed", "--orgs", "100", "--force", stdout=io.StringIO())

    roots = Organization.objects.roots().values_list("code", flat=True)
    assert sorted(roots) == ["P02", "P03", "YL"]  # the county holds root slot 1
    assert Organization.objects.count() == 206


def test_seed_needs_something_to_seed(db: None) -> None:
    with pytest.raises(CommandError, match="没有要生成的数据：请指定 --orgs N。"):
        call_command("seed")
