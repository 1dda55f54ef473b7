"""The item editor in a real browser: a structured form is built as a table with "add a
row" and "remove" (no YAML anywhere), saved, and shown again; on a phone nothing is wider
than the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from gongkai.catalog.effective import effective_catalog
from gongkai.catalog.models import Catalog
from gongkai.conftest import sign_in
from gongkai.devtools.demo import DEMO_PASSWORD, load_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db):  # type: ignore[no-untyped-def]
    load_demo()


def _page_fits(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth + 1"))


def test_a_clerk_builds_a_structured_form_as_a_table(demo, browser_page):  # type: ignore[no-untyped-def]
    page = browser_page
    sign_in(page, "office", DEMO_PASSWORD)
    page.goto("/console/catalog/items/new")
    assert "YAML" not in page.content()
    page.get_by_label("事项", exact=True).fill("困难党员慰问名单")
    page.get_by_label("公开时限").select_option(label="即时公开")

    columns = page.locator("table.schema-rows[data-part=columns]")
    add_column = page.locator("button[name=add_row][value=columns]")
    for n, (label, kind) in enumerate((("姓名", "文本"), ("性别", "选项"), ("备注", "长文本"))):
        add_column.click()
        expect(columns.locator("input[name$=-label]")).to_have_count(n + 1)
        row = columns.locator("tbody tr").last
        row.locator("input[name$=-label]").fill(label)
        row.locator("select[name$=-type]").select_option(label=kind)
    columns.locator("tbody tr").nth(1).locator("input[name$=-choices]").fill("男、女")
    # Remove the third row; the first two keep what was typed.
    columns.locator("tbody tr").nth(2).get_by_role("button", name="删除此行").click()
    expect(columns.locator("input[name$=-label]")).to_have_count(2)
    assert columns.locator("input[name=columns-0-label]").input_value() == "姓名"
    assert page.get_by_label("事项", exact=True).input_value() == "困难党员慰问名单"

    page.get_by_role("button", name="保存到草稿").click()
    # The item is event-driven with no deadline: the form asks for nothing more.
    page.get_by_text("已保存到草稿").wait_for()

    catalog = Catalog.objects.get(organization__code="QS")
    item = next(
        i
        for i in effective_catalog(catalog, catalog.draft_version).items
        if i.value("name") == "困难党员慰问名单"
    )
    assert [(c["label"], c["type"], c.get("choices")) for c in item.value("form")["columns"]] == [
        ("姓名", "text", None),
        ("性别", "choice", ["男", "女"]),
    ]

    # On a phone the editor stacks its rows; the page stays within the screen.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"/console/catalog/items/{item.key}/edit")
    assert page.locator("input[name=columns-1-choices]").input_value() == "男、女"
    assert _page_fits(page)


def test_a_corrections_diff_fits_a_phone(demo, browser_page):  # type: ignore[no-untyped-def]
    from gongkai.accounts.models import User
    from gongkai.disclosures import workflow
    from gongkai.disclosures.models import Disclosure, State

    reviewer = User.objects.get(username="reviewer")
    orgs = [r.organization_id for r in reviewer.roles.all()]
    notice = Disclosure.objects.filter(state=State.PUBLISHED, organization__in=orgs).first()
    assert notice is not None
    long_line = "经支部委员会研究决定，" * 30 + "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" * 5
    workflow.correct(
        notice,
        actor=reviewer,
        reason="补充说明",
        title=notice.title + "（更正）",
        body=notice.body + f"<p>{long_line}</p>",
    )
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"/d/{notice.pk}/")
    # The earlier version opens on its changes (the diff), the full text folded below them.
    page.locator(".revisions li > details > summary").first.click()
    page.locator(".revisions .changes .diff-added").first.wait_for()
    assert _page_fits(page)
    sign_in(page, "reviewer", DEMO_PASSWORD)
    page.goto(f"/console/disclosures/{notice.pk}/")
    page.locator(".revision-diff ins.diff-added").first.wait_for()
    assert _page_fits(page)
