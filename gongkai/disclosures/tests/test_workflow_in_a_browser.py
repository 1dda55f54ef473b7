"""The corrected workflow paths in a real browser (Debian's Chromium through Playwright): a
scheduled publication shows as scheduled to staff, with its times, never as published; and
an opinion sent after the consultation window closed is refused, with what was typed kept,
although no job closed the consultation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from gongkai.conftest import PASSWORD
from gongkai.disclosures.models import Disclosure, Opinion, State

from .conftest import force_state, published

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, login: str) -> None:
    # Not the shared helper: it waits for the console, and a member may land elsewhere.
    page.goto("/accounts/login/")
    page.get_by_label("用户名或手机号").fill(login)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_a_scheduled_publication_shows_as_scheduled_to_staff(
    people: Any, draft: Disclosure, browser_page: Any
) -> None:
    later = timezone.now() + dt.timedelta(days=2)
    scheduled = published(people, draft, at=later)
    assert scheduled.state == State.PUBLISHED
    at = timezone.localtime(later).strftime("%Y-%m-%d %H:%M")
    page = browser_page

    sign_in(page, "clerk")
    page.goto("/console/todo/")
    section = page.locator("section", has=page.get_by_role("heading", name="定时发布"))
    row = section.get_by_role("row", name="东岭村监督电话")
    assert "定时发布" in row.inner_text() and at in row.inner_text()
    assert "已发布" not in row.inner_text()

    row.get_by_role("link", name="东岭村监督电话").click()
    page.wait_for_url(f"**/console/disclosures/{scheduled.pk}/")
    heading_row = page.locator(".row", has=page.get_by_role("heading", level=1))
    assert "定时发布" in heading_row.inner_text()
    assert "已发布" not in heading_row.inner_text()
    assert at in page.locator("dl.schedule").inner_text()


def test_an_opinion_is_refused_after_the_consultation_window(
    people: Any, draft: Disclosure, browser_page: Any
) -> None:
    force_state(
        draft, State.CONSULTATION, consultation_until=timezone.now() + dt.timedelta(hours=1)
    )
    page = browser_page
    sign_in(page, "member")
    page.goto(f"/d/{draft.pk}/consultation")
    page.get_by_label("您的意见").fill("建议把监督电话印在村务公开栏上")

    # The window closes while the member is typing; no job runs, the minute decides.
    Disclosure.objects.filter(pk=draft.pk).update(
        consultation_until=timezone.now() - dt.timedelta(seconds=1)
    )
    page.get_by_role("button", name="提交").click()

    alert = page.get_by_role("alert")
    assert "征求意见已于" in alert.inner_text() and "不再接收意见" in alert.inner_text()
    assert "建议把监督电话印在村务公开栏上" in page.content()  # nothing typed is lost
    assert page.get_by_role("button", name="提交").count() == 0  # no form to send again
    assert not Opinion.objects.filter(disclosure=draft).exists()
