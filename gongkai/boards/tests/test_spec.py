"""The board's specification: the nearest one at or above an organization applies, below it
nobody changes it, colours are checked for contrast, columns map to catalog categories and
to the domains (政务/村务) a town runs beside party affairs."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from gongkai.boards import spec as specs
from gongkai.boards.models import BoardSpec, Size
from gongkai.boards.public import columns_for
from gongkai.catalog.models import Catalog, Category, Domain
from gongkai.conftest import client_for

pytestmark = pytest.mark.django_db

#: (organizations with a spec) -> the organization whose spec applies at each node.
INHERITANCE = [
    ((), {"village": None, "town": None, "county": None, "unrelated_village": None}),
    (
        ("county",),
        {"village": "county", "town": "county", "county": "county", "unrelated_village": "county"},
    ),
    (("town",), {"village": "town", "town": "town", "county": None, "unrelated_village": None}),
    (
        ("county", "town"),
        {"village": "town", "town": "town", "county": "county", "unrelated_village": "county"},
    ),
    (
        ("other_town",),
        {"village": None, "town": None, "county": None, "unrelated_village": "other_town"},
    ),
    (
        ("village",),
        {"village": "village", "town": None, "county": None, "unrelated_village": None},
    ),
]


@pytest.mark.parametrize(("with_spec", "expected"), INHERITANCE)
def test_the_nearest_spec_at_or_above_applies(tree, with_spec, expected):
    for n, name in enumerate(with_spec):
        BoardSpec.objects.create(organization=getattr(tree, name), size=list(Size)[n])
    for node, setter in expected.items():
        found = specs.spec_for(getattr(tree, node))
        if setter is None:
            assert found.is_default and found.size == Size.A3, node
        else:
            assert found.set_by == getattr(tree, setter), node
            assert found.size == list(Size)[with_spec.index(setter)]


def test_only_the_office_sets_it_and_not_below_a_superiors_spec(people, tree):
    assert specs.can_set_spec(people.office, tree.town)
    # The town office reaches its subtree, but a village covered by the town's spec is not
    # its own to set.
    BoardSpec.objects.create(organization=tree.town)
    assert not specs.can_set_spec(people.office, tree.village)
    assert specs.can_set_spec(people.office, tree.town)
    for person in (people.clerk, people.reviewer, people.member, people.outsider):
        assert not specs.can_set_spec(person, tree.town)
        assert not specs.can_set_spec(person, tree.village)


@pytest.mark.parametrize(
    ("colour", "ok"),
    [
        ("#B31B1B", True),
        ("#8a1414", True),
        ("#000000", True),
        ("#FFFF00", False),  # white on yellow
        ("#E06666", False),  # a light red: about 3.4:1
        ("red", False),
        ("#12345", False),
        ("#1234567", False),
        ("#12\x0045", False),
        ("", False),
    ],
)
def test_colours_are_hex_and_carry_white_text(colour, ok):
    if ok:
        assert specs.clean_colour(colour) == colour.upper()
        assert specs.contrast("#FFFFFF", colour) >= 4.5
    else:
        with pytest.raises(ValidationError) as refused:
            specs.clean_colour(colour)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(refused.value))


def test_contrast_is_wcags():
    assert specs.contrast("#FFFFFF", "#000000") == pytest.approx(21.0)
    assert specs.contrast("#FFFFFF", "#FFFFFF") == pytest.approx(1.0)
    assert specs.contrast("#FFFFFF", "#767676") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize(
    "columns",
    [
        "x",
        [{"title": "", "categories": ["a"]}],
        [{"title": "甲"}],
        [{"title": "甲", "domain": "sports"}],
        [{"title": "甲" * 31, "categories": ["a"]}],
        [{"title": "甲", "categories": ["a"]}] * 13,
        [{"title": "甲\x00", "categories": ["a"]}],
    ],
)
def test_bad_columns_are_refused_in_chinese(columns):
    with pytest.raises(ValidationError) as refused:
        specs.clean_columns(columns)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(refused.value))


def _categories(catalog: Catalog) -> dict[str, str]:
    return {c.name: c.key for c in Category.objects.filter(catalog=catalog.parent)}


def test_default_columns_are_the_catalogs_categories(tree, village_catalog):
    columns = columns_for(tree.village)
    titles = [c.title for c in columns]
    assert titles[:2] == ["固定公开", "三重一大"]
    assert columns[-1].key.startswith(specs.OTHER)


def test_columns_map_categories_and_whole_domains(tree, village_catalog):
    keys = _categories(village_catalog)
    # The town runs village affairs beside party affairs: the 三重一大 category is theirs.
    Category.objects.filter(key=keys["三重一大"]).update(domain=Domain.VILLAGE)
    cache.clear()
    BoardSpec.objects.create(
        organization=tree.town,
        columns=[
            {"title": "党务公开", "categories": [keys["固定公开"]], "domain": ""},
            {"title": "村务公开", "categories": [], "domain": Domain.VILLAGE},
        ],
    )
    columns = [c for c in columns_for(tree.village) if not c.key.startswith(specs.OTHER)]
    assert [(c.title, c.domain, c.categories) for c in columns] == [
        ("党务公开", Domain.PARTY, [keys["固定公开"]]),
        ("村务公开", Domain.VILLAGE, [keys["三重一大"]]),
    ]
    assert columns[1].domain_label == "村务公开"


def test_the_office_edits_the_spec_in_the_console(people, tree, village_catalog):
    client = client_for(people.office)
    url = "/console/boards/QS/spec"
    assert client.get(url).status_code == 200
    refused = client.post(
        url,
        {
            "size": "A1",
            "style": "banner",
            "header_color": "#FFFF00",
            "accent_color": "#8A1414",
            "title_line": "党务村务公开栏",
            "columns_text": "组织建设：固定公开\n不存在：没有这个类别",
        },
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "对比度" in html and "没有名为“没有这个类别”的类别" in html
    assert "党务村务公开栏" in html  # what was typed is kept
    assert not BoardSpec.objects.exists()
    saved = client.post(
        url,
        {
            "size": "A1",
            "style": "banner",
            "header_color": "#B31B1B",
            "accent_color": "#8A1414",
            "title_line": "党务村务公开栏",
            "columns_text": "组织建设：固定公开、三重一大",
        },
    )
    assert saved.status_code == 302
    spec = specs.spec_for(tree.village)
    assert spec.set_by == tree.town and spec.size == "A1" and spec.title_line == "党务村务公开栏"
    assert [c.title for c in spec.columns] == ["组织建设"]
    # Below, the village's board page says who set it, and the spec page is closed.
    clerk = client_for(people.clerk)
    page = clerk.get("/console/boards/QS-01/").content.decode()
    assert "由青石镇党委统一规定" in page
    assert clerk.get("/console/boards/QS-01/spec").status_code == 403
    assert client.get("/console/boards/QS-01/spec").status_code == 403
    # Editing again shows the columns as typed.
    assert "组织建设：固定公开、三重一大" in client.get(url).content.decode()


VILLAGE_AFFAIRS_YAML = """
title: 青石镇党务村务公开目录
defaults: {scope: public}
categories:
  - key: party
    name: 组织建设
    items: [党员名单]
  - key: village-finance
    name: 村级财务
    domain: 村务公开
    items: [村级财务收支]
  - key: government
    name: 镇政务
    domain: government
    items: [政府工作报告]
"""


def test_a_catalog_file_names_the_domain_of_its_categories_and_round_trips(tree, people):
    from gongkai.catalog import services as catalog_services
    from gongkai.catalog.effective import effective_catalog
    from gongkai.catalog.exchange import export_yaml, parse_yaml

    parsed = parse_yaml(VILLAGE_AFFAIRS_YAML)
    assert not parsed.errors
    assert [c["domain"] for c in parsed.data["categories"]] == ["party", "village", "government"]
    bad = parse_yaml(VILLAGE_AFFAIRS_YAML.replace("domain: government", "domain: 体育"))
    assert any("公开领域" in e for e in bad.errors)

    catalog = catalog_services.create_catalog(
        tree.town, actor=people.office, title="镇目录", inherit=False
    )
    catalog_services.load_catalog_data(catalog, actor=people.office, data=parsed.data)
    catalog_services.publish_catalog(catalog, actor=people.office)
    effective = effective_catalog(Catalog.objects.get(pk=catalog.pk))
    assert [c.domain for c in effective.categories] == ["party", "village", "government"]
    exported = export_yaml(effective)
    assert "domain: village" in exported and "domain: government" in exported
    assert [c["domain"] for c in parse_yaml(exported).data["categories"]] == [
        "party",
        "village",
        "government",
    ]
    # The board and the portal keep them apart: a column per domain by default.
    columns = [c for c in columns_for(tree.town) if not c.key.startswith(specs.OTHER)]
    assert [(c.title, c.domain) for c in columns] == [
        ("组织建设", "party"),
        ("村级财务", "village"),
        ("镇政务", "government"),
    ]


def test_the_portal_snippet_shows_the_columns_by_domain(tree, village_catalog):
    from django.template.loader import render_to_string

    keys = _categories(village_catalog)
    Category.objects.filter(key=keys["三重一大"]).update(domain=Domain.VILLAGE)
    cache.clear()
    html = render_to_string("boards/_columns.html", {"board_columns": columns_for(tree.village)})
    assert 'aria-label="党务公开"' in html and 'aria-label="村务公开"' in html
    assert "固定公开" in html and "三重一大" in html


def test_the_columns_of_a_domain_stay_together(tree, village_catalog):
    keys = _categories(village_catalog)
    Category.objects.filter(key=keys["三重一大"]).update(domain=Domain.VILLAGE)
    cache.clear()
    BoardSpec.objects.create(
        organization=tree.town,
        columns=[{"title": "村务", "categories": [keys["三重一大"]], "domain": ""}],
    )
    domains = [c.domain for c in columns_for(tree.village)]
    # The party's categories no column names come first, then the village affairs.
    assert domains == sorted(domains, key=lambda d: d != Domain.PARTY)
    assert domains.count(Domain.VILLAGE) == 1


def test_a_title_line_with_a_mobile_number_is_printed_masked(tree):
    """The title line is printed for everyone: it goes through the one scan-and-mask."""
    BoardSpec.objects.create(organization=tree.town, title_line="东岭村公开栏 联系13912345678")
    line = specs.spec_for(tree.village).title_line
    assert "13912345678" not in line and "东岭村公开栏" in line
