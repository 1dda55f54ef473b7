"""Issue 9's browser test (Debian's Chromium through Playwright): a member of the public sends
an opinion from the kiosk about the dues table, staff answer and publish it in the console, it
appears on the echo wall, and the tracking page shows the answer and takes the vote."""

from __future__ import annotations

from typing import Any

import pytest

from gongkai.conftest import sign_in
from gongkai.engagement.models import Opinion, State

from .conftest import PHONE, dues_table

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KIOSK = {"width": 1080, "height": 1920}


def test_kiosk_opinion_answered_on_the_echo_wall_and_rated(
    people: Any, tree: Any, village_catalog: Any, chromium: Any, live_server: Any
) -> None:
    table = dues_table(people, tree, village_catalog, title="2026年第三季度党费收缴情况")

    # At the kiosk: no sign-in, large touch targets.
    kiosk = chromium.new_context(
        viewport=KIOSK, has_touch=True, locale="zh-CN", base_url=live_server.url
    )
    kiosk.set_default_timeout(10_000)
    page = kiosk.new_page()
    page.goto(f"/kiosk/{tree.village.code}/")
    page.get_by_role("link", name="2026年第三季度党费收缴情况").click()
    page.wait_for_url(f"**/kiosk/{tree.village.code}/d/{table.pk}/")
    page.get_by_role("link", name="对此留言").click()
    page.get_by_label("群众反映").check()
    page.get_by_label("留言内容").fill("党费表里第三组的金额好像少算了一笔，请核对。")
    page.get_by_label("电话或其他联系方式（选填）").fill(PHONE)
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/receipt")
    code = page.locator(".tracking-code").inner_text().strip()
    assert len(code) == 14 and "答复期限" in page.content()
    assert PHONE not in page.content()
    opinion = Opinion.objects.get()
    assert opinion.channel == "kiosk" and opinion.code_display == code
    assert opinion.disclosure == table
    kiosk.close()

    # The clerk answers and publishes it in the console.
    staff = chromium.new_context(locale="zh-CN", base_url=live_server.url)
    staff.set_default_timeout(10_000)
    console = staff.new_page()
    sign_in(console, "clerk")
    console.goto("/console/")
    console.get_by_role("link", name="意见建议").click()
    console.get_by_role("link", name=code).click()
    assert PHONE in console.content()  # the handling staff see the contact
    console.get_by_label("答复", exact=True).fill("经核对，第三组少记一笔20元，已更正并重新公布。")
    console.get_by_role("button", name="提交答复").click()
    console.get_by_label("回音壁公开范围").select_option("public")
    console.get_by_role("button", name="在回音壁公开").click()
    assert "已在回音壁公开" in console.content()
    staff.close()
    opinion.refresh_from_db()
    assert opinion.state == State.ANSWERED and opinion.published

    # Anyone: the echo wall, then the tracking page and the vote.
    public = chromium.new_context(locale="zh-CN", base_url=live_server.url)
    public.set_default_timeout(10_000)
    page = public.new_page()
    page.goto(f"/o/{tree.village.code}/")
    page.get_by_role("link", name="回音壁").first.click()
    wall = page.locator(".wall").inner_text()
    assert "第三组少记一笔20元" in wall and "第三组的金额好像少算了一笔" in wall
    assert PHONE not in page.content()
    page.goto("/track/")
    page.get_by_label("回执上的查询码").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="查询").click()
    assert "第三组少记一笔20元" in page.locator(".track-result").inner_text()
    page.get_by_role("button", name="满意", exact=True).click()
    assert "您的评价已记录" in page.content()
    assert page.get_by_role("button", name="满意", exact=True).count() == 0
    public.close()
    opinion.refresh_from_db()
    assert opinion.rating == "satisfied"
