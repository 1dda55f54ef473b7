"""The sign-in page in a real browser (Debian's Chromium through Playwright) at a phone's width."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gongkai.conftest import People

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 640}


@pytest.fixture
def page(chromium: Any, live_server: Any) -> Iterator[Any]:
    """A page in a phone-sized browser window (the shared `chromium` from conftest)."""
    context = chromium.new_context(
        viewport=PHONE, is_mobile=True, locale="zh-CN", base_url=live_server.url
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_the_sign_in_page_fits_a_phone_and_keeps_the_login_name(people: People, page: Any) -> None:
    page.goto("/accounts/login/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_label("用户名或手机号").fill("13800000001")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()

    alert = page.get_by_role("alert")
    assert "用户名、手机号或密码不正确" in alert.inner_text()
    assert page.get_by_label("用户名或手机号").input_value() == "13800000001"
    assert page.get_by_label("密码").input_value() == ""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_right_password_signs_in_from_a_phone(people: People, page: Any) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名或手机号").fill("13800000001")
    page.get_by_label("密码").fill("gongkai-test-password")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/console/**")
