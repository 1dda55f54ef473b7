"""Catalogs go out and come back as YAML and Excel; every bad row is named, nothing half-loads."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from gongkai.catalog import exchange, services
from gongkai.catalog.effective import effective_catalog
from gongkai.catalog.models import Catalog

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
