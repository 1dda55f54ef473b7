"""The portal in a real browser (Debian's Chromium through Playwright): a member who signs in
reads what is disclosed inside the party, which an anonymous visitor cannot even find; and a
withdrawal leaves its reason on show."""

from __future__ import annotations

from typing import Any

import pytest

from gongkai.catalog.models import Scope
from gongkai.conftest import sign_in
from gongkai.disclosures import workflow

from .conftest import published

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 640}


def test_a_member_signs_in_and_reads_what_is_disclosed_inside_the_party(
    people: Any, shown: Any, browser_page: Any
) -> None:
    dues = shown(
        scope=Scope.PARTY, title="2026年第一季度党费收缴情况", body="<p>应缴32人，已缴32人</p>"
    )
    page = browser_page

    page.goto("/o/QS-01/")
    assert "东岭村党支部" in page.get_by_role("heading", level=1).inner_text()
    assert "党费收缴情况" not in page.content()
    response = page.goto(f"/d/{dues.pk}/")
    assert response is not None and response.status == 404
    assert "党费收缴情况" not in page.content()

    sign_in(page, "member")
    page.goto("/o/QS-01/")
    # The anonymous copy read a moment ago may still be in the browser's cache
    # (Cache-Control: public, max-age up to 5 s, gongkai.web.caching): reload past it.
    page.reload()
    # Listed among what is new and under its catalog item.
    links = page.get_by_role("link", name="2026年第一季度党费收缴情况")
    link = links.first
    link.wait_for()
    assert link.is_visible() and links.count() == 2
    link.click()
    page.wait_for_url(f"**/d/{dues.pk}/")
    assert "应缴32人，已缴32人" in page.locator("article").inner_text()
    assert "党内" in page.get_by_role("heading", level=1).inner_text()


def test_a_withdrawal_leaves_its_reason_visible(
    people: Any, draft: Any, chromium: Any, live_server: Any
) -> None:
    notice = published(people, draft)
    workflow.withdraw(notice, actor=people.reviewer, reason="号码已停用，新号码另行公布")
    context = chromium.new_context(
        viewport=PHONE, is_mobile=True, locale="zh-CN", base_url=live_server.url
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/o/QS-01/")
        page.get_by_role("link", name="东岭村监督电话").click()
        page.wait_for_url(f"**/d/{notice.pk}/")
        note = page.get_by_role("note")
        assert "本公开内容已撤回" in note.inner_text()
        assert "号码已停用，新号码另行公布" in note.inner_text()
        assert "0871-6123401" not in page.content()
        # Readable on a phone: nothing pushes the page wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def test_a_reader_on_a_phone_checks_a_disclosure_against_the_signed_head(
    people: Any, draft: Any, chromium: Any, live_server: Any
) -> None:
    """Scenario: a villager scans the QR code or taps 立即核验; the phone's browser recomputes
    the disclosure's entries (canonical JSON, commitment, leaf), follows the inclusion path
    to the signed head and checks its Ed25519 signature, without downloading the log."""
    notice = published(people, draft)
    workflow.correct(
        notice, actor=people.reviewer, reason="号码有误", title=notice.title, body="<p>更正</p>"
    )
    context = chromium.new_context(
        viewport=PHONE, is_mobile=True, locale="zh-CN", base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"/d/{notice.pk}/")
        page.get_by_role("link", name="核验").first.click()  # the short link to the proof
        page.wait_for_url(f"**/d/{notice.pk}/proof")
        check = page.locator("[data-ledger-check]")
        check.get_by_role("button", name="立即核验").click()
        result = check.locator("[data-result]")
        result.get_by_text("核验通过", exact=False).wait_for()
        assert "2 条台账记录" in result.inner_text()
    finally:
        context.close()
