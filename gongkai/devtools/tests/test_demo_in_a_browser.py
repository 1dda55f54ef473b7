"""The demo in a real browser: whoever signs in lands where they have something to read or
do, never on a refusal."""

from __future__ import annotations

from typing import Any

import pytest

from gongkai.devtools.demo import DEMO_PASSWORD, load_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db: None) -> None:
    load_demo()


def sign_in_as(page: Any, login: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名或手机号").fill(login)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_a_member_lands_on_the_party_internal_items_of_their_branch(
    demo: None, browser_page: Any
) -> None:
    page = browser_page
    sign_in_as(page, "13900000004")  # 王秀英, member of 东岭村党支部, with her mobile
    page.wait_for_url("**/me/")
    assert "无权访问" not in page.content()
    assert page.title() == "我的党组织 · 党务公开平台"
    branch = page.locator("section.card", has_text="党内公开").first
    assert "东岭村党支部" in branch.inner_text()
    link = branch.get_by_role("link", name="东岭村党支部2026年上半年意识形态工作责任制落实情况")
    link.click()
    page.get_by_role("heading", name="意识形态工作责任制落实情况", exact=False).first.wait_for()
    assert "专题会议" in page.content()


def test_the_reviewer_starts_from_a_queue_with_work_in_it(demo: None, browser_page: Any) -> None:
    page = browser_page
    sign_in_as(page, "reviewer")
    page.wait_for_url("**/console/todo/")
    queue = page.locator("section.card", has_text="待审核").first
    queue.get_by_role("link", name="东岭村党支部2026年前三季度党费使用和管理情况").click()
    page.wait_for_url("**/console/disclosures/*/")
    assert "党费使用和管理情况" in page.title()


def test_the_county_reviewer_finds_the_towns_major_item_waiting(
    demo: None, browser_page: Any
) -> None:
    page = browser_page
    sign_in_as(page, "yl-reviewer")
    page.wait_for_url("**/console/todo/")
    queue = page.locator("section.card", has_text="待上级审核").first
    assert "青石镇2027年村级公益事业建设项目安排" in queue.inner_text()
