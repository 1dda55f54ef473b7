"""Frozen time: opinion deadlines in working days across 国庆 and 春节, and the daily reminders
(due soon, overdue, escalation to the superior's office), each sent once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.compliance import reminders as compliance_reminders
from gongkai.engagement import reminders, services
from gongkai.engagement.models import AnswerRule
from gongkai.notifications.models import Notification
from gongkai.workdays import services as workdays

from .conftest import at, send

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        # National Day 2026: Oct 1-7 off, Sat Oct 10 worked.
        (at(2026, 9, 30), dt.date(2026, 10, 20)),
        (at(2026, 10, 3), dt.date(2026, 10, 20)),  # sent on a holiday: counted from the 8th
        # Spring Festival 2026: Feb 15-23 off, Sat Feb 14 and Sat Feb 28 worked.
        (at(2026, 2, 13), dt.date(2026, 3, 5)),
        (at(2026, 2, 16), dt.date(2026, 3, 6)),
        # Received late in the evening of Sep 30, Beijing time: still Sep 30 (UTC Sep 30 15:30).
        (at(2026, 9, 30, 23), dt.date(2026, 10, 20)),
    ],
)
def test_deadline_counts_working_days_across_holidays(tree, received, expected):
    with time_machine.travel(received, tick=False):
        opinion = send(tree.village)
    assert opinion.due_date == expected
    assert not opinion.due_provisional


def test_a_shorter_rule_of_the_town_applies_to_its_villages(tree):
    AnswerRule.objects.create(organization=tree.town, answer_days=3)
    with time_machine.travel(at(2026, 9, 30), tick=False):
        opinion = send(tree.village)
    assert opinion.due_date == dt.date(2026, 10, 10)  # Thu 8, Fri 9, Sat 10 (worked)


def keys(user) -> set[str]:  # type: ignore[no-untyped-def]
    return set(Notification.objects.filter(recipient=user).values_list("key", flat=True))


def test_reminders_due_soon_overdue_escalation_once_each(people, tree):
    with time_machine.travel(at(2026, 9, 30), tick=False):
        opinion = send(tree.village)  # due Oct 20
    services.assign(opinion, actor=people.clerk, to=people.reviewer)
    soon, overdue, escalation = (
        reminders.key_of(opinion.pk, k) for k in ("due_soon", "overdue", "escalation")
    )

    # Oct 15: 3 working days left (16, 19, 20): nothing yet.
    assert reminders.run(dt.date(2026, 10, 15)).sent == 0
    # Oct 16: 2 left: the clerk and the assignee hear it is due soon.
    report = reminders.run(dt.date(2026, 10, 16))
    assert report.counts["due_soon"] == 2
    assert soon in keys(people.clerk) and soon in keys(people.reviewer)
    assert reminders.run(dt.date(2026, 10, 19)).sent == 0  # the same kind: once
    # The deadline day itself is not overdue.
    assert reminders.run(dt.date(2026, 10, 20)).sent == 0
    # Oct 21: overdue, to the clerk and the assignee; no escalation yet.
    report = reminders.run(dt.date(2026, 10, 21))
    assert report.counts == {"overdue": 2}
    assert overdue in keys(people.clerk)
    # 4 working days late (Oct 26): still no escalation; 5 (Oct 27): the town office.
    assert reminders.run(dt.date(2026, 10, 26)).sent == 0
    assert escalation not in keys(people.office)
    report = reminders.run(dt.date(2026, 10, 27))
    assert report.counts == {"escalation": 1}
    assert escalation in keys(people.office)
    assert reminders.run(dt.date(2026, 10, 28)).sent == 0


def test_escalation_waits_over_the_holiday_and_stops_once_answered(people, tree):
    AnswerRule.objects.create(organization=tree.village, answer_days=2, escalate_after_days=2)
    with time_machine.travel(at(2026, 9, 28), tick=False):
        late = send(tree.village)  # due Sep 30 (29, 30)
        answered = send(tree.village)
    assert late.due_date == dt.date(2026, 9, 30)
    services.answer(answered, actor=people.clerk, text="已答复")
    # Oct 7: overdue, but the holiday counts no working day late.
    assert reminders.run(dt.date(2026, 10, 7)).counts == {"overdue": 1}
    # Oct 9 is the second working day late (8, 9): escalation.
    assert reminders.run(dt.date(2026, 10, 8)).counts == {}
    assert reminders.run(dt.date(2026, 10, 9)).counts == {"escalation": 1}
    assert (
        not Notification.objects.filter(key__startswith=f"opinion:{answered.pk}:")
        .exclude(key__endswith=":received")
        .exists()
    )


def test_the_daily_remind_job_runs_the_opinion_reminders(people, tree):
    with time_machine.travel(at(2026, 9, 30), tick=False):
        opinion = send(tree.village)
    with time_machine.travel(at(2026, 10, 21), tick=False):
        report = compliance_reminders.run(dt.date(2026, 10, 21))
    assert report.opinion_notices == 1
    assert reminders.key_of(opinion.pk, "overdue") in keys(people.clerk)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    day=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 11, 1)),
    hour=st.integers(0, 23),
    days=st.integers(1, 30),
)
def test_the_deadline_is_the_nth_working_day_after_the_beijing_day_of_receipt(
    tree, day, hour, days
):
    AnswerRule.objects.update_or_create(organization=tree.village, defaults={"answer_days": days})
    received = at(day.year, day.month, day.day, hour)
    deadline = services.deadline_for(tree.village, received)
    due = deadline.date
    assert not deadline.provisional and due > day
    assert workdays.is_working_day(due)
    assert workdays.count_working_days(day, due) == days


def test_a_year_the_calendar_lacks_gives_a_provisional_deadline(tree):
    with time_machine.travel(at(2027, 12, 20), tick=False):
        opinion = send(tree.village)
    assert opinion.due_provisional
    assert opinion.due_date.weekday() < 5
