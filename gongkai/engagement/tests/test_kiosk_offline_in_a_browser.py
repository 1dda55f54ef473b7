"""Issue 10's kiosk test (Debian's Chromium through Playwright): the kiosk's service worker
keeps what it shows; offline, a vote and an opinion are queued in the page (and said so), the
kiosk's home reloads from the worker's cache, and back online each is stored exactly once,
even when the same queued item is sent twice at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.signals import request_started
from django.db import transaction

from gongkai.engagement import services
from gongkai.engagement.models import Opinion

from .conftest import dues_table, send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KIOSK = {"width": 1080, "height": 1920}
QUEUED_VOTE = "网络已断开，您的评价已保存，联网后自动提交"
QUEUED_OPINION = "网络已断开，您的意见已保存，联网后自动提交"


class Hits:
    """The paths the live server was asked for (it runs in this process)."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, sender: Any, environ: dict[str, Any] | None = None, **kw: Any) -> None:
        if environ is not None:
            self.paths.append(str(environ.get("PATH_INFO", "")))


def test_offline_vote_and_opinion_are_queued_and_stored_once(
    people: Any, tree: Any, village_catalog: Any, chromium: Any, live_server: Any, settings: Any
) -> None:
    settings.GUARD_LIMITS = {"opinion": {"per_address": 1000, "soft": 1000}}
    with transaction.atomic():  # the workflow locks rows (PostgreSQL wants a transaction)
        dues_table(people, tree, village_catalog, title="2026年第三季度党费收缴情况")
        asked = send(tree.village, text="第三组的党费是否少算了一笔？")
        services.answer(asked, actor=people.clerk, text="经核对，已更正。")
    home = f"/kiosk/{tree.village.code}/"

    context = chromium.new_context(
        viewport=KIOSK, has_touch=True, locale="zh-CN", base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(home)
    assert page.get_by_role("link", name="返回首页").is_visible()
    # The worker installs, keeps the kiosk's pages and takes control of the page.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function(
        """async (home) => {
            for (const name of await caches.keys()) {
                if (await (await caches.open(name)).match(home + 'opinion')) return true;
            }
            return false;
        }""",
        arg=home,
    )

    # The villager looks up the answer online, then the network drops and she taps 满意.
    page.get_by_role("link", name="查询办理结果", exact=True).click()
    page.get_by_label("回执上的查询码").fill(asked.code_display)
    page.get_by_role("button", name="查询").click()
    assert "经核对，已更正。" in page.locator(".track-result").inner_text()
    context.set_offline(True)
    page.get_by_role("button", name="满意", exact=True).click()
    page.get_by_text(QUEUED_VOTE).wait_for()
    assert Opinion.objects.get(pk=asked.pk).rating == ""

    # Still offline: the kiosk's home and its opinion page come from the worker's cache.
    hits = Hits()
    request_started.connect(hits)
    try:
        page.goto(home)
        assert page.get_by_role("heading", name="最新公开").is_visible()
        assert "2026年第三季度党费收缴情况" in page.content()
        page.reload()
        assert page.get_by_role("heading", name="最新公开").is_visible()
        page.goto(home + "opinion")
        page.get_by_label("群众反映").check()
        page.get_by_label("留言内容").fill("村口公开栏的玻璃碎了，请修理。")
        page.get_by_role("button", name="提交").click()
        page.get_by_text(QUEUED_OPINION).wait_for()
        # The form is empty for the next person; the opinion waits in the page's outbox.
        assert page.get_by_label("留言内容").input_value() == ""
    finally:
        request_started.disconnect(hits)
    assert hits.paths == [], hits.paths  # nothing reached the server while offline
    assert not Opinion.objects.filter(text__contains="玻璃碎了").exists()
    queued = page.evaluate("() => window.gongkaiKiosk.queued().then(items => items.length)")
    assert queued == 2

    # Back online: both are sent, and the page says so with the tracking code.
    context.set_offline(False)
    page.get_by_text("已提交，查询码").wait_for()
    page.wait_for_function("() => window.gongkaiKiosk.queued().then(items => items.length === 0)")
    stored = Opinion.objects.get(text__contains="玻璃碎了")
    assert stored.channel == "kiosk" and stored.kind == "report" and stored.account is None
    assert stored.code_display in page.locator("#kiosk-status").inner_text()
    voted = Opinion.objects.get(pk=asked.pk)
    assert voted.rating == "satisfied" and voted.events.filter(kind="rated").count() == 1
    assert Opinion.objects.filter(text__contains="玻璃碎了").count() == 1

    # A double replay: the same queued item sent twice at once (as after a reload before
    # the answer came back) is stored once and both sendings answer the same code.
    context.set_offline(True)
    page.goto(home + "opinion")
    page.get_by_label("留言内容").fill("路灯不亮了。")
    page.get_by_role("button", name="提交").click()
    page.get_by_text(QUEUED_OPINION).wait_for()
    context.set_offline(False)
    codes = page.evaluate(
        """async () => {
            const items = await window.gongkaiKiosk.queued();
            const item = items[0];
            const answers = await Promise.all([
                window.gongkaiKiosk.send(item), window.gongkaiKiosk.send(item),
            ]);
            return answers.map(a => [a.status, a.data.tracking_code]);
        }"""
    )
    # Both answer the stored opinion's code: the second waits for the first's transaction
    # (PostgreSQL's unique index, SQLite's write lock and busy timeout: the browser suite's
    # SQLite database is a file, see gongkai/conftest.py) and finds its key taken.
    assert all(status in (200, 201) for status, _code in codes), codes
    page.wait_for_function(
        "() => window.gongkaiKiosk.flush().then(() => window.gongkaiKiosk.queued())"
        ".then(items => items.length === 0)"
    )
    replayed = Opinion.objects.get(text="路灯不亮了。")
    assert {code for _status, code in codes} == {replayed.tracking_code}
    assert Opinion.objects.filter(text="路灯不亮了。").count() == 1
    context.close()


def test_the_kiosk_rotates_its_newest_items_when_idle_and_not_under_reduced_motion(
    people: Any, tree: Any, village_catalog: Any, chromium: Any, live_server: Any, settings: Any
) -> None:
    settings.GONGKAI_KIOSK_IDLE_SECONDS = 10
    settings.GONGKAI_KIOSK_ROTATE_SECONDS = 3
    with transaction.atomic():
        for n in range(6):
            dues_table(people, tree, village_catalog, title=f"第{n + 1}期党费收缴情况")
    home = f"/kiosk/{tree.village.code}/"
    # Elder mode (gongkai/web's elder.js puts "elder" on <html>) and "no-motion" stop it too.
    cases = (("no-preference", "", True), ("reduce", "", False), ("no-preference", "elder", False))
    for motion, mode, moves in cases:
        context = chromium.new_context(
            viewport=KIOSK,
            has_touch=True,
            locale="zh-CN",
            base_url=live_server.url,
            reduced_motion=motion,
            service_workers="block",
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto(home)
        if mode:
            page.evaluate("(mode) => document.documentElement.classList.add(mode)", mode)
        if moves:  # the full-screen button (Fullscreen API)
            page.get_by_role("button", name="全屏").click()
            page.get_by_role("button", name="退出全屏").wait_for()
            assert page.evaluate("() => document.fullscreenElement !== null")
            page.get_by_role("button", name="退出全屏").click()
            page.get_by_role("button", name="全屏").wait_for()
        indicator = page.locator(".kiosk-page")
        assert indicator.inner_text() == "第 1 / 2 页"
        # Touch navigation: the next button (a swipe does the same).
        page.get_by_role("button", name="下一页").click()
        assert indicator.inner_text() == "第 2 / 2 页"
        page.get_by_role("button", name="上一页").click()
        assert indicator.inner_text() == "第 1 / 2 页"
        # A swipe to the left turns the page too.
        box = page.locator(".kiosk-slides").bounding_box()
        y = box["y"] + box["height"] / 3
        page.mouse.move(box["x"] + box["width"] - 40, y)
        page.mouse.down()
        page.mouse.move(box["x"] + 40, y, steps=5)
        page.mouse.up()
        assert indicator.inner_text() == "第 2 / 2 页"
        page.get_by_role("button", name="上一页").click()
        assert indicator.inner_text() == "第 1 / 2 页"
        # Idle for longer than the idle time: the items turn, with a pause button (unless
        # motion is reduced: then nothing moves by itself).
        if moves:
            page.wait_for_function(
                "() => document.querySelector('.kiosk-page').textContent === '第 2 / 2 页'",
                timeout=20_000,
            )
            assert page.get_by_role("button", name="暂停").is_visible()
            page.get_by_role("button", name="暂停").click()
            shown = indicator.inner_text()
            page.wait_for_timeout(4_000)
            assert indicator.inner_text() == shown
        else:
            page.wait_for_timeout(16_000)
            assert indicator.inner_text() == "第 1 / 2 页"
            assert not page.get_by_role("button", name="暂停").is_visible()
        context.close()


def test_an_idle_kiosk_page_returns_home(
    people: Any, tree: Any, chromium: Any, live_server: Any, settings: Any
) -> None:
    settings.GONGKAI_KIOSK_IDLE_SECONDS = 10
    context = chromium.new_context(
        viewport=KIOSK, locale="zh-CN", base_url=live_server.url, service_workers="block"
    )
    page = context.new_page()
    page.goto(f"/kiosk/{tree.village.code}/echo/")
    page.wait_for_url(f"**/kiosk/{tree.village.code}/", timeout=20_000)
    context.close()


def test_a_queued_opinion_refused_by_the_guard_stays_queued_until_the_question_is_answered(
    people: Any, tree: Any, chromium: Any, live_server: Any, settings: Any
) -> None:
    from gongkai.guard.tests.test_challenge import solve

    # Past the soft limit from the first one: every new submission asks the question.
    settings.GUARD_LIMITS = {"opinion": {"per_address": 100, "soft": 0}}
    home = f"/kiosk/{tree.village.code}/"
    context = chromium.new_context(viewport=KIOSK, locale="zh-CN", base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(home + "opinion")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    page.get_by_label("留言内容").fill("村委会门口的台阶坏了。")
    page.get_by_role("button", name="提交").click()
    page.get_by_text(QUEUED_OPINION).wait_for()
    context.set_offline(False)
    # Back online the guard asks its question: refused, in Chinese, and still queued.
    question = page.locator(".kiosk-challenge label")
    question.wait_for()
    assert "请填写数字" in question.inner_text()
    assert "稍后自动重新提交" in page.locator("#kiosk-status").inner_text()
    assert not Opinion.objects.filter(text="村委会门口的台阶坏了。").exists()
    assert page.evaluate("() => window.gongkaiKiosk.queued().then(items => items.length)") == 1
    # Answered on the screen: sent, once.
    page.get_by_label(question.inner_text()).fill(str(solve(question.inner_text())))
    page.get_by_role("button", name="回答并提交").click()
    page.get_by_text("已提交，查询码").wait_for()
    stored = Opinion.objects.get(text="村委会门口的台阶坏了。")
    assert stored.code_display in page.locator("#kiosk-status").inner_text()
    page.wait_for_function("() => window.gongkaiKiosk.queued().then(items => items.length === 0)")
    context.close()


def test_an_opinion_on_a_consultation_made_offline_is_sent_once(
    people: Any, tree: Any, village_catalog: Any, chromium: Any, live_server: Any, settings: Any
) -> None:
    from gongkai.disclosures.models import Opinion as DraftOpinion

    from .test_kiosk_consultations import _consulting

    settings.GUARD_LIMITS = {"consultation": {"per_address": 1000, "soft": 1000}}
    with transaction.atomic():
        draft = _consulting(people, tree.village, village_catalog, "村道硬化方案")
    url = f"/kiosk/{tree.village.code}/consultation/{draft.pk}"
    context = chromium.new_context(viewport=KIOSK, locale="zh-CN", base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(url)
    assert page.get_by_role("link", name="返回首页").is_visible()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    page.get_by_label("您的意见").fill("建议先修村东头那一段。")
    page.get_by_role("button", name="提交").click()
    page.get_by_text(QUEUED_OPINION).wait_for()
    assert not DraftOpinion.objects.filter(disclosure=draft).exists()
    # Sent twice at once when the network is back (the answer of the first lost): kept once.
    context.set_offline(False)
    page.evaluate(
        """async () => {
            const item = (await window.gongkaiKiosk.queued())[0];
            await Promise.all([window.gongkaiKiosk.send(item), window.gongkaiKiosk.send(item)]);
        }"""
    )
    page.wait_for_function(
        "() => window.gongkaiKiosk.flush().then(() => window.gongkaiKiosk.queued())"
        ".then(items => items.length === 0)"
    )
    stored = DraftOpinion.objects.filter(disclosure=draft)
    assert stored.count() == 1 and "村东头" in stored.get().text
    context.close()
