"""Answer deadlines in working days and the daily reminders, in frozen time across 国庆 2026
(1–7 October off, Saturday 10 October a make-up working day)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from gongkai.compliance import reminders as compliance_reminders
from gongkai.notifications.models import Notification
from gongkai.topics import reminders, services
from gongkai.topics.models import TopicSettings

BEIJING = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=BEIJING)


def test_fifteen_working_days_across_national_day(people, tree):
    with time_machine.travel(at(2026, 9, 28), tick=False):
        topic = services.propose(tree.village, actor=people.member, title="国庆前点题")
    # 29, 30 Sep; 8, 9, 10 (make-up Saturday), 12–16, 19–23 Oct.
    assert topic.due_date == dt.date(2026, 10, 23)
    assert not topic.due_provisional


def test_a_short_deadline_ends_on_the_make_up_saturday(people, tree):
    TopicSettings.objects.create(organization=tree.village, answer_days=3)
    with time_machine.travel(at(2026, 9, 30), tick=False):
        topic = services.propose(tree.village, actor=people.member, title="节前点题")
    assert topic.due_date == dt.date(2026, 10, 10)


def _told(topic, kind):  # type: ignore[no-untyped-def]
    return set(
        Notification.objects.filter(key=f"topic:{topic.pk}:{kind}").values_list(
            "recipient__username", flat=True
        )
    )


def test_reminders_due_soon_then_overdue_once_each(people, tree):
    with time_machine.travel(at(2026, 9, 28), tick=False):
        topic = services.propose(tree.village, actor=people.member, title="村务公开")
    # 19 October: 4 working days left (20–23), nothing yet.
    with time_machine.travel(at(2026, 10, 19, 7), tick=False):
        compliance_reminders.run(dt.date(2026, 10, 19))
    assert _told(topic, "due_soon") == set()
    # 20 October: 3 working days left: the clerk hears (the daily `gongkai remind`).
    with time_machine.travel(at(2026, 10, 20, 7), tick=False):
        report = compliance_reminders.run(dt.date(2026, 10, 20))
        again = compliance_reminders.run(dt.date(2026, 10, 20))
    assert [n.kind for n in report.topic_notices] == ["due_soon"]
    assert again.topic_notices == []
    assert _told(topic, "due_soon") == {"clerk"}
    # Saturday 24 October: overdue.
    with time_machine.travel(at(2026, 10, 24, 7), tick=False):
        compliance_reminders.run(dt.date(2026, 10, 24))
        compliance_reminders.run(dt.date(2026, 10, 25))
    assert _told(topic, "overdue") == {"clerk"}
    assert Notification.objects.filter(key=f"topic:{topic.pk}:overdue").count() == 1


def test_a_topic_due_on_the_make_up_saturday_is_due_soon_over_the_holiday(people, tree):
    TopicSettings.objects.create(organization=tree.village, answer_days=3)
    with time_machine.travel(at(2026, 9, 30), tick=False):
        topic = services.propose(tree.village, actor=people.member, title="节前点题")
    assert reminders.kind_on(topic, dt.date(2026, 10, 3)) == reminders.DUE_SOON
    assert reminders.kind_on(topic, dt.date(2026, 10, 10)) == reminders.DUE_SOON
    assert reminders.kind_on(topic, dt.date(2026, 10, 11)) == reminders.OVERDUE


def test_answered_topics_are_not_reminded(people, tree):
    with time_machine.travel(at(2026, 9, 28), tick=False):
        topic = services.propose(tree.village, actor=people.member, title="已答复")
        services.decline(topic, actor=people.clerk, reason="已在公开栏公开")
    assert reminders.run(dt.date(2026, 10, 30)) == []


def test_a_dry_run_sends_nothing(people, tree):
    with time_machine.travel(at(2026, 9, 28), tick=False):
        topic = services.propose(tree.village, actor=people.member, title="演练")
    report = compliance_reminders.run(dt.date(2026, 10, 30), dry_run=True)
    assert len(report.topic_notices) == 1
    assert _told(topic, "overdue") == set()
