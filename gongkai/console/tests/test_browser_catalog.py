"""Scenario 1 in a real browser: the town adopts and changes its catalog, a pilot village
accepts the change and adds its own item, the office imports branches from Excel."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from gongkai.conftest import sign_in
from gongkai.devtools.demo import DEMO_PASSWORD, load_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db):  # type: ignore[no-untyped-def]
    load_demo()


def test_the_town_changes_its_catalog_and_a_pilot_village_accepts_it(demo, browser_page):
    page = browser_page
    # The town office signs in with its mobile number.
    sign_in(page, "13900000006", DEMO_PASSWORD)
    page.get_by_role("link", name="公开目录", exact=True).click()
    page.get_by_role("heading", name="民主决策", exact=False).first.wait_for()
    assert page.locator("section.card h2").count() >= 7

    # Adapt one item and publish it as a new version.
    row = page.locator("tr", has_text="党员点题公开").first
    row.get_by_role("link", name="编辑").click()
    page.get_by_label("责任部门").fill("镇党政办（点题受理）")
    page.get_by_role("button", name="保存到草稿").click()
    page.get_by_text("已保存到草稿").wait_for()
    page.get_by_role("button", name="发布草稿").click()
    page.get_by_text("第 2 版已发布").wait_for()

    # The village secretary sees the change waiting and accepts it.
    page.get_by_role("button", name="退出").click()
    sign_in(page, "reviewer", DEMO_PASSWORD)
    page.get_by_role("link", name="公开目录", exact=True).click()
    page.get_by_role("link", name="查看变更并接收").click()
    assert page.locator("tr.diff-changed", has_text="党员点题公开").count() == 1
    page.get_by_role("button", name="接收新版本").click()
    page.get_by_text("已接收").wait_for()
    assert "镇党政办（点题受理）" in page.locator("tr", has_text="党员点题公开").first.inner_text()

    # A locked item offers no edit link below; an added local item is marked as local.
    locked_row = page.locator("tr", has_text="锁定").first
    assert locked_row.get_by_role("link", name="编辑").count() == 0
    page.get_by_role("link", name="新增事项", exact=True).click()
    page.get_by_label("事项", exact=True).fill("村级光伏收益分配情况")
    page.get_by_label("公开时限").select_option(label="即时公开")
    page.get_by_label("时限（工作日）").fill("5")
    page.get_by_label("时限起算").select_option(label="事项发生后")
    page.get_by_role("button", name="保存到草稿").click()
    page.get_by_role("button", name="发布草稿").click()
    new_row = page.locator("tr", has_text="村级光伏收益分配情况")
    assert "本级增设" in new_row.inner_text()


def test_a_bad_form_keeps_what_was_typed_and_says_why_in_chinese(demo, browser_page):
    page = browser_page
    sign_in(page, "office", DEMO_PASSWORD)
    page.goto("/console/catalog/items/new")
    page.get_by_label("事项", exact=True).fill("镇级重点项目进展")
    page.get_by_label("责任部门").fill("党政办")
    page.get_by_label("公开时限").select_option(label="定期公开")
    page.get_by_role("button", name="保存到草稿").click()
    page.get_by_text("定期公开的事项须选择周期").wait_for()
    assert page.get_by_label("事项", exact=True).input_value() == "镇级重点项目进展"
    assert page.get_by_label("责任部门").input_value() == "党政办"


def _sheet(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["编码", "名称", "类型", "上级编码"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_office_imports_branches_and_sees_bad_rows_by_number(demo, browser_page, tmp_path):
    from gongkai.organizations.models import Organization

    page = browser_page
    sign_in(page, "office", DEMO_PASSWORD)
    bad = tmp_path / "branches.xlsx"
    bad.write_bytes(
        _sheet(
            [
                ["QS-17", "新村党支部", "党支部", "QS"],
                ["QS-18", "河湾村党支部", "党支部", "QX"],
                ["QS-19", "山脚村党支部", "党支部", "QS"],
                ["QS-20", "坝子村党支部", "党支部", "XX"],
            ]
        )
    )
    page.get_by_role("link", name="导入党组织").click()
    page.get_by_label("Excel 文件（.xlsx）").set_input_files(str(bad))
    page.get_by_role("button", name="导入", exact=True).click()
    page.get_by_text("未导入任何内容").wait_for()
    rows = page.locator("table.data tbody tr")
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())] == ["3", "5"]
    assert not Organization.objects.filter(code__in=["QS-17", "QS-19"]).exists()

    good = tmp_path / "fixed.xlsx"
    good.write_bytes(
        _sheet(
            [
                ["QS-17", "新村党支部", "党支部", "QS"],
                ["QS-18", "河湾村党支部", "党支部", "QS"],
            ]
        )
    )
    page.get_by_label("Excel 文件（.xlsx）").set_input_files(str(good))
    page.get_by_role("button", name="导入", exact=True).click()
    page.get_by_text("导入完成：新增 2 个").wait_for()
    assert Organization.objects.get(code="QS-18").parent.code == "QS"


def test_the_tree_opens_a_node_on_demand(demo, browser_page):
    page = browser_page
    sign_in(page, "superior", DEMO_PASSWORD)
    page.get_by_role("link", name="组织架构").click()
    page.locator("summary", has_text="青石镇党委").click()
    page.get_by_role("link", name="东岭村党支部").wait_for()
    assert page.locator(".tree a", has_text="党支部").count() == 16
