"""Catalogs go out and come back as YAML and Excel; every bad row is named, nothing half-loads."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from gongkai.catalog import exchange, services
from gongkai.catalog.applicability import MAX_LEVEL, AppliesTo, parse
from gongkai.catalog.effective import (
    EffectiveCatalog,
    EffectiveCategory,
    EffectiveItem,
    effective_catalog,
)
from gongkai.catalog.models import Catalog, Item
from gongkai.organizations.models import Organization

from .conftest import TOWN_YAML


def comparable(catalog: Catalog) -> list[tuple]:
    from gongkai.catalog.effective import COMPARED

    return [
        (category.name, tuple(item.value(n) for n in COMPARED if n != "category_key"))
        for category in effective_catalog(catalog).categories
        for item in category.items
    ]


def reload_into_fresh_catalog(tree, people, data) -> Catalog:  # type: ignore[no-untyped-def]
    catalog = services.create_catalog(
        tree.other_town, actor=people.admin_office, title="x", inherit=False
    )
    services.load_catalog_data(catalog, actor=people.admin_office, data=data)
    services.publish_catalog(catalog, actor=people.admin_office)
    catalog.refresh_from_db()
    return catalog


@pytest.fixture
def other_office(tree, people):  # type: ignore[no-untyped-def]
    from gongkai.conftest import grant, make_user
    from gongkai.organizations.models import Role

    office = make_user("bs-office", "白沙办")
    grant(office, tree.other_town, Role.Kind.OFFICE)
    people.admin_office = office
    return office


def test_a_catalog_exported_as_yaml_imports_back_the_same(tree, people, town_catalog, other_office):
    text = exchange.export_yaml(effective_catalog(town_catalog))
    parsed = exchange.parse_yaml(text)
    assert parsed.errors == []
    assert comparable(reload_into_fresh_catalog(tree, people, parsed.data)) == comparable(
        town_catalog
    )


def test_a_catalog_exported_as_excel_imports_back_the_same(
    tree, people, town_catalog, other_office
):
    content = exchange.export_excel(effective_catalog(town_catalog))
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["目录", "表单", "目录信息"]
    assert [c.value for c in book["目录"][1]][:3] == ["类别", "事项编号", "事项"]
    parsed = exchange.parse_excel(content)
    assert parsed.errors == []
    assert comparable(reload_into_fresh_catalog(tree, people, parsed.data)) == comparable(
        town_catalog
    )


def test_every_builtin_template_survives_a_round_trip_through_excel(tree, people, other_office):
    from gongkai.catalog.builtin import builtin_templates

    for template in builtin_templates().values():
        original = exchange.parse_yaml(template.read())
        catalog = reload_into_fresh_catalog(tree, people, original.data)
        again = exchange.parse_excel(exchange.export_excel(effective_catalog(catalog)))
        assert again.errors == [], template.key
        assert again.item_count == original.item_count
        Catalog.objects.filter(pk=catalog.pk).delete()


def excel(rows: list[list], forms: list[list] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "目录"
    sheet.append([h for _n, h in exchange.COLUMNS])
    for row in rows:
        sheet.append(row)
    if forms is not None:
        form_sheet = book.create_sheet("表单")
        form_sheet.append([h for _n, h in exchange.FORM_COLUMNS])
        for row in forms:
            form_sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row(**cells) -> list:  # type: ignore[no-untyped-def]
    base = {
        "category": "定期公开",
        "key": "",
        "name": "党费",
        "scope": "党内",
        "timing": "定期",
        "period": "半年",
        "deadline_days": 10,
        "deadline_basis": "周期结束后",
        "channels": "公开栏、会议",
    }
    base.update(cells)
    return [base.get(name, "") for name, _h in exchange.COLUMNS]


def test_chinese_labels_in_excel_become_stored_values():
    parsed = exchange.parse_excel(excel([row(party_first="否", major_matter="是")]))
    assert parsed.errors == []
    item = parsed.data["categories"][0]["items"][0]
    assert (item["scope"], item["timing"], item["period"], item["deadline_basis"]) == (
        "party",
        "periodic",
        "semiannual",
        "period_end",
    )
    assert item["channels"] == ["board", "meeting"]
    assert item["major_matter"] is True


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"scope": "全世界"}, "公开范围：“全世界”不是可选值（党内、本单位、社会）之一。"),
        (
            {"timing": "定期", "period": ""},
            "周期：定期公开的事项须选择周期（每月、每季度、每半年或每年）。",
        ),
        ({"timing": "即时", "period": ""}, "时限起算：“周期结束后”起算只适用于定期公开的事项。"),
        ({"deadline_days": "十"}, "时限工作日：“十”不是整数。"),
        ({"channels": "公开栏、广播"}, "公开形式：“广播”不是可选值"),
        ({"major_matter": "也许"}, "三重一大：“也许”应为“是”或“否”。"),
        ({"name": ""}, "事项：这个字段是必填项。"),
        ({"category": ""}, "类别为空。"),
    ],
)
def test_a_bad_excel_row_is_reported_in_chinese_by_row_number(cells, expected):
    parsed = exchange.parse_excel(excel([row(**cells)]))
    assert len(parsed.errors) == 1, parsed.errors
    assert parsed.errors[0].startswith("工作表“目录”第 2 行：")
    assert expected in parsed.errors[0]


def test_every_bad_row_is_reported_and_good_rows_are_not_half_loaded(tree, people, town_catalog):
    rows = [
        row(key="a"),
        row(key="b", scope="x"),
        row(key="c"),
        row(key="d", timing="y"),
        row(key="a"),
    ]
    parsed = exchange.parse_excel(excel(rows))
    assert [e.split("：")[0] for e in parsed.errors] == [
        "工作表“目录”第 3 行",
        "工作表“目录”第 5 行",
        "工作表“目录”第 6 行",
    ]
    assert "编号“a”重复" in parsed.errors[2]


def test_a_structured_form_comes_from_the_form_sheet():
    content = excel(
        [
            row(
                key="dev",
                name="发展党员公示",
                timing="即时",
                period="",
                deadline_basis="事项发生后",
                deadline_days=5,
            )
        ],
        forms=[
            ["dev", "表格列", "name", "姓名", "text", "是", ""],
            ["dev", "表格列", "gender", "性别", "choice", "否", "男、女"],
        ],
    )
    parsed = exchange.parse_excel(content)
    assert parsed.errors == []
    form = parsed.data["categories"][0]["items"][0]["form"]
    assert form["columns"][1] == {
        "key": "gender",
        "label": "性别",
        "type": "choice",
        "required": False,
        "choices": ["男", "女"],
    }


def test_a_form_row_for_an_unknown_item_is_reported():
    content = excel([row(key="dues")], forms=[["nope", "表格列", "name", "姓名", "text", "是", ""]])
    parsed = exchange.parse_excel(content)
    assert any("nope" in e for e in parsed.errors)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("catalog.xlsx", b"this is not a zip"),
        ("catalog.yaml", b"categories: [\n  - name: x\n    items: ["),
        ("catalog.yaml", b"just a string"),
        ("catalog.txt", b"x"),
        ("catalog.yaml", b"categories: []"),
    ],
)
def test_a_broken_file_gets_one_clear_message(name, content):
    parsed = exchange.parse_upload(name, content)
    assert len(parsed.errors) == 1
    assert parsed.data["categories"] == []


def test_an_oversized_file_is_refused_before_parsing(settings):
    settings.GONGKAI_MAX_IMPORT_BYTES = 100
    parsed = exchange.parse_upload("a.yaml", b"#" * 101)
    assert parsed.errors and "MB" in parsed.errors[0]


def test_a_yaml_problem_names_the_category_and_item():
    parsed = exchange.parse_yaml(TOWN_YAML.replace("scope: party", "scope: 宇宙"))
    assert len(parsed.errors) == 1
    assert "党员党费缴纳情况" in parsed.errors[0] and "定期公开" in parsed.errors[0]


def test_importing_the_same_file_again_keeps_item_identity(tree, people, town_catalog):
    keys_before = {i.key for i in effective_catalog(town_catalog).items}
    parsed = exchange.parse_yaml(TOWN_YAML)
    services.load_catalog_data(town_catalog, actor=people.office, data=parsed.data)
    assert {
        i.key for i in effective_catalog(town_catalog, town_catalog.draft_version).items
    } == keys_before
    assert services.draft_changes(town_catalog) == []


# -- where an item applies, in and out ------------------------------------------------------

APPLIES_YAML = """
title: 适用范围
defaults: {scope: public, timing: standing, applies_to: {levels: [1], kinds: [branch]}}
categories:
  - name: 固定公开
    items:
      - {key: dues, name: 党员党费缴纳情况}
      - {key: rules, name: 镇党委议事规则, applies_to: {levels: [0]}, escalate_after_days: 2}
  - name: 村级
    applies_to: {levels: [1], settings: [village]}
    items:
      - {key: assets, name: 村级集体三资}
      - {key: everywhere, name: 党组织选举情况, applies_to: {}}
"""


def test_yaml_says_where_each_item_applies_itself_or_by_default():
    parsed = exchange.parse_yaml(APPLIES_YAML)
    assert parsed.errors == []
    items = {i["key"]: i for c in parsed.data["categories"] for i in c["items"]}
    assert items["dues"]["applies_to"] == {"levels": [1], "kinds": ["branch"]}
    assert items["rules"]["applies_to"] == {"levels": [0]}
    assert items["rules"]["escalate_after_days"] == 2
    assert items["assets"]["applies_to"] == {"levels": [1], "settings": ["village"]}
    assert items["everywhere"]["applies_to"] == {}
    assert items["dues"]["escalate_after_days"] is None


@pytest.mark.parametrize(
    ("applies_to", "message"),
    [
        ("{levels: [本级]}", "适用范围：“适用范围”中的层级须为0到20之间的整数。"),
        ("{kinds: [村委会]}", "适用范围：“适用范围”中的组织类型无法识别：村委会。"),
        ("{settings: village}", "适用范围：“适用范围”中的“settings”须写成列表。"),
        ("仅本级", "适用范围：“适用范围”须写成由层级（levels）"),
        ("{pilot: true}", "适用范围：“适用范围”含有无法识别的键：pilot。"),
    ],
)
def test_a_bad_applies_to_in_yaml_is_named_by_category_and_item(applies_to, message):
    text = APPLIES_YAML.replace("applies_to: {levels: [0]}", f"applies_to: {applies_to}")
    parsed = exchange.parse_yaml(text)
    assert len(parsed.errors) == 1, parsed.errors
    assert parsed.errors[0].startswith("第 1 类“固定公开”第 2 项“镇党委议事规则”：")
    assert message in parsed.errors[0]


def test_a_bad_applies_to_in_the_file_defaults_is_reported_for_every_item_it_reaches():
    text = APPLIES_YAML.replace("kinds: [branch]}}", "kinds: [branch], levels: [-1]}}")
    parsed = exchange.parse_yaml(text)
    assert [e.split("：")[0] for e in parsed.errors] == [
        "第 1 类“固定公开”第 1 项“党员党费缴纳情况”"
    ]


def test_excel_columns_say_where_an_item_applies_in_chinese(tree, people, other_office):
    parsed = exchange.parse_yaml(APPLIES_YAML)
    catalog = reload_into_fresh_catalog(tree, people, parsed.data)
    book = load_workbook(io.BytesIO(exchange.export_excel(effective_catalog(catalog))))
    sheet = book["目录"]
    header = [c.value for c in sheet[1]]
    rows = [
        dict(zip(header, (c.value for c in r), strict=True)) for r in sheet.iter_rows(min_row=2)
    ]
    columns = ("适用层级", "适用组织类型", "适用领域", "仅联系点", "逾期报上级工作日")
    assert [tuple(r[c] for c in columns) for r in rows] == [
        ("下一级", "党支部", None, "否", None),
        ("本级", None, None, "否", 2),
        ("下一级", None, "农村", "否", None),
        (None, None, None, "否", None),
    ]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"applies_levels": "本级;下一级"}, {"levels": [0, 1]}),
        ({"applies_levels": "下三级、2"}, {"levels": [2, 3]}),
        ({"applies_levels": 1}, {"levels": [1]}),
        ({"applies_kinds": "党总支，支部"}, {"kinds": ["branch", "general_branch"]}),
        ({"applies_settings": "农村;社区"}, {"settings": ["community", "village"]}),
        ({"applies_pilots": "是"}, {"pilots": True}),
        (
            {"applies_levels": "下一级", "applies_settings": "村"},
            {"levels": [1], "settings": ["village"]},
        ),
        ({}, {}),
    ],
)
def test_excel_cells_as_people_write_them_become_applies_to(cells, expected):
    parsed = exchange.parse_excel(excel([row(**cells)]))
    assert parsed.errors == []
    assert parsed.data["categories"][0]["items"][0]["applies_to"] == expected


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"applies_levels": "上一级"}, "适用层级：“上一级”不是可选值（本级、下一级、再下一级、下3级、下4级……）之一。"),
        ({"applies_kinds": "村委会"}, "适用组织类型：“村委会”不是可选值（党委、党总支、党支部、党组）之一。"),
        ({"applies_settings": "城市"}, "适用领域：“城市”不是可选值（农村、社区、机关、事业单位、企业、学校、其他）之一。"),
        ({"applies_pilots": "大概"}, "仅联系点：“大概”应为“是”或“否”。"),
        ({"escalate_after_days": "五"}, "逾期报上级工作日：“五”不是整数。"),
        ({"escalate_after_days": 400}, "逾期报上级工作日：不能大于 365。"),
    ],
)  # fmt: skip
def test_a_bad_applies_to_cell_is_named_by_sheet_row_and_column(cells, expected):
    parsed = exchange.parse_excel(excel([row(key="ok"), row(key="bad", **cells)]))
    assert parsed.errors == [f"工作表“目录”第 3 行：{expected}"]


def test_a_workbook_made_before_the_applies_to_columns_still_imports():
    book = Workbook()
    sheet = book.active
    old = [(n, h) for n, h in exchange.COLUMNS if not n.startswith(("applies_", "escalate_"))]
    sheet.title = "目录"
    sheet.append([h for _n, h in old])
    cells = dict(zip([h for _n, h in exchange.COLUMNS], row(), strict=True))
    sheet.append([cells[h] for _n, h in old])
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = exchange.parse_excel(buffer.getvalue())
    assert parsed.errors == []
    assert parsed.data["categories"][0]["items"][0]["applies_to"] == {}


applies_specs = st.builds(
    AppliesTo,
    levels=st.lists(st.integers(0, MAX_LEVEL), unique=True, max_size=5).map(
        lambda v: tuple(sorted(v))
    ),
    kinds=st.lists(st.sampled_from(Organization.Kind.values), unique=True).map(
        lambda v: tuple(sorted(v))
    ),
    settings=st.lists(st.sampled_from(Organization.Setting.values), unique=True).map(
        lambda v: tuple(sorted(v))
    ),
    pilots=st.booleans(),
)


def one_item_catalog(specs: list[AppliesTo], escalate: list[int | None]) -> EffectiveCatalog:
    """An effective catalog of unsaved rows (what export reads), one item per spec."""
    town = Organization(name="青石镇党委", code="QS", depth=1, kind=Organization.Kind.COMMITTEE)
    layer = Catalog(title="目录", organization=town)
    items = [
        EffectiveItem(
            item=Item(
                key=f"1.item-{n}",
                name=f"事项{n}",
                scope="public",
                timing="standing",
                applies_to=spec.as_dict(),
                escalate_after_days=days,
            ),
            origin=layer,
        )
        for n, (spec, days) in enumerate(zip(specs, escalate, strict=True))
    ]
    category = EffectiveCategory("1.fixed", "固定公开", "", layer, items)
    return EffectiveCatalog(catalog=layer, version=1, categories=[category])


@settings(max_examples=40, deadline=None)
@given(
    specs=st.lists(applies_specs, min_size=1, max_size=4),
    data=st.data(),
)
def test_where_items_apply_survives_excel_and_yaml(specs, data):
    escalate = data.draw(
        st.lists(st.none() | st.integers(0, 365), min_size=len(specs), max_size=len(specs))
    )
    effective = one_item_catalog(specs, escalate)
    for parsed in (
        exchange.parse_excel(exchange.export_excel(effective)),
        exchange.parse_yaml(exchange.export_yaml(effective)),
    ):
        assert parsed.errors == []
        items = parsed.data["categories"][0]["items"]
        assert [parse(i["applies_to"]) for i in items] == specs
        assert [i["applies_to"] for i in items] == [spec.as_dict() for spec in specs]
        assert [i["escalate_after_days"] for i in items] == escalate


def test_the_applies_to_columns_may_carry_other_common_headers():
    book = Workbook()
    sheet = book.active
    sheet.title = "目录"
    sheet.append(
        ["类别", "事项", "公开范围", "公开时限", "适用类型", "适用场所", "逾期几个工作日报上级"]
    )
    sheet.append(["固定公开", "村务监督", "社会", "固定", "党支部", "农村；社区", 3])
    sheet.append(["固定公开", "值班表", "社会", "固定", "支部", "城市", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = exchange.parse_excel(buffer.getvalue())
    assert parsed.errors == [
        "工作表“目录”第 3 行：适用场所：“城市”不是可选值（农村、社区、机关、事业单位、企业、学校、其他）之一。"
    ]
    item = parsed.data["categories"][0]["items"][0]
    assert item["applies_to"] == {"kinds": ["branch"], "settings": ["community", "village"]}
    assert item["escalate_after_days"] == 3
