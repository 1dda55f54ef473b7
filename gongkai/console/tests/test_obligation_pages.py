"""An organization's obligations (filters, pages), one obligation (rules, due date and how it
was counted, its disclosure, its requests), recording events and plans, and exemptions asked
for and decided through the pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from gongkai.compliance.models import Exemption, Obligation, RecordedEvent, StagePlan, State
from gongkai.conftest import client_for
from gongkai.workdays import services as workdays

from .obligation_fixtures import (
    at,
    generate,
    key_of,
    owed,
    publish_for,
    travel,
)

pytestmark = pytest.mark.django_db

LIST = "/console/orgs/QS-01/obligations/"


def listed(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
        for row in re.findall(r'<tr class="obligation-row.*?</tr>', html, re.S)
    ]


def test_the_list_filters_by_state_period_and_category_and_pages(tree, people, catalogs):
    with travel(at(2026, 10, 12)):
        generate(dt.date(2026, 10, 12))
        client = client_for(people.clerk)
        everything = Obligation.objects.filter(organization=tree.village).count()
        html = client.get(LIST).content.decode()
        assert f"共 {everything} 项应公开事项" in html
        overdue = listed(client.get(LIST, {"state": "overdue"}).content.decode())
        expected = Obligation.objects.filter(
            organization=tree.village, due_date__lt=dt.date(2026, 10, 12)
        ).count()
        assert len(overdue) == expected and all("已逾期" in row for row in overdue)
        q3 = listed(client.get(LIST, {"period": "2026-Q3"}).content.decode())
        # The quarter and its three months.
        assert sorted(r.split()[1] for r in q3) == sorted(
            ["2026年第三季度", "2026年7月", "2026年8月", "2026年9月"]
        )
        assert listed(client.get(LIST, {"category": "nonexistent"}).content.decode()) != []
        refused = client.get(LIST, {"state": "nonsense", "period": "1\x00"})
        assert refused.status_code in (200, 400)


def test_the_list_pages_keep_their_filters(tree, people, catalogs):
    with travel(at(2026, 12, 31)):
        generate(dt.date(2026, 12, 31))
        assert Obligation.objects.filter(organization=tree.village).count() > 0
        client = client_for(people.clerk)
        first = client.get(LIST, {"state": "open"}).content.decode()
        with_page = client.get(LIST, {"page": "abc\x01"})  # any page text: the first page
        assert with_page.status_code == 200 and "obligation-row" in first


def test_an_obligation_page_explains_its_due_date_across_national_day(tree, people, catalogs):
    with travel(at(2026, 9, 30)):
        generate(dt.date(2026, 9, 30))
        q3 = owed(tree.village, "meetings", "2026-Q3")
        html = client_for(people.clerk).get(f"/console/obligations/{q3.pk}/").content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    # What the calendar says lies between, counted here the same way the page should.
    between = [
        q3.basis_date + dt.timedelta(days=n + 1) for n in range((q3.due_date - q3.basis_date).days)
    ]
    calendar = workdays.current_calendar()
    off = [
        d for d in between if not workdays.is_working_day(d) and calendar.day_name(d) == "国庆节"
    ]
    made_up = [d for d in between if workdays.is_working_day(d) and calendar.day_name(d)]
    assert len(off) == 7 and len(made_up) == 1
    assert f"第 10 个工作日截止：{q3.due_date:%Y-%m-%d}" in text
    assert "国庆节 7 天" in text and "其间调休上班：国庆节 1 天" in text
    assert "生成时的目录规则" in text and "每季度" in text
    assert f"/console/disclosures/new?obligation={q3.pk}" in html


def test_a_fulfilled_obligation_links_its_disclosure(tree, people, catalogs):
    with travel(at(2026, 7, 1)):
        generate(dt.date(2026, 7, 1))
    d = publish_for(people, tree.village, "meetings", "2026-Q2", at(2026, 7, 3))
    q2 = owed(tree.village, "meetings", "2026-Q2")
    assert q2.state == State.ON_TIME
    with travel(at(2026, 7, 3, 12)):
        html = client_for(people.reviewer).get(f"/console/obligations/{q2.pk}/").content.decode()
    assert f"/console/disclosures/{d.pk}/" in html and "按时公开" in html
    assert "/console/disclosures/new?obligation=" not in html


def test_a_clerk_asks_and_the_superior_decides_through_the_pages(tree, people, catalogs):
    with travel(at(2026, 7, 2)):
        generate(dt.date(2026, 7, 2))
        dues = owed(tree.village, "dues", "2026-H1")
        clerk = client_for(people.clerk)
        url = f"/console/obligations/{dues.pk}/exemption"
        # A deferral without its date: refused, everything typed kept.
        typed = {
            "kind": "defer",
            "reason_category": "process",
            "reason": "党费标准正在核定",
            "legal_basis": "条例第十一条",
            "likely_harm": "公布未定数字引起误解",
        }
        refused = clerk.post(url, typed)
        html = refused.content.decode()
        assert refused.status_code == 200 and "请填写暂缓至哪一天" in html
        assert "党费标准正在核定" in html and "公布未定数字引起误解" in html
        # A date not later than the deadline: the rule's refusal, on the form.
        html = clerk.post(url, {**typed, "defer_until": "2026-07-03"}).content.decode()
        assert "条例第十一条" in html and not Exemption.objects.exists()
        response = clerk.post(url, {**typed, "defer_until": "2026-09-30"})
        asked = Exemption.objects.get()
        assert (
            response.status_code == 302
            and response["Location"] == f"/console/exemptions/{asked.pk}/"
        )
        # The village's own reviewer may read it but not decide it.
        reviewer = client_for(people.reviewer)
        assert (
            "上级党务公开领导小组的决定"
            not in reviewer.get(f"/console/exemptions/{asked.pk}/").content.decode()
        )
        assert (
            reviewer.post(
                f"/console/exemptions/{asked.pk}/", {"decision": "approve", "reason": "同意"}
            ).status_code
            == 403
        )
        superior = client_for(people.superior_reviewer)
        page = superior.get(f"/console/exemptions/{asked.pk}/").content.decode()
        assert "上级党务公开领导小组的决定" in page and "党费标准正在核定" in page
        missing = superior.post(f"/console/exemptions/{asked.pk}/", {"reason": "同意暂缓"})
        assert (
            "请选择批准或不批准" in missing.content.decode()
            and "同意暂缓" in missing.content.decode()
        )
        done = superior.post(
            f"/console/exemptions/{asked.pk}/",
            {"decision": "approve", "reason": "同意暂缓至九月底", "shown_scope": "public"},
        )
        assert done.status_code == 302
    asked.refresh_from_db()
    dues.refresh_from_db()
    assert asked.status == Exemption.Status.APPROVED and asked.shown_scope == "public"
    assert dues.state == State.DEFERRED
    moved = Obligation.objects.get(origin=dues)
    assert moved.due_date == dt.date(2026, 9, 30)
    with travel(at(2026, 7, 3)):
        html = client_for(people.clerk).get(f"/console/obligations/{dues.pk}/").content.decode()
    assert f"/console/obligations/{moved.pk}/" in html and "同意暂缓至九月底" in html
    # Decided once: a second decision is refused with the rule's words.
    with travel(at(2026, 7, 3)):
        again = client_for(people.superior_reviewer).post(
            f"/console/exemptions/{asked.pk}/", {"decision": "refuse", "reason": "再议"}
        )
    assert "该申请已经作出决定" in again.content.decode()
    asked.refresh_from_db()
    assert asked.status == Exemption.Status.APPROVED


def test_the_clerk_records_an_event_and_its_obligation_follows(tree, people, catalogs):
    with travel(at(2026, 3, 4)):
        client = client_for(people.clerk)
        form = client.get("/console/events/new").content.decode()
        # Only event and standing items are offered.
        assert "干部任前公示" in form and "监督电话" in form and "三会一课" not in form
        key = key_of(tree.village, "appointment")
        future = client.post(
            "/console/events/new", {"item": key, "title": "任前公示", "happened_on": "2026-03-05"}
        )
        assert "日期不能晚于今天" in future.content.decode() and not RecordedEvent.objects.exists()
        huge = client.post(
            "/console/events/new", {"item": key, "title": "任前公示", "happened_on": "99999-01-01"}
        )
        assert huge.status_code == 200 and "真实存在的日期" in huge.content.decode()
        response = client.post(
            "/console/events/new", {"item": key, "title": "任前公示", "happened_on": "2026-03-02"}
        )
    event = RecordedEvent.objects.get()
    obligation = Obligation.objects.get(event=event)
    assert response["Location"] == f"/console/obligations/{obligation.pk}/"
    assert obligation.due_date == workdays.add_working_days(dt.date(2026, 3, 2), 5)


def test_the_clerk_sets_out_a_staged_plan(tree, people, catalogs):
    with travel(at(2026, 3, 4)):
        client = client_for(people.clerk)
        key = key_of(tree.village, "project")
        bad = client.post(
            "/console/plans/new",
            {"item": key, "title": "村道硬化", "stages": "酝酿 2026-03-01\n实施 2026-02-30"},
        )
        html = bad.content.decode()
        assert "第 2 行" in html and "酝酿 2026-03-01" in html and not StagePlan.objects.exists()
        response = client.post(
            "/console/plans/new",
            {"item": key, "title": "村道硬化", "stages": "酝酿\t2026-03-01\n实施，2026年9月1日"},
        )
    assert response.status_code == 302
    plan = StagePlan.objects.get()
    assert plan.stages == [
        {"name": "酝酿", "date": "2026-03-01"},
        {"name": "实施", "date": "2026-09-01"},
    ]
    # The stage already reached owes its disclosure at once; the later one on its date.
    assert [o.period_key for o in Obligation.objects.filter(plan=plan)] == [f"P{plan.pk}-0"]


def test_the_list_reads_a_bounded_number_of_queries(
    tree, people, catalogs, django_assert_max_num_queries
):
    from gongkai.compliance import recording

    client = client_for(people.clerk)
    with travel(at(2026, 3, 2)):
        generate(dt.date(2026, 3, 2))
        client.get(LIST)
        with django_assert_max_num_queries(12) as few:
            client.get(LIST)
        # Counted now: the next request clears the connection's query log.
        limit = len(few.captured_queries)
        # Events (their titles are the period labels) and a later season: more rows, same cost.
        for n in range(3):
            recording.record_event(
                tree.village,
                actor=people.clerk,
                item_key=key_of(tree.village, "appointment"),
                title=f"任前公示{n}",
                happened_on=dt.date(2026, 3, 2),
            )
    with travel(at(2026, 9, 1)):
        generate(dt.date(2026, 9, 1))
        client = client_for(people.clerk)  # signed in again: months have passed
        client.get(LIST)
        with django_assert_max_num_queries(limit):
            html = client.get(LIST, {"period": "2026-M03"}).content.decode()
    assert "任前公示2" in html
