"""Where a catalog item applies: one rule (`applicability.applies`) over levels below the
defining organization, kinds, settings and pilots; its words (`describe`, the level labels)
and its stored form (`parse`) agree with it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.catalog import applicability
from gongkai.catalog.applicability import AppliesTo, applies, applies_within, describe, parse
from gongkai.catalog.effective import EffectiveItem
from gongkai.catalog.models import Catalog, Item
from gongkai.organizations.models import Organization

K, S = Organization.Kind, Organization.Setting


def org(
    name: str, depth: int, kind: str, setting: str = "", *, pilot: bool = False
) -> Organization:
    """An organization as `applies` reads it (no row needed: it reads depth, kind, setting
    and whether the organization is a pilot)."""
    return Organization(name=name, depth=depth, kind=kind, setting=setting, is_pilot=pilot)


TOWN = org("青石镇党委", 1, K.COMMITTEE, S.AGENCY)
VILLAGE = org("东岭村党支部", 2, K.BRANCH, S.VILLAGE, pilot=True)
COMMUNITY = org("青石社区党支部", 2, K.BRANCH, S.COMMUNITY)
GENERAL = org("南岗村党总支", 2, K.GENERAL_BRANCH, S.VILLAGE)
GRID = org("南岗村一组党支部", 3, K.BRANCH, S.VILLAGE)


def item(applies_to: Any, defined_by: Organization = TOWN) -> EffectiveItem:
    """An item the town's catalog defines, as effective catalogs hand it out."""
    layer = Catalog(title="目录", organization=defined_by)
    return EffectiveItem(item=Item(name="事项", applies_to=applies_to), origin=layer)


# (applies_to, the organizations it applies to among town, village, community, general, grid)
TABLE: list[tuple[dict[str, Any], str]] = [
    ({}, "TVCGR"),
    ({"levels": [0]}, "T"),
    ({"levels": [1]}, "VCG"),
    ({"levels": [0, 1]}, "TVCG"),
    ({"levels": [2]}, "R"),
    ({"levels": [1], "kinds": ["branch"]}, "VC"),
    ({"levels": [1], "kinds": ["general_branch", "branch"]}, "VCG"),
    ({"kinds": ["branch"]}, "VCR"),
    ({"kinds": ["committee"]}, "T"),
    ({"levels": [1], "settings": ["village"]}, "VG"),
    ({"levels": [1], "settings": ["village", "community"]}, "VCG"),
    ({"settings": ["community"]}, "C"),
    ({"settings": ["village"]}, "VGR"),
    ({"pilots": True}, "V"),
    ({"levels": [0], "pilots": True}, ""),
    ({"levels": [1], "settings": ["community"], "pilots": True}, ""),
    ({"kinds": ["party_group"]}, ""),
]
ORGS = {"T": TOWN, "V": VILLAGE, "C": COMMUNITY, "G": GENERAL, "R": GRID}


@pytest.mark.parametrize(("applies_to", "expected"), TABLE, ids=[str(s) for s, _e in TABLE])
def test_an_item_applies_where_its_levels_kinds_settings_and_pilots_say(
    applies_to: dict[str, Any], expected: str
) -> None:
    found = "".join(letter for letter, o in ORGS.items() if applies(item(applies_to), o))
    assert found == expected


def test_levels_count_from_the_organization_that_defines_the_item() -> None:
    county = org("云岭县委", 0, K.COMMITTEE, S.AGENCY)
    by_county = item({"levels": [2], "kinds": ["branch"]}, defined_by=county)
    assert [applies(by_county, o) for o in (TOWN, VILLAGE, GRID)] == [False, True, False]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "本级",
            "“适用范围”须写成由层级（levels）、组织类型（kinds）和领域（settings）组成的映射。",
        ),
        ({"level": [0]}, "“适用范围”含有无法识别的键：level。"),
        ({"levels": ["本级"]}, "“适用范围”中的层级须为0到20之间的整数。"),
        ({"levels": [21]}, "“适用范围”中的层级须为0到20之间的整数。"),
        ({"levels": [True]}, "“适用范围”中的层级须为0到20之间的整数。"),
        ({"levels": 1}, "“适用范围”中的“levels”须写成列表。"),
        ({"kinds": ["village"]}, "“适用范围”中的组织类型无法识别：village。"),
        ({"settings": ["moon"]}, "“适用范围”中的领域无法识别：moon。"),
        ({"pilots": "yes"}, "“适用范围”中的“仅联系点”（pilots）须为 true 或 false。"),
        ({"levels": list(range(51))}, "“适用范围”列出的值过多。"),
    ],
)
def test_a_bad_applies_to_is_refused_in_chinese(value: Any, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse(value)
    assert refused.value.messages == [message]


@pytest.mark.parametrize(
    ("applies_to", "origin", "words"),
    [
        ({}, None, "本级及以下各级"),
        ({"levels": [0]}, TOWN, "仅本级（青石镇党委）"),
        ({"levels": [0]}, None, "仅本级"),
        (
            {"levels": [1], "kinds": ["branch"], "settings": ["village"]},
            None,
            "下一级党支部（农村）",
        ),
        ({"levels": [1], "settings": ["village", "community"]}, None, "下一级（农村、社区）"),
        ({"levels": [0, 1]}, TOWN, "本级、下一级"),
        (
            {"levels": [1, 2], "kinds": ["general_branch", "branch"]},
            None,
            "下一级、再下一级党总支、党支部",
        ),
        ({"kinds": ["branch"]}, None, "各级党支部"),
        ({"settings": ["community"]}, None, "各级（社区）"),
        ({"levels": [3]}, None, "下3级"),
        ({"pilots": True}, None, "仅联系点"),
        ({"levels": [1], "pilots": True}, None, "下一级，仅联系点"),
    ],
)
def test_where_an_item_applies_is_said_in_a_few_chinese_words(
    applies_to: dict[str, Any], origin: Organization | None, words: str
) -> None:
    assert describe(applies_to, origin) == words


# -- properties ---------------------------------------------------------------------------------

specs = st.builds(
    AppliesTo,
    levels=st.lists(st.integers(0, applicability.MAX_LEVEL), unique=True, max_size=4).map(
        lambda levels: tuple(sorted(levels))
    ),
    kinds=st.lists(st.sampled_from(K.values), unique=True).map(lambda v: tuple(sorted(v))),
    settings=st.lists(st.sampled_from(S.values), unique=True).map(lambda v: tuple(sorted(v))),
    pilots=st.booleans(),
)


@given(spec=specs)
def test_a_stored_applies_to_reads_back_the_same(spec: AppliesTo) -> None:
    assert parse(spec.as_dict()) == spec


@given(
    levels=st.lists(st.integers(0, applicability.MAX_LEVEL), max_size=6),
    kinds=st.lists(st.sampled_from(K.values), max_size=6),
)
def test_order_and_repetition_do_not_matter(levels: list[int], kinds: list[str]) -> None:
    spec = parse({"levels": levels, "kinds": kinds})
    assert parse({"levels": levels[::-1] + levels, "kinds": kinds[::-1]}) == spec
    assert spec.levels == tuple(sorted(set(levels)))


@given(a=specs, b=specs)
def test_different_specs_are_described_differently(a: AppliesTo, b: AppliesTo) -> None:
    if a != b:
        assert describe(a) != describe(b)


@given(spec=specs)
def test_a_description_names_every_kind_setting_and_level(spec: AppliesTo) -> None:
    words = describe(spec)
    assert words and "%" not in words
    for kind in spec.kinds:
        assert applicability.kind_label(kind) in words
    for setting in spec.settings:
        assert applicability.setting_label(setting) in words
    if spec != AppliesTo(levels=(0,)):
        for level in spec.levels:
            assert applicability.level_label(level) in words


@pytest.mark.parametrize("level", range(applicability.MAX_LEVEL + 1))
def test_every_level_label_reads_back_as_its_level(level: int) -> None:
    assert applicability.level_from_label(applicability.level_label(level)) == level
    assert applicability.level_from_label(str(level)) == level


@pytest.mark.parametrize(
    ("text", "level"),
    [("本级", 0), ("下一级", 1), ("再下一级", 2), ("下两级", 2), ("下三级", 3), ("下十二级", 12),
     ("下12级", 12), ("下二十一级", None), ("21", None), ("上一级", None), ("", None)],
)  # fmt: skip
def test_level_labels_as_people_write_them(text: str, level: int | None) -> None:
    assert applicability.level_from_label(text) == level


@settings(deadline=None, max_examples=60)  # it tries every organization that could lie below
@given(
    spec=specs,
    defined_at=st.integers(0, 3),
    steps=st.integers(0, 5),
    kind=st.sampled_from(K.values),
    setting=st.sampled_from(["", *S.values]),
    pilot=st.booleans(),
)
def test_within_means_here_or_somewhere_below(
    spec: AppliesTo, defined_at: int, steps: int, kind: str, setting: str, pilot: bool
) -> None:
    """`applies_within` (what a layer's catalog page lists) is exactly: the item applies to
    the organization itself, or to some organization that could lie below it. The viewer
    holds a layer at or below the one that defines the item."""
    definer = org("制定者", defined_at, K.COMMITTEE)
    viewer = org("本组织", defined_at + steps, kind, setting, pilot=pilot)
    effective = item(spec.as_dict(), defined_by=definer)
    below = (
        applies(effective, org("下级", viewer.depth + more, k, s, pilot=p))
        for more in range(1, applicability.MAX_LEVEL + 2)
        for k in K.values
        for s in ["", *S.values]
        for p in (False, True)
    )
    expected = applies(effective, viewer) or any(below)
    assert applies_within(effective, viewer) == expected
