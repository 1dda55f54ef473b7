"""我的待办 by due date: the clerk's open obligations, overdue first, each with its due date
and the working days left in Chinese; the review queues with their age; the superior's
decisions; the office's lagging organizations. Every expected date is counted by
gongkai.workdays from the calendar, never typed in as a guess."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from gongkai.compliance import exemptions, recording
from gongkai.conftest import client_for
from gongkai.disclosures import workflow
from gongkai.workdays import services as workdays

from .obligation_fixtures import at, generate, key_of, owed, travel

pytestmark = pytest.mark.django_db

TODO = "/console/todo/"


def page(user) -> str:  # type: ignore[no-untyped-def]
    response = client_for(user).get(TODO)
    assert response.status_code == 200
    return response.content.decode()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def rows(html: str, state: str) -> list[str]:
    """The obligation rows of one group, as text, in page order."""
    section = re.search(rf'<section class="card obligations {state}".*?</section>', html, re.S)
    if section is None:
        return []
    return [text_of(r) for r in re.findall(r'<tr class="obligation-row.*?</tr>', section[0], re.S)]


def month_day(day: dt.date) -> str:
    return f"{day.month} 月 {day.day} 日"


def test_the_clerk_sees_overdue_first_then_due_soon_then_upcoming(tree, people, catalogs):
    with travel(at(2026, 10, 12)):
        generate(dt.date(2026, 10, 12))
        html = page(people.clerk)
    positions = [
        html.find(f'id="obligations-{state}"') for state in ("overdue", "due_soon", "upcoming")
    ]
    assert -1 not in positions and positions == sorted(positions)
    overdue = rows(html, "overdue")
    # Longest overdue first; each says how long, counted on the calendar.
    assert overdue[0].startswith(" 监督电话 2025年度更新")
    august = owed(tree.village, "monthly", "2026-M08")
    late_by = workdays.count_working_days(august.due_date, dt.date(2026, 10, 12))
    assert any("2026年8月" in r and f"已逾期 {late_by} 个工作日" in r for r in overdue)
    # September's monthly report is due five working days after the month: across 国庆.
    september = owed(tree.village, "monthly", "2026-M09")
    assert september.due_date == workdays.add_working_days(dt.date(2026, 9, 30), 5)
    left = workdays.count_working_days(dt.date(2026, 10, 12), september.due_date)
    soon = rows(html, "due_soon")
    assert left <= 3
    assert any(f"截止 {month_day(september.due_date)}，还剩 {left} 个工作日" in r for r in soon)
    assert "起草" in soon[0]


def test_a_deadline_across_national_day_2026(tree, people, catalogs):
    with travel(at(2026, 9, 30)):
        generate(dt.date(2026, 9, 30))
        q3 = owed(tree.village, "meetings", "2026-Q3")
        due = workdays.add_working_days(dt.date(2026, 9, 30), 10)
        assert q3.due_date == due
        # The holiday week lies between: ten working days reach past 8 October.
        assert due > dt.date(2026, 10, 8)
        html = page(people.clerk)
    assert any(f"截止 {month_day(due)}，还剩 10 个工作日" in r for r in rows(html, "upcoming"))
    with travel(at(2026, 10, 5)):  # in the middle of the holiday: no working day passed
        assert "还剩 10 个工作日" in text_of(page(people.clerk))
    with travel(at(due.year, due.month, due.day)):
        assert any(
            "2026年第三季度" in r and "今天截止" in r for r in rows(page(people.clerk), "due_soon")
        )
    after = due + dt.timedelta(days=1)
    while not workdays.is_working_day(after):
        after += dt.timedelta(days=1)
    with travel(at(after.year, after.month, after.day)):
        overdue = rows(page(people.clerk), "overdue")
    assert any("2026年第三季度" in r and "已逾期 1 个工作日" in r for r in overdue)


def test_a_deadline_across_the_spring_festival_2026(tree, people, catalogs):
    happened = dt.date(2026, 2, 12)
    with travel(at(2026, 2, 12)):
        event = recording.record_event(
            tree.village,
            actor=people.clerk,
            item_key=key_of(tree.village, "appointment"),
            title="村党支部副书记任前公示",
            happened_on=happened,
        )
    obligation = recording.obligation_of(event)
    assert obligation is not None
    due = workdays.add_working_days(happened, 5)
    assert obligation.due_date == due
    # 春节 lies in between: the fifth working day falls after the holiday.
    assert due > dt.date(2026, 2, 23)
    on = dt.date(2026, 2, 18)
    left = workdays.count_working_days(on, due)
    with travel(at(2026, 2, 18)):
        html = page(people.clerk)
    shown = rows(html, "due_soon") + rows(html, "upcoming")
    assert any(
        "村党支部副书记任前公示" in r and f"截止 {month_day(due)}，还剩 {left} 个工作日" in r
        for r in shown
    )


def test_a_due_date_in_a_year_without_calendar_data_says_it_is_not_final(tree, people, catalogs):
    with travel(at(2026, 9, 30)):
        generate(dt.date(2026, 9, 30))
        h2 = owed(tree.village, "dues", "2026-H2")
        html = page(people.clerk)
    row = next(r for r in rows(html, "upcoming") if "2026年下半年" in r)
    assert h2.due_date.year == 2027
    if workdays.is_known_year(2027):  # a newer calendar package knows 2027
        assert "日期待定" not in row
    else:
        assert "日期待定：2027 年节假日安排尚未公布" in row
        assert f"截止 2027 年 {h2.due_date.month} 月 {h2.due_date.day} 日" in row


def test_the_draft_button_starts_a_draft_for_that_obligation(tree, people, catalogs):
    with travel(at(2026, 9, 30)):
        generate(dt.date(2026, 9, 30))
        q3 = owed(tree.village, "meetings", "2026-Q3")
        assert f"/console/disclosures/new?obligation={q3.pk}" in page(people.clerk)


def test_the_review_queue_shows_how_long_each_item_has_waited(tree, people, catalogs):
    with travel(at(2026, 9, 29)):
        d = workflow.create_disclosure(
            tree.village,
            actor=people.clerk,
            item_key=key_of(tree.village, "phones"),
            title="监督电话",
        )
        workflow.submit(d, actor=people.clerk)
    with travel(at(2026, 10, 9)):
        html = page(people.reviewer)
    waited = workdays.count_working_days(dt.date(2026, 9, 29), dt.date(2026, 10, 9))
    assert waited == 3  # 30 September, then after the holiday week 8 and 9 October
    assert f"提交后 {waited} 个工作日" in text_of(html)


def test_the_superior_sees_the_requests_to_decide(tree, people, catalogs):
    with travel(at(2026, 7, 2)):
        generate(dt.date(2026, 7, 2))
        dues = owed(tree.village, "dues", "2026-H1")
        asked = exemptions.request(
            dues,
            actor=people.clerk,
            kind="exempt",
            reason_category="personal_privacy",
            reason="仅一名党员",
            legal_basis="条例第十一条",
        )
        html = page(people.superior_reviewer)
        assert f"/console/exemptions/{asked.pk}/" in html and "待决定的不予公开" in html
        # Not the village's own reviewer: the superior decides.
        assert f"/console/exemptions/{asked.pk}/" not in page(people.reviewer)
        # The clerk sees the request on the obligation's row.
        assert "已申请不予公开或暂缓公开" in page(people.clerk)


def test_the_office_sees_its_subtrees_lagging_organizations(tree, people, catalogs):
    on = dt.date(2026, 9, 30)
    with travel(at(2026, 9, 30)):
        generate(on)
        html = page(people.office)
    lagging = re.search(r'<section class="card" id="lagging">.*?</section>', html, re.S)
    assert lagging is not None
    text = text_of(lagging[0])
    assert "东岭村党支部" in text and "西岭村党支部" in text
    assert "白沙村党支部" not in text  # another town's subtree
    assert "/console/orgs/QS-01/obligations/?state=overdue" in lagging[0]
    oldest = owed(tree.village, "phones", "S2025").due_date
    assert (
        f"截止 {oldest:%Y-%m-%d}，已逾期 {workdays.count_working_days(oldest, on)} 个工作日" in text
    )
    # A clerk is not shown the office's list.
    assert 'id="lagging"' not in page(people.clerk)


def test_the_to_do_page_reads_a_bounded_number_of_queries(
    tree, people, catalogs, django_assert_max_num_queries
):
    with travel(at(2026, 3, 2)):
        generate(dt.date(2026, 3, 2))
        client = client_for(people.clerk)
        client.get(TODO)
        with django_assert_max_num_queries(20) as few:
            client.get(TODO)
        # Counted now: the next request clears the connection's query log.
        limit = len(few.captured_queries)
    with travel(at(2026, 12, 1)):
        generate(dt.date(2026, 12, 1))  # many more obligations, overdue and open
        with django_assert_max_num_queries(limit):
            client.get(TODO)
