"""Accessibility of every page type, in Debian's Chromium through Playwright, on the demo town.

axe-core (bundled by axe-playwright-python) checks one page of every type, public and console,
against the WCAG 2.1 A and AA rules, once as the page is and once in elder mode (长辈模式,
switched on with the header's toggle): no serious or critical violation may remain. The
public pages must also fit a 360 px wide phone without scrolling sideways, and the keyboard
must reach the main links of the home page and an organization page in reading order.

The pages are the table of page_types.py: to cover a new page type, add a line there.
"""

from __future__ import annotations

from typing import Any

import pytest

from gongkai.conftest import sign_in
from gongkai.devtools.demo import DEMO_PASSWORD, load_demo

from .page_types import PAGES, VILLAGE, Visit, address

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The rules axe runs: WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: What fails the test (axe also reports minor and moderate findings; they are left out).
FAILING_IMPACTS = ("serious", "critical")
PHONE = {"width": 360, "height": 740}


# --- Running axe ----------------------------------------------------------------------------


def axe_violations(page: Any, *, enhanced_contrast: bool = False) -> list[dict[str, Any]]:
    """The serious and critical WCAG 2.1 A/AA violations axe finds on the page as it is; with
    `enhanced_contrast` also text below 7:1 (WCAG's AAA level, what elder mode promises)."""
    from axe_playwright_python.sync_playwright import Axe

    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        "resultTypes": ["violations"],
    }
    if enhanced_contrast:  # a rule named in `rules` runs beside the tags' rules
        options["rules"] = {"color-contrast-enhanced": {"enabled": True}}
    results = Axe().run(page, options=options)
    return [v for v in results.response["violations"] if v.get("impact") in FAILING_IMPACTS]


def describe(where: str, url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{where}  {url}"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}  ({v['helpUrl']})")
        for node in v["nodes"][:6]:
            target = " ".join(str(t) for t in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"      at {target}: {summary}")
            lines.append(f"         {node['html'][:160]}")
        if len(v["nodes"]) > 6:
            lines.append(f"      … and {len(v['nodes']) - 6} more")
    return "\n".join(lines)


def open_page(page: Any, visit: Visit) -> str:
    if visit.drives:
        visit.go(page)  # type: ignore[call-arg]
    else:
        where = address(visit)
        response = page.goto(where)
        assert response is not None and response.status == visit.status, (
            f"{visit.name}: {where} answered {response and response.status}"
        )
    page.wait_for_load_state()
    return str(page.url)


def switch_on_elder_mode(page: Any) -> None:
    """Through the header's toggle, as a reader would; it is remembered by the browser."""
    page.goto("/")
    cookies = {(c["name"], c["value"]) for c in page.context.cookies()}
    page.get_by_role("button", name="长辈模式", exact=True, pressed=False).click()
    assert "elder" in (page.locator("html").get_attribute("class") or "")
    page.reload()
    assert "elder" in (page.locator("html").get_attribute("class") or "")
    page.get_by_role("button", name="长辈模式", exact=True, pressed=True).wait_for()
    # Only the browser knows: nothing the server could vary a cached page on.
    assert {(c["name"], c["value"]) for c in page.context.cookies()} == cookies


def overflows(page: Any) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


@pytest.fixture
def demo(db: None) -> None:
    load_demo()


def test_every_page_type_has_no_serious_accessibility_violation(
    demo: None, chromium: Any, live_server: Any, settings: Any
) -> None:
    # One address sends every opinion and request of both rounds: no challenge for it here.
    settings.GUARD_LIMITS = {
        "opinion": {"soft": 100, "per_address": 100},
        "request": {"soft": 100, "per_address": 100},
    }
    problems: list[str] = []
    for mode in ("normal", "elder"):
        problems += check_every_page(chromium, live_server.url, mode)
    assert not problems, "\n\n" + "\n\n".join(problems)


def check_every_page(chromium: Any, base_url: str, mode: str) -> list[str]:
    """axe on every page of PAGES, one browser context per reader, then the phone width."""
    problems: list[str] = []
    for who in dict.fromkeys(v.who for v in PAGES):
        context = chromium.new_context(locale="zh-CN", base_url=base_url)
        context.set_default_timeout(10_000)
        page = context.new_page()
        if who != "anonymous":
            sign_in(page, who, DEMO_PASSWORD)
        if mode == "elder":
            switch_on_elder_mode(page)
        for visit in (v for v in PAGES if v.who == who):
            url = open_page(page, visit)
            found = axe_violations(page, enhanced_contrast=mode == "elder")
            if found:
                problems.append(describe(f"{mode} · {who} · {visit.name}", url, found))
        context.close()

    # The public pages on a 360 px phone: nothing wider than the screen.
    phone = chromium.new_context(locale="zh-CN", base_url=base_url, viewport=PHONE, has_touch=True)
    phone.set_default_timeout(10_000)
    page = phone.new_page()
    if mode == "elder":
        switch_on_elder_mode(page)
    for visit in (v for v in PAGES if v.phone):
        url = open_page(page, visit)
        extra = overflows(page)
        if extra > 0:
            problems.append(f"{mode} · 360 px · {visit.name}  {url}\n  {extra} px wider")
    phone.close()
    return problems


STYLE = """() => {
  const body = getComputedStyle(document.body);
  const button = getComputedStyle(document.querySelector('.elder-toggle'));
  return {size: parseFloat(body.fontSize), line: parseFloat(body.lineHeight) / parseFloat(body.fontSize),
          transition: button.transitionDuration, animation: button.animationName};
}"""


def test_elder_mode_is_large_calm_and_switches_off_again(browser_page: Any) -> None:
    page = browser_page
    page.goto("/")
    assert page.evaluate(STYLE)["size"] == 16
    switch_on_elder_mode(page)
    style = page.evaluate(STYLE)
    assert style["size"] >= 20 and style["line"] >= 1.5
    assert style["transition"] == "0s" and style["animation"] == "none"
    page.goto("/accounts/login/")  # every page, not just the one where it was switched on
    assert page.evaluate(STYLE)["size"] >= 20
    page.get_by_role("button", name="长辈模式", exact=True, pressed=True).click()
    assert page.evaluate(STYLE)["size"] == 16
    page.reload()
    assert page.evaluate("document.documentElement.classList.contains('elder')") is False
    assert page.evaluate("localStorage.getItem('gongkai-elder')") is None


def test_a_page_prints_its_content_black_on_white_with_the_addresses(
    browser_page: Any,
) -> None:
    page = browser_page
    page.goto("/o/NO-SUCH-ORG/", wait_until="load")  # the 404 page: a heading, a link home
    page.emulate_media(media="print")
    shown = page.evaluate(
        """() => ['.site-header', '.site-footer', '.elder-toggle', 'main']
             .map(s => getComputedStyle(document.querySelector(s)).display)"""
    )
    assert shown[:3] == ["none", "none", "none"] and shown[3] != "none"
    link = page.locator("main a").first
    after = link.evaluate("a => getComputedStyle(a, '::after').content")
    assert after not in ("none", "normal") and "(" in after, after  # the address after it
    colour = link.evaluate("a => getComputedStyle(a).color")
    assert colour == "rgb(0, 0, 0)"


# --- The keyboard ---------------------------------------------------------------------------

#: Every element the Tab key should stop at, in document order, as the page shows it.
TABBABLE = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]';
  return [...document.querySelectorAll(selector)]
    .filter(el => !el.disabled && el.tabIndex >= 0 && el.getClientRects().length > 0
                  && getComputedStyle(el).visibility !== 'hidden')
    .map(el => el.outerHTML.slice(0, 120));
}"""
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {
    html: el.outerHTML.slice(0, 120),
    inMain: !!el.closest('main'),
    ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
  };
}"""


def tab_through(page: Any) -> list[dict[str, Any]]:
    """Focus stops from the top of the page until focus leaves it (or 400 presses: a trap)."""
    stops: list[dict[str, Any]] = []
    for _ in range(400):
        page.keyboard.press("Tab")
        now = page.evaluate(FOCUSED)
        if now is None:
            return stops
        stops.append(now)
    raise AssertionError("the keyboard is trapped: 400 presses of Tab never left the page")


def test_the_keyboard_reaches_every_link_in_reading_order_with_a_visible_ring(
    demo: None, browser_page: Any
) -> None:
    page = browser_page
    for path in ("/", f"/o/{VILLAGE}/"):
        page.goto(path)
        expected = page.evaluate(TABBABLE)
        stops = tab_through(page)
        assert [s["html"] for s in stops] == expected, path
        assert all(s["ring"] for s in stops), [s["html"] for s in stops if not s["ring"]]
        # The first stop skips the header: Enter on it, and the next Tab is in the content.
        page.goto(path)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip", path
        box = page.locator(".skip").bounding_box()
        assert box is not None and box["x"] >= 0 and box["y"] >= 0  # on screen when focused
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUSED)["inMain"], path
