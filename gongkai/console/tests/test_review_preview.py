"""The reviewer's preview is the public page's own content block: for the same content the
console and the portal render the same HTML fragment (body, structured data and files,
masked by the same function)."""

from __future__ import annotations

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from gongkai.catalog import services as catalog_services
from gongkai.catalog.effective import effective_catalog
from gongkai.catalog.exchange import parse_yaml
from gongkai.catalog.models import Catalog
from gongkai.conftest import People, Tree, client_for
from gongkai.disclosures import attachments, workflow
from gongkai.disclosures.models import Disclosure
from gongkai.disclosures.tests.conftest import CHECKLIST

CATALOG = """
title: 镇目录
defaults: {scope: public, channels: [公开栏]}
categories:
  - key: event
    name: 不定期公开
    timing: event
    items:
      - key: aid
        name: 困难党员慰问名单
        form:
          fields:
            - {key: batch, label: 批次, type: text, required: true}
          columns:
            - {key: name, label: 姓名, type: text, required: true}
            - {key: phone, label: 联系电话, type: text}
            - {key: amount, label: 金额, type: money}
"""


def content_block(html: str) -> str:
    """The `<section class="content card">` element, nested sections included."""
    start = html.index('<section class="content card"')
    depth = 0
    for tag in re.finditer(r"<(/?)section\b", html[start:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            end = html.index(">", start + tag.start()) + 1
            return html[start:end]
    raise AssertionError("unclosed section")


def a_workbook_with_a_mobile() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["姓名", "电话"])
    sheet.append(["王某", "13912345678"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_preview_is_the_public_pages_content_block(tree: Tree, people: People) -> None:
    town = catalog_services.create_catalog(
        tree.town, actor=people.office, title="镇目录", inherit=False
    )
    catalog_services.load_catalog_data(town, actor=people.office, data=parse_yaml(CATALOG).data)
    catalog_services.publish_catalog(town, actor=people.office)
    catalog_services.push_down(town, actor=people.office)
    layer = Catalog.objects.get(organization=tree.village)
    disclosure = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=effective_catalog(layer).items[0].key,
        title="2026年春节困难党员慰问名单",
        body="<p>联系人：李文书，电话 13800001111。</p><p>身份证 11010519491231002X 已核对。</p>",
        data={
            "batch": "第一批",
            "rows": [
                {"name": "王某", "phone": "139 1234 5678", "amount": "500.00"},
                {"name": "李某", "phone": "", "amount": "300.00"},
            ],
        },
    )
    attachments.attach(
        disclosure,
        SimpleUploadedFile("名单.xlsx", a_workbook_with_a_mobile()),
        actor=people.clerk,
    )
    workflow.submit(disclosure, actor=people.clerk)
    workflow.review(disclosure, actor=people.reviewer, checklist=CHECKLIST)
    workflow.approve(disclosure, actor=people.reviewer)

    page = client_for(people.reviewer).get(f"/console/disclosures/{disclosure.pk}/")
    assert page.status_code == 200, page.content.decode()[-3000:]
    preview = content_block(page.content.decode())
    workflow.publish(disclosure, actor=people.clerk)
    public = content_block(Client().get(f"/d/{disclosure.pk}/").content.decode())

    assert preview == public
    for shown in ("第一批", "王某", "500.00", "名单.xlsx", "联系电话"):
        assert shown in preview
    for hidden in ("13800001111", "11010519491231002X", "139 1234 5678", "13912345678"):
        assert hidden not in preview


def test_a_draft_without_a_revision_has_no_preview(tree: Tree, people: People) -> None:
    town = catalog_services.create_catalog(
        tree.town, actor=people.office, title="镇目录", inherit=False
    )
    catalog_services.load_catalog_data(town, actor=people.office, data=parse_yaml(CATALOG).data)
    catalog_services.publish_catalog(town, actor=people.office)
    catalog_services.push_down(town, actor=people.office)
    layer = Catalog.objects.get(organization=tree.village)
    disclosure = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=effective_catalog(layer).items[0].key,
        title="草稿",
        data={"batch": "一", "rows": []},
    )

    html = client_for(people.clerk).get(f"/console/disclosures/{disclosure.pk}/").content.decode()

    assert Disclosure.objects.get(pk=disclosure.pk).revisions.count() == 0
    assert 'class="content card"' not in html
