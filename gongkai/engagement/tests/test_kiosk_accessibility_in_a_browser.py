"""The kiosk's pages have no serious or critical axe-core violations (axe-core from
axe-playwright-python, run in Debian's Chromium), at the kiosk's portrait screen."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from gongkai.engagement import services

from .conftest import dues_table, send
from .test_kiosk_consultations import _consulting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KIOSK = {"width": 1080, "height": 1920}


def serious(page: Any) -> list[str]:
    # axe-playwright-python is declared in pyproject by the accessibility work (issue 10).
    axe = pytest.importorskip("axe_playwright_python.sync_playwright")
    results = axe.Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
    'a, button, input:not([type=hidden]):not([type=radio]), textarea, select, label.choice'
)).filter(el => el.offsetParent !== null && !el.closest('.body, .skip-link')
    && !el.classList.contains('skip-link'))
  .map(el => [el.textContent.trim() || el.name || el.tagName, el.getBoundingClientRect()])
  .filter(([, r]) => r.height < 48 || r.width < 48)
  .map(([name, r]) => `${name} ${Math.round(r.width)}x${Math.round(r.height)}`)"""


def test_no_kiosk_page_has_a_serious_violation(
    people: Any, tree: Any, village_catalog: Any, chromium: Any, live_server: Any
) -> None:
    with transaction.atomic():  # the workflow locks rows (PostgreSQL wants a transaction)
        for n in range(6):
            d = dues_table(people, tree, village_catalog, title=f"第{n + 1}期党费收缴情况")
        asked = send(tree.village, text="第三组的党费是否少算了一笔？")
        services.answer(asked, actor=people.clerk, text="经核对，已更正。")
        services.publish(asked, actor=people.clerk)
        consulting = _consulting(people, tree.village, village_catalog, "村道硬化方案")
    code = tree.village.code
    context = chromium.new_context(
        viewport=KIOSK, has_touch=True, locale="zh-CN", base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(f"{m.text} {m.location.get('url')}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    found: dict[str, list[str]] = {}
    for url in (
        f"/kiosk/{code}/",
        f"/kiosk/{code}/d/{d.pk}/",
        f"/kiosk/{code}/opinion",
        f"/kiosk/{code}/opinion?disclosure={d.pk}",
        f"/kiosk/{code}/track",
        f"/kiosk/{code}/echo/",
        f"/kiosk/{code}/consultation/{consulting.pk}",
    ):
        page.goto(url)
        found[url] = serious(page)
        # Every touch target is at least 48 px each way.
        found[url] += page.evaluate(SMALL_TARGETS)
    # The tracking result with its one-touch vote, and the receipt after sending.
    page.goto(f"/kiosk/{code}/track")
    page.get_by_label("回执上的查询码").fill(asked.code_display)
    page.get_by_role("button", name="查询").click()
    page.get_by_role("button", name="满意", exact=True).wait_for()
    found["track result"] = serious(page) + page.evaluate(SMALL_TARGETS)
    page.goto(f"/kiosk/{code}/opinion")
    page.get_by_label("留言内容").fill("村口公开栏的玻璃碎了。")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/receipt")
    found["receipt"] = serious(page)
    context.close()
    assert Client().get(f"/kiosk/{code}/").status_code == 200
    assert {url: v for url, v in found.items() if v} == {}
    # Nothing the policy blocks, no script error, on any kiosk page.
    assert errors == []
