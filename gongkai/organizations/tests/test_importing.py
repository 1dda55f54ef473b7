"""Importing organizations from Excel: every bad row reported by its row number, nothing
half-imported, order-independent, idempotent, and only within the importer's reach.

Every sheet is a real .xlsx written with openpyxl (tests/sheets.py); messages are asserted
in the Chinese a clerk reads.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from gongkai.conftest import People, Tree, grant, make_user
from gongkai.organizations import importing
from gongkai.organizations import tree as paths
from gongkai.organizations.importing import RowError, import_organizations
from gongkai.organizations.models import Organization, Role
from gongkai.organizations.tests.sheets import HEADER, TEMPLATE_HEADER, named, xlsx


def codes_and_parents() -> set[tuple[str, str | None]]:
    return {
        (org.code, org.parent.code if org.parent else None)
        for org in Organization.objects.select_related("parent")
    }


def assert_paths_consistent() -> None:
    for org in Organization.objects.select_related("parent"):
        parent_path = org.parent.path if org.parent else ""
        assert org.path[: len(parent_path)] == parent_path
        assert len(org.path) == len(parent_path) + paths.SEGMENT
        assert org.depth == paths.depth_of(org.path)


# -- a clean sheet -------------------------------------------------------------------------


def test_it_creates_the_sheets_organizations_below_their_superiors(
    tree: Tree, people: People
) -> None:
    sheet = xlsx(
        [
            [
                "QS-03",
                "南岭村党总支",
                "党总支",
                "QS",
                "是",
                "0871-6123 4567",
                "村委会门口",
                "南岭村",
                "张三",
                "李四",
            ],
            ["QS-03-01", "第一网格党支部", "党支部", "QS-03", "否", "", "", "", "", ""],
            ["QS-04", "青石镇市场监管所党组", "党组", "", "", "", "", "", "", ""],
        ],
        header=HEADER,
    )

    result = import_organizations(sheet, actor=people.office, under=tree.town)

    assert result.errors == []
    assert (result.created, result.updated) == (3, 0)
    general = Organization.objects.get(code="QS-03")
    assert general.parent == tree.town
    assert general.path == tree.town.path + paths.encode_segment(3)  # after QS-01 and QS-02
    assert general.kind == Organization.Kind.GENERAL_BRANCH
    assert general.is_pilot
    assert general.supervision_phone == "0871-6123 4567"
    assert (general.opinion_mailbox, general.address) == ("村委会门口", "南岭村")
    assert (general.spokesperson, general.press_liaison) == ("张三", "李四")
    assert Organization.objects.get(code="QS-03-01").parent == general
    assert Organization.objects.get(code="QS-04").parent == tree.town  # empty: below `under`
    assert Organization.objects.get(code="QS-04").kind == Organization.Kind.PARTY_GROUP
    assert_paths_consistent()


def test_it_builds_rows_whose_superior_comes_later_in_the_sheet(tree: Tree, people: People) -> None:
    rows = [
        ["QS-05-01-01", "第一村民小组党支部", "党支部", "QS-05-01"],
        ["QS-05-01", "南岭村党总支", "党总支", "QS-05"],
        ["QS-05-02", "南岭村合作社党支部", "党支部", "QS-05"],
        ["QS-05", "青石镇南片党委", "党委", "QS"],
    ]
    result = import_organizations(xlsx(rows), actor=people.office, under=tree.town)

    assert result.errors == []
    assert result.created == 4
    assert {
        ("QS-05", "QS"),
        ("QS-05-01", "QS-05"),
        ("QS-05-02", "QS-05"),
        ("QS-05-01-01", "QS-05-01"),
    } <= codes_and_parents()
    assert_paths_consistent()


def test_the_order_of_the_rows_does_not_change_the_tree(tree: Tree, people: People) -> None:
    rows = [
        ["N-1", "一", "党委", "QS"],
        ["N-1-1", "二", "党总支", "N-1"],
        ["N-1-1-1", "三", "党支部", "N-1-1"],
        ["N-1-2", "四", "党支部", "N-1"],
    ]
    import_organizations(xlsx(rows), actor=people.office, under=tree.town)
    forwards = codes_and_parents()
    Organization.objects.filter(code__startswith="N-1-1-").delete()
    Organization.objects.filter(code__startswith="N-1-").delete()
    Organization.objects.filter(code="N-1").delete()

    import_organizations(xlsx(list(reversed(rows))), actor=people.office, under=tree.town)

    assert codes_and_parents() == forwards


def test_importing_the_same_sheet_twice_creates_nothing_the_second_time(
    tree: Tree, people: People
) -> None:
    sheet = [
        ["QS-03", "南岭村党支部", "党支部", "QS", "是", "0871-1", "", "", "", ""],
        ["QS-03-01", "南岭村合作社党支部", "党支部", "QS-03", "否", "", "", "", "", ""],
    ]
    first = import_organizations(xlsx(sheet, header=HEADER), actor=people.office, under=tree.town)
    before = list(Organization.objects.values_list("code", "name", "path", "is_pilot"))

    second = import_organizations(xlsx(sheet, header=HEADER), actor=people.office, under=tree.town)

    assert (first.created, first.updated) == (2, 0)
    assert (second.created, second.updated, second.unchanged, second.errors) == (0, 0, 2, [])
    assert second.summary() == "没有变化：表中的 2 个党组织与系统中的一致。"
    assert list(Organization.objects.values_list("code", "name", "path", "is_pilot")) == before


def test_a_reimport_updates_names_kinds_pilots_and_contacts(tree: Tree, people: People) -> None:
    sheet = [
        ["QS-01", "东岭村党总支", "党总支", "QS", "否", "0871-9", "村口", "东岭村", "王五", "赵六"]
    ]

    result = import_organizations(xlsx(sheet, header=HEADER), actor=people.office, under=tree.town)

    assert (result.created, result.updated) == (0, 1)
    village = Organization.objects.get(code="QS-01")
    assert (village.name, village.kind, village.is_pilot) == (
        "东岭村党总支",
        "general_branch",
        False,
    )
    assert (village.supervision_phone, village.spokesperson, village.press_liaison) == (
        "0871-9",
        "王五",
        "赵六",
    )
    assert village.path == tree.village.path


def test_a_reimport_without_the_optional_columns_leaves_them_alone(
    tree: Tree, people: People
) -> None:
    Organization.objects.filter(pk=tree.village.pk).update(supervision_phone="0871-1")

    import_organizations(
        xlsx([["QS-01", "东岭村党支部", "党支部", "QS"]]), actor=people.office, under=tree.town
    )

    village = Organization.objects.get(code="QS-01")
    assert (village.supervision_phone, village.is_pilot) == ("0871-1", True)


def test_it_accepts_english_headers_english_kinds_and_numeric_codes(
    tree: Tree, people: People
) -> None:
    sheet = xlsx(
        [
            [1001, "南岭村党支部", "branch", "QS", "yes"],
            [1002, "北岭村党总支", "general_branch", 1001, "no"],
        ],
        header=["Code", "Name", "Kind", "Parent code", "Pilot"],
    )

    result = import_organizations(sheet, actor=people.office, under=tree.town)

    assert result.errors == []
    assert Organization.objects.get(code="1002").parent == Organization.objects.get(code="1001")
    assert Organization.objects.get(code="1001").is_pilot


# -- the scenario --------------------------------------------------------------------------


def test_it_reports_both_rows_with_a_wrong_parent_and_imports_nothing(tree: Tree) -> None:
    county_office = make_user("county-office", "县委办")
    grant(county_office, tree.county, Role.Kind.OFFICE)
    sheet = xlsx(
        [
            ["YL-XC", "新村镇党委", "党委", ""],
            ["YL-XC-01", "新村村党支部", "党支部", "YL-XC"],
            ["YL-XC-02", "上村村党支部", "党支部", "YL-XD"],
            ["YL-XC-03", "下村村党支部", "党支部", "YL-XC"],
            ["QS-03", "南岭村党支部", "党支部", "QS"],
            ["YL-XC-04", "中村村党支部", "党支部", "YLXC"],
        ]
    )
    before = codes_and_parents()

    result = import_organizations(sheet, actor=county_office, under=tree.county)

    assert result.errors == [
        RowError(4, "上级编码", "第4行：上级编码“YL-XD”既不在系统中，也不在本表中。"),
        RowError(7, "上级编码", "第7行：上级编码“YLXC”既不在系统中，也不在本表中。"),
    ]
    assert (result.created, result.updated) == (0, 0)
    assert codes_and_parents() == before


# -- every kind of bad row -----------------------------------------------------------------


@dataclass
class Case:
    rows: list[list[Any]]
    expected: list[tuple[int, str | None, str]]
    actor: str = "office"  # a People attribute
    under: str | None = "town"  # a Tree attribute
    header: tuple[str, ...] = ("编码", "名称", "类型", "上级编码")


BAD_ROWS = {
    "missing code": Case(
        [["", "南岭村党支部", "党支部", "QS"]], [(2, "编码", "第2行：“编码”为空。")]
    ),
    "missing name": Case([["QS-03", "", "党支部", "QS"]], [(2, "名称", "第2行：“名称”为空。")]),
    "missing kind": Case(
        [["QS-03", "南岭村党支部", "", "QS"]], [(2, "类型", "第2行：“类型”为空。")]
    ),
    "unknown kind": Case(
        [["QS-03", "南岭村党支部", "支部", "QS"]],
        [(2, "类型", "第2行：无法识别类型“支部”，请填写党委、党总支、党支部、党组之一。")],
    ),
    "every problem of one row": Case(
        [["", "", "支部", "QS"]],
        [
            (2, "编码", "第2行：“编码”为空。"),
            (2, "名称", "第2行：“名称”为空。"),
            (2, "类型", "第2行：无法识别类型“支部”，请填写党委、党总支、党支部、党组之一。"),
        ],
    ),
    "duplicate code in the sheet": Case(
        [
            ["QS-03", "南岭村党支部", "党支部", "QS"],
            ["QS-04", "北岭村党支部", "党支部", "QS"],
            ["QS-03", "南岭社区党支部", "党支部", "QS"],
        ],
        [(4, "编码", "第4行：编码“QS-03”已在第2行出现。")],
    ),
    "unknown superior": Case(
        [["QS-03", "南岭村党支部", "党支部", "QS-99"]],
        [(2, "上级编码", "第2行：上级编码“QS-99”既不在系统中，也不在本表中。")],
    ),
    "superior outside the organization imported into": Case(
        [["QS-03", "南岭村党支部", "党支部", "BS"]],
        [
            (
                2,
                "上级编码",
                "第2行：上级党组织白沙镇党委（BS）不在青石镇党委范围内，"
                "本次导入只能在青石镇党委之下增加党组织。",
            )
        ],
    ),
    "superior out of the importer's reach": Case(
        [["QS-03", "南岭村党支部", "党支部", "BS"]],
        [(2, "上级编码", "第2行：您无权在白沙镇党委（BS）之下增加党组织。")],
        under=None,
    ),
    "a new top-level organization by an office": Case(
        [["QX", "青溪镇党委", "党委", ""]],
        [(2, "上级编码", "第2行：上级编码为空，将成为新的顶级党组织，只有系统管理员可以这样做。")],
        under=None,
    ),
    "a circle of superiors": Case(
        [
            ["QS-A", "甲村党支部", "党支部", "QS-B"],
            ["QS-B", "乙村党支部", "党支部", "QS-A"],
            ["QS-C", "丙村党支部", "党支部", "QS"],
        ],
        [
            (2, "上级编码", "第2行：上级编码构成了循环（QS-A → QS-B → QS-A）。"),
            (3, "上级编码", "第3行：上级编码构成了循环（QS-A → QS-B → QS-A）。"),
        ],
    ),
    "its own superior": Case(
        [["QS-A", "甲村党支部", "党支部", "QS-A"]],
        [(2, "上级编码", "第2行：上级编码构成了循环（QS-A → QS-A）。")],
    ),
    "a code used elsewhere in the tree": Case(
        [["BS-01", "白沙村党支部", "党支部", "QS"]],
        [
            (
                2,
                "编码",
                "第2行：编码“BS-01”已被白沙村党支部使用（其上级为白沙镇党委），导入不能移动党组织。",
            )
        ],
        actor="admin",
        under=None,
    ),
    "a code used at the top level": Case(
        [["YL", "云岭县委", "党委", "QS"]],
        [(2, "编码", "第2行：编码“YL”已被云岭县委使用（其上级为无），导入不能移动党组织。")],
        actor="admin",
        under=None,
    ),
    "a phone number too long": Case(
        [["QS-03", "南岭村党支部", "党支部", "QS", "0871" * 11]],
        [(2, "监督电话", "第2行：“监督电话”超过40个字符。")],
        header=("编码", "名称", "类型", "上级编码", "监督电话"),
    ),
    "a name too long": Case(
        [["QS-03", "南" * 101, "党支部", "QS"]],
        [(2, "名称", "第2行：“名称”超过100个字符。")],
    ),
    "a code too long": Case(
        [["Q" * 33, "南岭村党支部", "党支部", "QS"]],
        [(2, "编码", "第2行：“编码”超过32个字符。")],
    ),
    "bad characters in the code": Case(
        [["QS 03", "南岭村党支部", "党支部", "QS"], ["-QS", "北岭村党支部", "党支部", "QS"]],
        [
            (
                2,
                "编码",
                "第2行：编码“QS 03”只能包含字母、数字、点、连字符和下划线，且必须以字母或数字开头。",
            ),
            (
                3,
                "编码",
                "第3行：编码“-QS”只能包含字母、数字、点、连字符和下划线，且必须以字母或数字开头。",
            ),
        ],
    ),
    "a pilot that is neither yes nor no": Case(
        [["QS-03", "南岭村党支部", "党支部", "QS", "可能"]],
        [(2, "联系点", "第2行：“联系点”应填写“是”或“否”，不能填写“可能”。")],
        header=("编码", "名称", "类型", "上级编码", "联系点"),
    ),
    "unknown setting": Case(
        [["QS-03", "南岭村党支部", "党支部", "QS", "城市"]],
        [
            (
                2,
                "所在领域",
                "第2行：无法识别所在领域“城市”，请填写农村、社区、机关、事业单位、企业、学校、其他之一，"
                "或者留空。",
            )
        ],
        header=("编码", "名称", "类型", "上级编码", "所在领域"),
    ),
    "rows numbered as in Excel, blank rows included": Case(
        [["QS-03", "南岭村党支部", "党支部", "QS"], [None, None], ["QS-04", "北岭", "支部", "QS"]],
        [(4, "类型", "第4行：无法识别类型“支部”，请填写党委、党总支、党支部、党组之一。")],
    ),
}


@pytest.mark.parametrize("case", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_it_reports_every_bad_row_and_imports_nothing(
    case: Case, tree: Tree, people: People
) -> None:
    before = codes_and_parents()
    actor = getattr(people, case.actor)
    under = getattr(tree, case.under) if case.under else None

    result = import_organizations(xlsx(case.rows, header=case.header), actor=actor, under=under)

    assert [(e.row, e.column, e.message) for e in result.errors] == case.expected
    assert (result.created, result.updated) == (0, 0)
    assert codes_and_parents() == before


# -- bad files -----------------------------------------------------------------------------


def _valid_bytes() -> bytes:
    return xlsx([["QS-03", "南岭村党支部", "党支部", "QS"]]).getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


NOT_XLSX = "文件不是 Excel 工作簿（.xlsx）。请另存为 .xlsx 格式后重试。"
CORRUPT = "无法按 Excel 工作簿读取该文件，文件可能已损坏。"

BAD_FILES = {
    "a csv file": (lambda: named(b"code,name\n", "orgs.csv"), NOT_XLSX),
    "an old .xls renamed": (
        lambda: named(b"\xd0\xcf\x11\xe0" + b"\0" * 200, "orgs.xlsx"),
        NOT_XLSX,
    ),
    "a zip that is no workbook": (
        lambda: named(_zip({"word/document.xml": b"<w/>"}), "a.xlsx"),
        NOT_XLSX,
    ),
    "a truncated workbook": (lambda: named(_valid_bytes()[:2000], "orgs.xlsx"), CORRUPT),
    "a workbook with a broken part": (
        lambda: named(
            _zip({"xl/workbook.xml": b"<not xml", "[Content_Types].xml": b"?"}), "a.xlsx"
        ),
        CORRUPT,
    ),
    "an empty sheet": (
        lambda: xlsx([], header=None),
        "第一个工作表是空的：需要一行表头，每个党组织各占一行。",
    ),
}


@pytest.mark.parametrize("make, message", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_it_refuses_a_file_it_cannot_read(
    make: Any, message: str, tree: Tree, people: People
) -> None:
    result = import_organizations(make(), actor=people.office, under=tree.town)

    assert result.errors == [RowError(0, None, message)]


def test_it_refuses_a_file_too_large_before_reading_it(
    tree: Tree, people: People, settings: Any
) -> None:
    settings.GONGKAI_MAX_IMPORT_BYTES = 1024

    result = import_organizations(
        named(b"x" * 4096, "orgs.xlsx"), actor=people.office, under=tree.town
    )

    assert result.errors == [
        RowError(0, None, "文件大小为 4.0\xa0KB，导入文件不能超过 1.0\xa0KB。")
    ]


def test_it_refuses_a_workbook_that_unpacks_too_large(
    tree: Tree, people: People, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "MAX_UNPACK_FACTOR", 1)
    settings.GONGKAI_MAX_IMPORT_BYTES = 20_000
    bomb = _zip({"xl/workbook.xml": b"<workbook/>", "xl/pad.xml": b" " * 100_000})

    result = import_organizations(named(bomb, "orgs.xlsx"), actor=people.office, under=tree.town)

    assert result.errors == [
        RowError(0, None, "工作簿解压后超过 19.5\xa0KB，请删除无用的工作表和格式后重试。")
    ]


def test_it_names_a_missing_required_column(tree: Tree, people: People) -> None:
    sheet = xlsx([["QS-03", "南岭村党支部", "QS"]], header=["编码", "名称", "上级编码"])

    result = import_organizations(sheet, actor=people.office, under=tree.town)

    assert result.errors == [RowError(1, "类型", "第1行：缺少必填列“类型”。")]


def test_it_refuses_a_sheet_with_too_many_rows(
    tree: Tree, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    rows = [[f"QS-1{i}", "村党支部", "党支部", "QS"] for i in range(4)]

    result = import_organizations(xlsx(rows), actor=people.office, under=tree.town)

    assert result.errors == [RowError(0, None, "工作表超过3行，请拆分为多个文件导入。")]
    assert not Organization.objects.filter(code__startswith="QS-1").exists()


# -- reach -----------------------------------------------------------------------------------


def test_the_town_office_cannot_import_under_the_other_town(tree: Tree, people: People) -> None:
    sheet = xlsx([["BS-02", "白沙社区党支部", "党支部", ""]])

    result = import_organizations(sheet, actor=people.office, under=tree.other_town)

    assert result.errors == [RowError(0, None, "您无权在白沙镇党委之下增加党组织。")]
    assert not Organization.objects.filter(code="BS-02").exists()


def test_a_clerk_cannot_import_even_below_their_own_branch(tree: Tree, people: People) -> None:
    result = import_organizations(
        xlsx([["QS-01-01", "合作社党支部", "党支部", ""]]), actor=people.clerk, under=tree.village
    )

    assert result.errors == [RowError(0, None, "您无权在东岭村党支部之下增加党组织。")]


def test_an_administrator_may_add_new_top_level_organizations(people: People) -> None:
    result = import_organizations(
        xlsx([["HX", "红溪县委", "党委", ""], ["HX-01", "红溪镇党委", "党委", "HX"]]),
        actor=people.admin,
        under=None,
    )

    assert result.errors == []
    assert Organization.objects.get(code="HX").parent is None
    assert_paths_consistent()


# -- the template ----------------------------------------------------------------------------


def test_the_template_has_the_headers_and_its_example_on_the_notes_sheet(db: None) -> None:
    workbook = load_workbook(io.BytesIO(importing.organization_import_template()))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    notes = [row for row in workbook.worksheets[1].iter_rows(values_only=True) if any(row)]

    assert sheet.title == "党组织"
    assert rows == [TEMPLATE_HEADER]
    assert workbook.worksheets[1].title == "填写说明"
    assert notes[-2] == TEMPLATE_HEADER
    assert notes[-1][:4] == ("QS-03", "南岭村党支部", "党支部", "QS")
    assert notes[-1][-1] == "农村"


def test_the_template_uploaded_unchanged_changes_nothing(tree: Tree, people: People) -> None:
    before = list(Organization.objects.order_by("pk").values())
    template = named(importing.organization_import_template(), "模板.xlsx")

    result = import_organizations(template, actor=people.office, under=tree.town)

    assert (result.created, result.updated, result.unchanged, result.errors) == (0, 0, 0, [])
    assert not result.changed
    assert result.summary() == "没有变化：表中只有表头，没有党组织。"
    assert list(Organization.objects.order_by("pk").values()) == before


def test_the_template_with_the_example_copied_in_imports_it(tree: Tree, people: People) -> None:
    workbook = load_workbook(io.BytesIO(importing.organization_import_template()))
    example = [row for row in workbook.worksheets[1].iter_rows(values_only=True) if any(row)][-1]
    workbook.worksheets[0].append(list(example))
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = import_organizations(
        named(buffer.getvalue(), "模板.xlsx"), actor=people.office, under=tree.town
    )

    assert (result.created, result.errors) == (1, [])
    assert Organization.objects.get(code="QS-03").parent == tree.town
    assert result.summary() == "导入完成：新增 1 个，更新 0 个，0 个已是最新。"


# -- the command -----------------------------------------------------------------------------


def test_the_command_imports_a_file_as_an_administrator(tree: Tree, tmp_path: Any) -> None:
    path = tmp_path / "orgs.xlsx"
    path.write_bytes(xlsx([["BS-02", "白沙社区党支部", "党支部", ""]]).getvalue())
    out = io.StringIO()

    call_command("import_organizations", str(path), "--under", "BS", stdout=out)

    assert out.getvalue().strip() == "导入完成：新增 1 个，更新 0 个，0 个已是最新。"
    assert Organization.objects.get(code="BS-02").parent == tree.other_town


def test_the_command_prints_every_problem_and_fails(tree: Tree, tmp_path: Any) -> None:
    path = tmp_path / "orgs.xlsx"
    path.write_bytes(
        xlsx(
            [["BS-02", "白沙社区党支部", "党支部", "XX"], ["BS-03", "", "党支部", "BS"]]
        ).getvalue()
    )
    err = io.StringIO()

    with pytest.raises(CommandError, match="发现2个问题，未导入任何内容。") as raised:
        call_command("import_organizations", str(path), stderr=err)

    assert raised.value.returncode == 1
    assert err.getvalue().splitlines() == [
        "第2行：上级编码“XX”既不在系统中，也不在本表中。",
        "第3行：“名称”为空。",
    ]
    assert not Organization.objects.filter(code__in=["BS-02", "BS-03"]).exists()


def test_the_command_refuses_an_unknown_under_code(tree: Tree, tmp_path: Any) -> None:
    path = tmp_path / "orgs.xlsx"
    path.write_bytes(_valid_bytes())

    with pytest.raises(CommandError, match="没有编码为“NOPE”的党组织。"):
        call_command("import_organizations", str(path), "--under", "NOPE")


def test_a_sheet_says_where_each_organization_works(tree: Tree, people: People) -> None:
    header = ("编码", "名称", "类型", "上级编码", "所在领域")
    sheet = [
        ["QS-03", "南岭村党支部", "党支部", "QS", "农村"],
        ["QS-04", "青石社区党支部", "党支部", "QS", "社区"],
        ["QS-05", "镇中心学校党支部", "党支部", "QS", "school"],
        ["QS-06", "镇卫生院党支部", "党支部", "QS", ""],
    ]
    result = import_organizations(xlsx(sheet, header=header), actor=people.office, under=tree.town)
    assert result.errors == []
    settings = dict(
        Organization.objects.filter(code__in=["QS-03", "QS-04", "QS-05", "QS-06"]).values_list(
            "code", "setting"
        )
    )
    assert settings == {"QS-03": "village", "QS-04": "community", "QS-05": "school", "QS-06": ""}

    sheet[0][4] = "村"
    again = import_organizations(xlsx(sheet, header=header), actor=people.office, under=tree.town)
    assert (again.updated, again.unchanged) == (0, 4)
    sheet[3][4] = "事业单位"
    third = import_organizations(xlsx(sheet, header=header), actor=people.office, under=tree.town)
    assert (third.updated, third.unchanged) == (1, 3)
    assert Organization.objects.get(code="QS-06").setting == "institution"


def test_a_sheet_without_the_setting_column_leaves_settings_alone(
    tree: Tree, people: People
) -> None:
    Organization.objects.filter(code="QS-01").update(setting="village")
    sheet = [["QS-01", "东岭村党支部", "党支部", "QS", "是"]]
    result = import_organizations(
        xlsx(sheet, header=HEADER[:5]), actor=people.office, under=tree.town
    )
    assert result.errors == []
    assert Organization.objects.get(code="QS-01").setting == "village"
