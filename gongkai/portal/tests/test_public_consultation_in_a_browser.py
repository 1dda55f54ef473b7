"""A villager in a real browser (Debian's Chromium through Playwright) gives opinions on a
public consultation without an account; past the soft limit the question is found by its
label, as a screen reader announces it, answered in Chinese numerals, and the opinion typed
before is still there and is stored."""

from __future__ import annotations

import re
from typing import Any

import pytest

from gongkai.disclosures.models import Opinion
from gongkai.guard import challenge, limits

from .test_public_consultation import public_draft  # noqa: F401  (a fixture, by name)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_villager_answers_the_question_and_the_opinion_is_kept(
    public_draft: Any,  # noqa: F811
    tree: Any,
    browser_page: Any,
    settings: Any,
) -> None:
    settings.GUARD_LIMITS = {"consultation": limits.Limit(10, 1, 1000, 3600)}
    page = browser_page
    page.goto(f"/o/{tree.village.code}/")
    page.get_by_role("link", name="村道硬化工程方案（征求意见稿）").click()
    page.wait_for_url(f"**/d/{public_draft.pk}/consultation")
    page.get_by_label("您的意见").fill("建议公开施工单位")
    page.get_by_role("button", name="提交").click()
    assert "已收到" in page.locator("main").inner_text()

    page.get_by_label("您的意见").fill("路灯也一起装上")
    page.get_by_label("称呼（可不填）").fill("老李")
    page.get_by_role("button", name="提交").click()
    alert = page.get_by_role("alert").first
    assert "请回答下面的问题" in alert.inner_text()
    question = page.locator("label[for=guard-answer]").inner_text()
    assert re.fullmatch(r"\S+[加减]\S+等于几？请填写数字。", question)
    a, b = (challenge.read_number(n) for n in re.findall("[零一二三四五六七八九十]+", question))
    assert a is not None and b is not None
    answer = a - b if "减" in question else a + b
    # What was typed is still in the form.
    assert page.get_by_label("您的意见").input_value() == "路灯也一起装上"
    assert page.get_by_label("称呼（可不填）").input_value() == "老李"
    page.get_by_label(question).fill(challenge.chinese(answer))
    page.get_by_role("button", name="提交").click()
    assert "已收到" in page.locator("main").inner_text()
    assert sorted(Opinion.objects.values_list("text", flat=True)) == [
        "建议公开施工单位",
        "路灯也一起装上",
    ]
