"""Issue 8's path in a real browser (Debian's Chromium through Playwright): the clerk sees an
item due with its remaining working days and one overdue, drafts the overdue one from the
to-do list and publishes it late; the town office's dashboard shows the branch late, drills
down to it and exports the table to Excel, which the test reads back.

The dates come from today (the server's clock): the catalog took effect four months ago, so
whatever today is, earlier months are overdue and the current one is still open."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest

from gongkai.catalog import services as catalog_services
from gongkai.catalog.exchange import parse_yaml
from gongkai.catalog.models import Catalog, CatalogVersion, Item
from gongkai.compliance import figures, obligations
from gongkai.compliance.models import Obligation, State
from gongkai.conftest import sign_in
from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure
from gongkai.disclosures.tests.conftest import CHECKLIST

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CATALOG = """
title: 青石镇目录
defaults: {scope: public, channels: [公开栏]}
categories:
  - key: work
    name: 工作情况
    items:
      - {key: monthly, name: 党支部每月工作安排, timing: periodic, period: monthly,
         deadline_days: 5, deadline_basis: period_end}
"""


@pytest.fixture
def year(tree, people):  # type: ignore[no-untyped-def]
    town = catalog_services.create_catalog(
        tree.town, actor=people.office, title="镇目录", inherit=False
    )
    catalog_services.load_catalog_data(town, actor=people.office, data=parse_yaml(CATALOG).data)
    Item.objects.filter(catalog=town).update(applies_to={"levels": [1]})
    catalog_services.publish_catalog(town, actor=people.office)
    catalog_services.push_down(town, actor=people.office)
    adopted = dt.datetime.now(dt.UTC) - dt.timedelta(days=120)
    CatalogVersion.objects.filter(catalog__in=Catalog.objects.all()).update(published_at=adopted)
    obligations.daily()
    return town


def test_the_clerk_publishes_late_and_the_office_sees_it(browser_page: Any, tree, people, year):
    page = browser_page
    today = obligations.today()
    mine = Obligation.objects.filter(organization=tree.village).order_by("due_date")
    late = mine.filter(state=State.OVERDUE).first()
    assert late is not None
    still_open = mine.filter(state__in=[State.UPCOMING, State.DUE_SOON]).first()

    sign_in(page, "clerk")
    page.goto("/console/todo/")
    late_row = page.locator(f"tr[data-obligation='{late.pk}']")
    overdue_by = -obligations.remaining_days(late, today)
    assert "已逾期" in late_row.inner_text() and f"{overdue_by} 个工作日" in late_row.inner_text()
    if still_open is not None:
        left = obligations.remaining_days(still_open, today)
        text = page.locator(f"tr[data-obligation='{still_open.pk}']").inner_text()
        due = still_open.due_date
        assert f"截止 {due.month} 月 {due.day} 日" in text
        assert (f"还剩 {left} 个工作日" in text) if left else ("今天截止" in text)

    late_row.get_by_role("link", name="起草").click()
    page.get_by_label("标题").fill(f"东岭村党支部{late.period_label}工作安排")
    page.get_by_label("正文").fill("<p>组织党员学习，开展主题党日活动。</p>")
    page.get_by_role("button", name="保存并提交审核").click()
    page.get_by_text("已提交审核").wait_for()
    disclosure = Disclosure.objects.get(organization=tree.village)
    assert disclosure.period_key == late.period_key
    workflow.review(disclosure, actor=people.reviewer, checklist=CHECKLIST)
    workflow.approve(disclosure, actor=people.reviewer)

    page.goto(f"/console/disclosures/{disclosure.pk}/")
    page.get_by_role("button", name="发布", exact=True).click()
    page.wait_for_load_state()
    late.refresh_from_db()
    assert late.state == State.LATE and late.disclosure_id == disclosure.pk
    page.get_by_role("button", name="退出").click()

    office_sees_the_branch_late(page, tree, late)


def office_sees_the_branch_late(page: Any, tree: Any, late: Obligation) -> None:
    window = (
        f"first={late.due_date.replace(day=1).isoformat()}&last={obligations.today().isoformat()}"
    )
    sign_in(page, "office")
    page.goto(f"/console/dashboard/{tree.town.code}/?{window}")
    ranking = page.locator("#ranking-table")
    village_row = ranking.get_by_role("row", name=tree.village.name)
    expected = figures.subtree(tree.village, late.due_date, obligations.today())
    assert expected.late == 1
    # The branch is late on the town's dashboard; it drills down to the branch's own.
    village_row.get_by_role("link", name=tree.village.name).click()
    page.wait_for_url(f"**/console/dashboard/{tree.village.code}/**")
    page.goto(f"/console/dashboard/{tree.village.code}/obligations?show=late&{window}")
    page.get_by_role("link", name=late.name).first.click()
    page.wait_for_load_state()
    assert late.period_label in page.content()

    # The town's ranking exported to Excel and read back: the branch's row says one late.
    page.goto(f"/console/dashboard/{tree.town.code}/?{window}")
    with page.expect_download() as download:
        page.locator("#ranking-table a.download").click()
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = book.worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(r for r in rows if "逾期公开" in r)
    branch = next(r for r in rows if tree.village.name in r)
    assert branch[header.index("逾期公开")] == expected.late
    assert branch[header.index("按时公开")] == expected.on_time
