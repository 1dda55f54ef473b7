"""The clerk drafts from the item's form, the reviewer reviews with the scan in view."""

from __future__ import annotations

import pytest

from gongkai.catalog import services as catalog_services
from gongkai.catalog.exchange import parse_yaml
from gongkai.catalog.models import Catalog
from gongkai.conftest import client_for
from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure, State
from gongkai.disclosures.tests.conftest import CHECKLIST

CATALOG = """
title: 镇目录
defaults: {scope: public, channels: [公开栏]}
categories:
  - key: event
    name: 不定期公开
    timing: event
    items:
      - key: recruit
        name: 发展党员公示
        scope: party
        form:
          fields:
            - {key: stage, label: 拟发展阶段, type: choice, choices: [发展对象, 预备党员], required: true}
          columns:
            - {key: name, label: 姓名, type: text, required: true}
            - {key: born, label: 出生年月, type: month}
"""


@pytest.fixture
def item_key(tree, people):  # type: ignore[no-untyped-def]
    town = catalog_services.create_catalog(
        tree.town, actor=people.office, title="镇目录", inherit=False
    )
    catalog_services.load_catalog_data(town, actor=people.office, data=parse_yaml(CATALOG).data)
    catalog_services.publish_catalog(town, actor=people.office)
    catalog_services.push_down(town, actor=people.office)
    layer = Catalog.objects.get(organization=tree.village)
    from gongkai.catalog.effective import effective_catalog

    return effective_catalog(layer).items[0].key


def test_a_clerk_drafts_from_the_form_by_pasting_a_table(people, item_key):
    client = client_for(people.clerk)
    response = client.post(
        f"/console/disclosures/new?item={item_key}",
        {
            "item": item_key,
            "title": "发展对象公示",
            "field_stage": "发展对象",
            "table": "姓名\t出生年月\n王某\t1990年3月\n李某\t1995-11\n",
        },
    )
    assert response.status_code == 302
    disclosure = Disclosure.objects.get()
    assert disclosure.data == {
        "stage": "发展对象",
        "rows": [{"name": "王某", "born": "1990-03"}, {"name": "李某", "born": "1995-11"}],
    }
    assert disclosure.state == State.DRAFT


def test_a_bad_table_is_reported_by_row_and_nothing_typed_is_lost(people, item_key):
    client = client_for(people.clerk)
    typed = "王某\t1990-13\n\t1990-01"
    response = client.post(
        "/console/disclosures/new",
        {"item": item_key, "title": "发展对象公示", "field_stage": "发展对象", "table": typed},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "第 1 行，出生年月：“1990-13”不是年月" in html and "第 2 行，姓名：必填。" in html
    assert typed in html and 'value="发展对象公示"' in html
    assert not Disclosure.objects.exists()


def test_the_review_page_shows_the_scan_and_the_masked_preview(people, item_key, tree):
    disclosure = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key,
        title="公示",
        body="<p>联系人13800138000</p>",
        data={"stage": "发展对象", "rows": [{"name": "王某", "born": "1990-03"}]},
    )
    workflow.submit(disclosure, actor=people.clerk)
    html = (
        client_for(people.reviewer).get(f"/console/disclosures/{disclosure.pk}/").content.decode()
    )
    assert "手机号" in html and "138****8000" in html
    assert "保密审查清单" in html


def test_a_refused_move_shows_why_and_keeps_the_typed_reason(people, item_key, tree):
    disclosure = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key,
        title="公示",
        data={"stage": "发展对象"},
    )
    workflow.submit(disclosure, actor=people.clerk)
    client = client_for(people.reviewer)
    response = client.post(
        f"/console/disclosures/{disclosure.pk}/act/review", {"check_no_state_secret": "on"}
    )
    html = response.content.decode()
    assert response.status_code == 400 and "请逐项确认保密审查清单" in html
    assert 'name="check_no_state_secret" checked' in html
    response = client.post(f"/console/disclosures/{disclosure.pk}/act/return", {"reason": "  "})
    assert response.status_code == 400 and "请填写理由" in response.content.decode()
    client.post(f"/console/disclosures/{disclosure.pk}/act/return", {"reason": "请补充出生年月"})
    disclosure.refresh_from_db()
    assert disclosure.state == State.RETURNED


def test_the_to_do_list_shows_each_role_its_work(people, item_key, tree):
    disclosure = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key,
        title="待审核的公示",
        data={"stage": "发展对象"},
    )
    workflow.submit(disclosure, actor=people.clerk)
    assert "待审核的公示" in client_for(people.reviewer).get("/console/todo/").content.decode()
    assert (
        "待审核的公示" not in client_for(people.supervisor).get("/console/todo/").content.decode()
    )
    workflow.review(disclosure, actor=people.reviewer, checklist=CHECKLIST)


def test_nobody_outside_the_reach_opens_a_disclosure_in_the_console(people, item_key, tree):
    disclosure = workflow.create_disclosure(
        tree.village, actor=people.clerk, item_key=item_key, title="草稿"
    )
    from gongkai.conftest import grant, make_user
    from gongkai.organizations.models import Role

    stranger = make_user("stranger", "白沙文书")
    grant(stranger, tree.unrelated_village, Role.Kind.CLERK)
    assert client_for(stranger).get(f"/console/disclosures/{disclosure.pk}/").status_code == 404
    assert (
        client_for(stranger).post(f"/console/disclosures/{disclosure.pk}/act/submit").status_code
        == 404
    )


def test_a_draft_may_have_gaps_but_a_submission_may_not(people, item_key, tree):
    disclosure = workflow.create_disclosure(
        tree.village, actor=people.clerk, item_key=item_key, title="公示"
    )
    client = client_for(people.clerk)
    response = client.post(f"/console/disclosures/{disclosure.pk}/act/submit")
    assert response.status_code == 400 and "拟发展阶段为必填项" in response.content.decode()
    disclosure.refresh_from_db()
    assert disclosure.state == State.DRAFT


def test_the_clerk_records_the_channels_actually_used(people, item_key):
    client = client_for(people.clerk)
    client.post(
        "/console/disclosures/new",
        {
            "item": item_key,
            "title": "公示",
            "field_stage": "发展对象",
            "channels": ["board", "meeting"],
        },
    )
    assert Disclosure.objects.get().channels == ["board", "meeting"]
    response = client.post(
        "/console/disclosures/new",
        {
            "item": item_key,
            "title": "公示二",
            "field_stage": "发展对象",
            "channels": ["carrier-pigeon"],
        },
    )
    assert response.status_code == 200 and "carrier-pigeon" in response.content.decode()
    assert Disclosure.objects.count() == 1


def test_a_reviewer_corrects_a_published_disclosure_from_the_console(people, item_key, tree):
    from gongkai.disclosures.tests.conftest import published

    disclosure = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key,
        title="公示",
        data={"stage": "发展对象"},
    )
    published(people, disclosure)
    client = client_for(people.reviewer)
    assert (
        "更正已发布的内容" in client.get(f"/console/disclosures/{disclosure.pk}/").content.decode()
    )
    response = client.post(
        f"/console/disclosures/{disclosure.pk}/act/correct",
        {"title": "公示（更正）", "body": "<p>更正后的内容</p>", "reason": ""},
    )
    assert response.status_code == 400 and "更正后的内容" in response.content.decode()
    client.post(
        f"/console/disclosures/{disclosure.pk}/act/correct",
        {"title": "公示（更正）", "body": "<p>更正后的内容</p>", "reason": "出生年月有误"},
    )
    disclosure.refresh_from_db()
    assert disclosure.published_revision.note == "出生年月有误"
    assert disclosure.revisions.count() == 3  # submitted, published, corrected


def test_staff_see_each_entry_s_salt_and_sealed_document_and_can_recompute_it(
    people, item_key, tree
):
    """The unmasked text is committed with a secret salt; the console (staff only) shows
    the salt and the sealed document so a reviewer can check the sealed hash."""
    import hashlib
    import html as html_lib
    import re

    from gongkai.disclosures.tests.conftest import published
    from gongkai.ledger.models import LogEntry

    disclosure = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key,
        title="公示",
        body="<p>联系人13800138000</p>",
        data={"stage": "发展对象"},
    )
    published(people, disclosure)
    entry = LogEntry.objects.get(disclosure=disclosure)
    page = (
        client_for(people.reviewer).get(f"/console/disclosures/{disclosure.pk}/").content.decode()
    )
    assert entry.salt in page and "与承诺一致" in page
    found = re.search(r'<pre class="small hash">(.*?)</pre>', page, re.S)
    assert found is not None
    sealed = html_lib.unescape(found[1])
    assert "13800138000" in sealed  # the unmasked number is in the sealed document only
    assert hashlib.sha256(bytes.fromhex(entry.salt) + sealed.encode()).hexdigest() == (
        entry.sealed_hash
    )
    assert "13800138000" not in entry.document
