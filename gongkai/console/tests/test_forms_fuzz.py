"""No console form answers 500, whatever is typed or pasted, on SQLite and PostgreSQL; a
refusal shows a Chinese message and keeps what was typed.

Hypothesis drives the real pages through the Django test client, signed in as the clerk,
the reviewer and the office, with hostile text (NUL, lone surrogates, over-long text),
numbers (1e30, Infinity, NaN, sNaN), impossible dates and years 0/9999, and pasted tables
with bad cells. Each example runs in a savepoint that is rolled back, so every example
starts from the same disclosures in the same states.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from gongkai.catalog import services as catalog_services
from gongkai.catalog.effective import effective_catalog
from gongkai.catalog.exchange import parse_yaml
from gongkai.catalog.models import Catalog, Channel
from gongkai.conftest import client_for
from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure, State
from gongkai.disclosures.tests.conftest import CHECKLIST
from gongkai.validation.tests.strategies import (
    FUZZ,
    chinese,
    has_surrogate,
    hostile_cell,
    hostile_date,
    hostile_number,
    hostile_table,
    hostile_text,
    post_form,
)

CATALOG = """
title: 镇目录
defaults: {scope: public, channels: [公开栏]}
categories:
  - key: event
    name: 不定期公开
    timing: event
    items:
      - key: funds
        name: 村级资金使用公示
        min_publicity_days: 5
        party_first: true
        party_first_lag_days: 2
        form:
          fields:
            - {key: stage, label: 阶段, type: choice, choices: [计划, 决算], required: true}
            - {key: total, label: 合计金额, type: money}
            - {key: people, label: 受益人数, type: number}
            - {key: day, label: 决议日期, type: date}
            - {key: month, label: 所属月份, type: month}
            - {key: agreed, label: 是否表决通过, type: boolean}
          columns:
            - {key: name, label: 项目, type: text, required: true}
            - {key: amount, label: 金额, type: money}
            - {key: count, label: 数量, type: number}
            - {key: paid, label: 支付日期, type: date}
            - {key: month, label: 月份, type: month}
            - {key: done, label: 完成, type: boolean}
"""


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """One hypothesis example: whatever the request wrote is undone afterwards."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def funds_key(tree, people) -> str:  # type: ignore[no-untyped-def]
    town = catalog_services.create_catalog(
        tree.town, actor=people.office, title="镇目录", inherit=False
    )
    catalog_services.load_catalog_data(town, actor=people.office, data=parse_yaml(CATALOG).data)
    catalog_services.publish_catalog(town, actor=people.office)
    catalog_services.push_down(town, actor=people.office)
    layer = Catalog.objects.get(organization=tree.village)
    return effective_catalog(layer).items[0].key


@pytest.fixture
def disclosures(tree, people, funds_key) -> dict[str, Disclosure]:  # type: ignore[no-untyped-def]
    def make(title: str) -> Disclosure:
        return workflow.create_disclosure(
            tree.village,
            actor=people.clerk,
            item_key=funds_key,
            title=title,
            data={"stage": "计划", "rows": [{"name": "修路"}]},
        )

    submitted = workflow.submit(make("已提交"), actor=people.clerk)
    approved = make("已批准")
    workflow.submit(approved, actor=people.clerk)
    workflow.review(approved, actor=people.reviewer, checklist=CHECKLIST)
    workflow.approve(approved, actor=people.reviewer)
    published = make("已发布")
    workflow.submit(published, actor=people.clerk)
    workflow.review(published, actor=people.reviewer, checklist=CHECKLIST)
    workflow.approve(published, actor=people.reviewer)
    workflow.publish(published, actor=people.clerk)
    consulting = workflow.open_consultation(
        workflow.submit(make("征求意见"), actor=people.clerk), actor=people.clerk, days=5
    )
    opinion = workflow.add_opinion(consulting, author="王党员", text="同意")
    returned = workflow.return_to_clerk(
        workflow.submit(make("已退回"), actor=people.clerk),
        actor=people.reviewer,
        reason="金额合计与明细不符，请核对。",
    )
    return {
        "draft": make("草稿"),
        "submitted": submitted,
        "approved": approved,
        "published": published,
        "consultation": consulting,
        "returned": returned,
        "opinion": opinion,  # type: ignore[dict-item]
    }


channels = st.lists(st.one_of(st.sampled_from(Channel.values), hostile_text(10)), max_size=3)


def draft_payload() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "title": hostile_text(),
            "period": hostile_text(),
            "event_date": hostile_date(),
            "body": hostile_text(200),
            "field_stage": st.one_of(st.sampled_from(["计划", "决算"]), hostile_text(10)),
            "field_total": hostile_number(),
            "field_people": hostile_number(),
            "field_day": hostile_date(),
            "field_month": hostile_date(),
            "field_agreed": st.one_of(st.sampled_from(["是", "否"]), hostile_cell()),
            "table": hostile_table(6),
            "channels": channels,
        }
    )


def assert_refusal_keeps_what_was_typed(response: Any, typed: dict[str, Any]) -> None:
    assert response.status_code < 500
    if response.status_code == 302:
        return
    html = response.content.decode()
    assert response.status_code in (200, 400)
    assert chinese(html)
    assert 'role="alert"' in html
    for name in ("title", "table"):
        value = typed.get(name, "")
        if value and not has_surrogate(value) and len(value) < 5000:
            assert escape(value) in html, name


@FUZZ
@given(payload=draft_payload())
def test_the_drafting_form_never_answers_500(people, funds_key, payload):
    client = client_for(people.clerk)
    with rolled_back():
        response = post_form(client, "/console/disclosures/new", {"item": funds_key, **payload})
        assert_refusal_keeps_what_was_typed(response, payload)
        if response.status_code == 302:
            saved = Disclosure.objects.order_by("-pk").first()
            assert saved is not None and saved.title == payload["title"].strip()


@FUZZ
@given(payload=draft_payload(), which=st.sampled_from(["draft", "returned"]))
def test_editing_a_draft_never_answers_500(people, disclosures, payload, which):
    client = client_for(people.clerk)
    with rolled_back():
        url = f"/console/disclosures/{disclosures[which].pk}/edit"
        response = post_form(client, url, payload)
        assert_refusal_keeps_what_was_typed(response, payload)


MOVES = {
    "publish": ("approved", "clerk", {"publish_from": hostile_date()}),
    "correct": (
        "published",
        "reviewer",
        {"title": hostile_text(), "body": hostile_text(200), "reason": hostile_text()},
    ),
    "open_consultation": (
        "submitted",
        "clerk",
        {"days": st.one_of(hostile_number(), hostile_text(10))},
    ),
    "return": ("submitted", "reviewer", {"reason": hostile_text()}),
    "withdraw": ("published", "reviewer", {"reason": hostile_text()}),
    "review": (
        "submitted",
        "reviewer",
        {
            "secret_clearance": hostile_text(),
            "keep_id_card": hostile_text(),
            **{f"check_{k}": st.sampled_from(["on", "", "\x00"]) for k in CHECKLIST},
        },
    ),
}


@FUZZ
@given(data=st.data(), action=st.sampled_from(sorted(MOVES)))
def test_the_workflow_forms_never_answer_500(people, disclosures, data, action):
    which, persona, fields = MOVES[action]
    payload = data.draw(st.fixed_dictionaries(fields))
    client = client_for(getattr(people, persona))
    with rolled_back():
        url = f"/console/disclosures/{disclosures[which].pk}/act/{action}"
        response = post_form(client, url, payload)
        assert response.status_code < 500
        if response.status_code == 400:
            assert chinese(response.content.decode())


def test_an_impossible_or_far_publication_date_is_refused_in_chinese(people, disclosures):
    client = client_for(people.clerk)
    url = f"/console/disclosures/{disclosures['approved'].pk}/act/publish"
    for typed in ("2026-02-30T09:00", "9999-12-31T23:59", "0001-01-01T00:00", "1e30"):
        response = post_form(client, url, {"publish_from": typed})
        assert response.status_code == 400, typed
        html = response.content.decode()
        assert escape(typed) in html  # what was typed is shown again
    disclosures["approved"].refresh_from_db()
    assert disclosures["approved"].state == State.APPROVED


@FUZZ
@given(handling=hostile_text())
def test_handling_an_opinion_never_answers_500(people, disclosures, handling):
    client = client_for(people.clerk)
    opinion = disclosures["opinion"]
    with rolled_back():
        url = f"/console/disclosures/{disclosures['consultation'].pk}/opinions/{opinion.pk}"
        response = post_form(client, url, {"handling": handling})
        assert response.status_code < 500


@FUZZ
@given(text=hostile_text(30), persona=st.sampled_from(["clerk", "office", "reviewer"]))
def test_addresses_and_searches_never_answer_500(people, tree, text, persona):
    client = client_for(getattr(people, persona))
    quoted = __import__("urllib.parse").parse.quote(text, safe="", errors="surrogatepass")
    for url in (
        f"/console/orgs/{quoted}/",
        f"/console/orgs/search?q={quoted}",
        f"/console/catalog/items/{quoted}/edit",
        f"/console/disclosures/new?item={quoted}",
        f"/o/{quoted}/",
        f"/search?q={quoted}",
    ):
        response = client.get(url)
        assert response.status_code < 500, url
    response = post_form(client, "/console/switch", {"org": text, "next": text})
    assert response.status_code < 500


def test_a_pasted_table_comes_back_as_a_grid_with_every_bad_cell_marked(people, funds_key):
    client = client_for(people.clerk)
    table = "项目\t金额\t数量\t支付日期\t月份\t完成\n修路\t1e30\t3\t2026-02-30\t2026-06\t是\n\tInfinity\tNaN\t2026-06-01\t9999-12\t也许"
    response = post_form(
        client,
        "/console/disclosures/new",
        {"item": funds_key, "title": "资金公示", "field_stage": "计划", "table": table},
    )
    assert response.status_code == 200
    html = response.content.decode()
    # The summary at the top names every bad cell by row and column ...
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    for row, label in (
        (1, "金额"),
        (1, "支付日期"),
        (2, "项目"),
        (2, "金额"),
        (2, "数量"),
        (2, "月份"),
        (2, "完成"),
    ):
        assert f"第 {row} 行" in summary and label in summary, (row, label)
    # ... the grid marks exactly those cells ...
    assert html.count('class="bad-cell"') == 7
    # ... and the pasted text is kept as it was.
    assert escape(table) in html


def test_the_return_reason_is_on_the_clerks_edit_page(people, disclosures):
    client = client_for(people.clerk)
    html = client.get(f"/console/disclosures/{disclosures['returned'].pk}/edit").content.decode()
    assert "金额合计与明细不符，请核对。" in html
    assert "张书记" in html


def test_a_nul_title_is_refused_with_the_typed_text_kept(people, funds_key):
    client = client_for(people.clerk)
    title = "东岭村\x00资金" + "字" * 300
    response = post_form(
        client,
        "/console/disclosures/new",
        {"item": funds_key, "title": title, "field_stage": "计划", "table": "修路"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert ("空字符" in html and "最多 200 个字符" not in html) or "空字符" in html
    assert escape(title) in html
    assert not Disclosure.objects.filter(title__startswith="东岭村").exists()


def test_a_300_character_title_is_refused_before_the_database(people, funds_key):
    client = client_for(people.clerk)
    title = "字" * 300
    response = post_form(
        client,
        "/console/disclosures/new",
        {"item": funds_key, "title": title, "field_stage": "计划", "table": "修路"},
    )
    assert response.status_code == 200
    assert escape(title) in response.content.decode()
    assert not Disclosure.objects.filter(title=title).exists()


def test_year_9999_on_a_party_first_item_is_refused_not_a_crash(people, disclosures):
    with pytest.raises(workflow.ValidationError):
        workflow.publish(
            disclosures["approved"],
            actor=people.clerk,
            publish_from=dt.datetime(9999, 12, 30, 9, tzinfo=dt.UTC),
        )
    assert timezone.now()  # the server is still here
