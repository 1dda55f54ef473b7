"""Scenario 9 in a browser: the supervisor reads the village's records (logged), files the
board finding with a photo; the clerk records the rectification with the corrected board's
photo; the supervisor confirms and publishes; the villager reads the result on the village's
page with the phone number masked."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from gongkai.conftest import sign_in
from gongkai.supervision.models import Finding, SupervisionView

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _photo(tmp_path, name: str, color: str) -> str:
    path = tmp_path / name
    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), color).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="退出").click()


def test_the_supervisors_round_in_a_browser(browser_page, people, tree, oversight, media, tmp_path):
    page = browser_page
    sign_in(page, "supervisor")
    page.goto("/console/supervision/")
    page.get_by_role("link", name=tree.village.name).first.click()
    page.get_by_text("监督员只读查阅").wait_for()
    assert SupervisionView.objects.filter(viewer=people.supervisor).count() == 1
    page.get_by_role("link", name="提出问题").first.click()
    page.get_by_label("问题类别").select_option("content")
    page.get_by_label("发现的问题").fill("公开栏仍张贴去年的党费收缴情况，联系人电话13812345678")
    page.get_by_label("佐证材料（照片或文件）").set_input_files(_photo(tmp_path, "现状.png", "red"))
    page.get_by_role("button", name="提出").click()
    page.get_by_text("问题已提出").wait_for()
    finding = Finding.objects.get()
    sign_out(page)

    sign_in(page, "clerk")
    page.goto(f"/console/supervision/findings/{finding.pk}/")
    page.get_by_label("整改情况").fill("已换贴本年度党费收缴情况")
    page.get_by_label("整改佐证（如更新后公开栏的照片）").set_input_files(
        _photo(tmp_path, "更新后.png", "green")
    )
    page.get_by_role("button", name="登记").click()
    page.get_by_text("已整改，待确认").first.wait_for()
    sign_out(page)

    sign_in(page, "supervisor")
    page.goto(f"/console/supervision/findings/{finding.pk}/")
    page.get_by_role("button", name="确认", exact=True).click()
    page.get_by_label("公开范围").select_option("public")
    page.get_by_role("button", name="发布").click()
    page.get_by_text("党组织公开页").wait_for()
    sign_out(page)

    page.goto(f"/o/{tree.village.code}/")
    page.get_by_role("link", name="监督检查结果").click()
    page.get_by_text("已换贴本年度党费收缴情况").wait_for()
    body = page.content()
    assert "138****5678" in body and "13812345678" not in body
