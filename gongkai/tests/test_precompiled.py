"""`Precompiled`: a queryset's SQL compiled once, run with new values, always the ORM's rows.

Every test compares with `list(build(*args))`, the ORM's own answer, on whichever database
the run uses (SQLite here, PostgreSQL under `make test-postgres`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from gongkai import precompiled
from gongkai.organizations import tree as paths
from gongkai.organizations.models import Organization
from gongkai.portal import stored
from gongkai.precompiled import Precompiled

pytestmark = pytest.mark.django_db

FUZZ = hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _children(pk: int) -> Any:
    below = Organization.objects.filter(parent=OuterRef("pk"), is_active=True)
    return (
        Organization.objects.filter(parent_id=pk, is_active=True)
        .annotate(child_count=Exists(below))
        .order_by("path")[:3]
    )


BY_CODE = Precompiled(lambda code: stored.organizations().filter(code=code)[:1])
CHILDREN = Precompiled(_children)
AT_PATHS = Precompiled(lambda p: Organization.objects.filter(path__in=p).order_by("path"))
WITH_PARENT = Precompiled(
    lambda depth, kind: (
        Organization.objects.select_related("parent")
        .filter(depth__gte=depth, kind=kind)
        .order_by("-path")
    )
)
CREATED_BEFORE = Precompiled(
    lambda at: Organization.objects.filter(created_at__lt=at).order_by("pk")
)
COUNTED = Precompiled(
    lambda code: Organization.objects.filter(parent__code=code).annotate(n=Count("children"))
)


def snapshot(obj: Any) -> Any:
    """Everything an instance carries: its fields, annotations, deferred fields and the
    related objects `select_related` attached."""
    fields = {k: v for k, v in vars(obj).items() if not k.startswith("_")}
    related = {k: snapshot(v) for k, v in obj._state.fields_cache.items() if v is not None}
    return (type(obj), fields, related, frozenset(obj.get_deferred_fields()), obj._state.db)


def same_as_orm(compiled: Precompiled[Any], *args: Any) -> list[Any]:
    rows = compiled(*args)
    assert [snapshot(r) for r in rows] == [snapshot(r) for r in compiled.build(*args)]
    assert all(not r._state.adding for r in rows)
    return rows


def warm(compiled: Precompiled[Any], *args: Any) -> None:
    """The first call of a shape goes through the ORM and plans; the second uses the plan."""
    compiled(*args)
    compiled(*args)


def test_a_compiled_call_gives_the_orms_rows_in_one_query(tree, django_assert_num_queries):
    warm(BY_CODE, tree.village.code)
    assert BY_CODE.is_compiled("anything")
    with django_assert_num_queries(1):
        (row,) = BY_CODE(tree.sibling_village.code)
    assert row == tree.sibling_village and hasattr(row, "listing_decided")
    for org in Organization.objects.all():
        same_as_orm(BY_CODE, org.code)
    assert same_as_orm(BY_CODE, "no such code") == []


def test_annotations_subqueries_and_related_objects_come_back(tree):
    warm(CHILDREN, tree.county.pk)
    warm(WITH_PARENT, 0, Organization.Kind.BRANCH)
    assert CHILDREN.is_compiled(1) and WITH_PARENT.is_compiled(0, "x")
    children = same_as_orm(CHILDREN, tree.county.pk)
    assert [(c.code, c.child_count) for c in children] == [("QS", True), ("BS", True)]
    rows = same_as_orm(WITH_PARENT, 1, Organization.Kind.BRANCH)
    assert {r.parent.code for r in rows} == {"QS", "BS"}  # no query: read with the row


def test_a_list_is_bound_element_by_element_and_its_length_is_part_of_the_shape(tree):
    village = paths.ancestor_paths(tree.village.path, include_self=True)
    warm(AT_PATHS, village)
    assert AT_PATHS.is_compiled(["a", "b", "c"]) and not AT_PATHS.is_compiled(["a"])
    assert [o.code for o in same_as_orm(AT_PATHS, village)] == ["YL", "QS", "QS-01"]
    warm(AT_PATHS, village[:2])
    assert [o.code for o in same_as_orm(AT_PATHS, [tree.other_town.path, "x"])] == ["BS"]
    assert [o.code for o in same_as_orm(AT_PATHS, ("x", "y", tree.unrelated_village.path))] == [
        "BS-01"
    ]


def test_a_datetime_is_bound_as_the_database_adapts_it(tree):
    made = Organization.objects.order_by("created_at").first().created_at
    later = made + dt.timedelta(seconds=1)
    warm(CREATED_BEFORE, later)
    assert CREATED_BEFORE.is_compiled(later)
    assert len(same_as_orm(CREATED_BEFORE, later)) == Organization.objects.count()
    assert same_as_orm(CREATED_BEFORE, made) == []
    beijing = dt.timezone(dt.timedelta(hours=8))
    assert len(same_as_orm(CREATED_BEFORE, later.astimezone(beijing))) == 6


@given(
    code=st.one_of(
        st.sampled_from(["YL", "QS", "QS-01", "QS-02", "BS", "BS-01", "", "qs"]),
        st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"])),
    ),
    pk=st.one_of(st.integers(-(2**31), 2**31), st.integers(2**40, 2**62), st.none()),
    depth=st.integers(-(2**31) + 1, 2**31 - 1),
    kind=st.sampled_from([*Organization.Kind.values, "", "%", "_"]),
    listed=st.lists(st.text(max_size=8, alphabet="0123456789%_abc"), min_size=1, max_size=4),
)
@FUZZ
def test_any_value_gives_the_orms_answer(tree, code, pk, depth, kind, listed):
    for org in (tree.village, tree.county):  # both plan; some shapes may not compile
        warm(BY_CODE, org.code)
        warm(CHILDREN, org.pk)
    same_as_orm(BY_CODE, code)
    same_as_orm(COUNTED, code)
    if pk is not None and abs(pk) < 2**31:
        same_as_orm(CHILDREN, pk)
    else:
        assert CHILDREN(pk) == list(CHILDREN.build(pk))  # the ORM's own way
    same_as_orm(WITH_PARENT, depth, kind)
    same_as_orm(AT_PATHS, [*listed, tree.sibling_village.path])


CONTRACT_BROKEN = [
    # A LIKE pattern: the value is transformed, not bound.
    Precompiled(lambda code: Organization.objects.filter(code__startswith=code)),
    # Branching on the value: the sentinel takes the other branch.
    Precompiled(
        lambda depth: (
            Organization.objects.filter(depth=depth)
            if depth < 10
            else Organization.objects.filter(depth__gt=depth)
        )
    ),
    # The clock read inside: the two compilations' parameters differ.
    Precompiled(lambda code: Organization.objects.filter(code=code, created_at__lt=timezone.now())),
    # Constants equal to the sentinels: bound as if they were the argument.
    Precompiled(
        lambda pk: (
            Organization.objects.filter(pk=pk)
            .exclude(pk=precompiled._INT_SENTINEL)
            .exclude(pk=precompiled._SMALL_INT_SENTINEL)
        )
    ),
    # Not model instances, or with work after the query.
    Precompiled(lambda code: Organization.objects.filter(code=code).values("pk")),  # type: ignore[arg-type,return-value,type-var]
    Precompiled(lambda code: Organization.objects.filter(code=code).prefetch_related("children")),
    # A related manager's rows carry the instance they hang from.
    Precompiled(lambda pk: Organization.objects.get(pk=pk).children.all()),
]


@pytest.mark.parametrize("compiled", CONTRACT_BROKEN)
def test_what_cannot_be_bound_goes_through_the_orm(tree, compiled):
    names = compiled.build.__code__.co_varnames
    arg = tree.town.depth if "depth" in names else tree.town.pk if "pk" in names else "QS"
    warm(compiled, arg)
    assert not compiled.is_compiled(arg)
    assert list(compiled(arg)) == list(compiled.build(arg))


BY_PK = Precompiled(lambda pk: Organization.objects.filter(pk=pk))


@pytest.mark.parametrize(
    "value",
    [
        *(None, True, False, 2**31, -(2**40), 1.5, dt.datetime(2026, 1, 1), b"x"),
        *([], (), [None], [1.5], ["a", "a"], (1, 2, 1)),
    ],
)
def test_values_outside_the_bindable_kinds_go_through_the_orm(tree, value):
    assert precompiled._kind(value) is None
    warm(BY_PK, tree.town.pk)
    assert BY_PK.is_compiled(tree.town.pk) and not BY_PK.is_compiled(value)
    if value is None or isinstance(value, int):
        assert BY_PK(value) == list(BY_PK.build(value))


def test_a_builder_that_branches_after_planning_is_caught_by_the_recheck(tree, monkeypatch, caplog):
    """The contract's one hole: values that branch the other way after the shape planned. The
    periodic recheck compiles through the ORM, sees the difference and drops the plan."""
    monkeypatch.setattr(precompiled, "RECHECK_EVERY", 3)
    compiled = Precompiled(
        lambda depth: (
            Organization.objects.filter(depth=depth)
            if depth >= 0
            else Organization.objects.filter(depth__gt=-depth - 10)
        )
    )
    warm(compiled, 1)
    assert compiled.is_compiled(1)
    assert compiled(-1) == []  # the plan's SQL (depth = -1): wrong, until the recheck
    assert [o.code for o in compiled(-1)] == [o.code for o in compiled.build(-1)]
    assert not compiled.is_compiled(1)
    assert "changed" in caplog.text
    assert [o.code for o in compiled(-1)] == [o.code for o in Organization.objects.all()]


def test_each_connection_keeps_its_own_plans(tree):
    from django.db import connections

    connection = connections["default"]
    warm(BY_CODE, tree.town.code)
    plans = connection.__dict__["_gongkai_plans"]
    assert any(key[0] is BY_CODE for key in plans)
    connection.__dict__.pop("_gongkai_plans")
    assert not BY_CODE.is_compiled(tree.town.code)
    same_as_orm(BY_CODE, tree.town.code)
