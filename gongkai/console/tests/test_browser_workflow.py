"""Issue 3's path in a real browser: a clerk drafts, the reviewer returns it, the clerk fixes
it, the reviewer passes a major item, the superior approves, a member sees it inside the
party, and after the lag an anonymous visitor sees it."""

from __future__ import annotations

import datetime as dt

import pytest

from gongkai.catalog import services as catalog_services
from gongkai.catalog.exchange import parse_yaml
from gongkai.conftest import sign_in
from gongkai.disclosures.models import Disclosure, State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CATALOG = """
title: 青石镇目录
defaults: {scope: public, channels: [公开栏, 网站]}
categories:
  - key: major
    name: 三重一大
    timing: event
    major_matter: true
    items:
      - {key: road, name: 村道硬化项目, party_first: true, party_first_lag_days: 3, deadline_days: 5, deadline_basis: event}
"""


@pytest.fixture
def catalog(tree, people):  # type: ignore[no-untyped-def]
    town = catalog_services.create_catalog(
        tree.town, actor=people.office, title="镇目录", inherit=False
    )
    catalog_services.load_catalog_data(town, actor=people.office, data=parse_yaml(CATALOG).data)
    catalog_services.publish_catalog(town, actor=people.office)
    catalog_services.push_down(town, actor=people.office)


def sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="退出").click()


def test_a_major_item_goes_from_draft_to_the_public(browser_page, people, tree, catalog):
    page = browser_page
    sign_in(page, "clerk")
    page.get_by_role("link", name="我的待办").click()
    page.get_by_role("link", name="村道硬化项目").click()
    page.get_by_label("标题").fill("东岭村村道硬化项目实施方案")
    page.get_by_label("正文").fill("<p>拟硬化村道1.2公里，预算9.6万元。</p>")
    page.get_by_role("button", name="保存并提交审核").click()
    page.get_by_text("已提交审核").wait_for()
    disclosure = Disclosure.objects.get()
    sign_out(page)

    sign_in(page, "reviewer")
    page.goto(f"/console/disclosures/{disclosure.pk}/")
    page.get_by_label("理由（将留档并公开可见）").fill("请写明资金来源")
    page.get_by_role("button", name="退回经办人").click()
    page.get_by_text("已完成：退回经办人").wait_for()
    sign_out(page)

    sign_in(page, "clerk")
    page.get_by_role("link", name="我的待办").click()
    page.get_by_role("link", name="东岭村村道硬化项目实施方案").click()
    assert "请写明资金来源" in page.content()
    page.get_by_role("link", name="修改草稿").click()
    page.get_by_label("正文").fill(
        "<p>拟硬化村道1.2公里，预算9.6万元，资金来源为一事一议财政奖补。</p>"
    )
    page.get_by_role("button", name="保存并提交审核").click()
    page.get_by_text("已提交审核").wait_for()
    sign_out(page)

    sign_in(page, "reviewer")
    page.goto(f"/console/disclosures/{disclosure.pk}/")
    # The side-by-side diff shows the fix, marked as added.
    assert "资金来源为一事一议财政奖补" in page.locator(".revision-diff").inner_text()
    assert page.locator(".revision-diff ins.diff-added").count() >= 1
    for box in page.locator("input[name^=check_]").all():
        box.check()
    page.get_by_role("button", name="审核通过（含保密审查）").click()
    page.get_by_text("待上级审核").first.wait_for()
    sign_out(page)

    sign_in(page, "superior")
    page.get_by_role("link", name="我的待办").click()
    page.get_by_role("link", name="东岭村村道硬化项目实施方案").click()
    page.get_by_role("button", name="上级审核通过").click()
    page.get_by_text("已完成：上级审核通过").wait_for()
    sign_out(page)

    sign_in(page, "clerk")
    page.goto(f"/console/disclosures/{disclosure.pk}/")
    page.get_by_role("button", name="发布", exact=True).click()
    page.get_by_text("已完成：发布").wait_for()
    sign_out(page)
    disclosure.refresh_from_db()
    assert disclosure.state == State.PUBLISHED and disclosure.public_from > disclosure.publish_from

    sign_in(page, "member")
    page.goto(f"/d/{disclosure.pk}/")
    assert "资金来源为一事一议财政奖补" in page.content()
    sign_out(page)

    # Inside the party-first lag the public does not see it...
    assert page.goto(f"/d/{disclosure.pk}/").status == 404
    # ...and once the lag has passed it does, with no job having run (time decides).
    assert disclosure.public_from and disclosure.publish_from
    lag = disclosure.public_from - disclosure.publish_from + dt.timedelta(minutes=1)
    Disclosure.objects.filter(pk=disclosure.pk).update(
        publish_from=disclosure.publish_from - lag, public_from=disclosure.public_from - lag
    )
    assert page.goto(f"/d/{disclosure.pk}/").status == 200
    assert "资金来源为一事一议财政奖补" in page.content()
