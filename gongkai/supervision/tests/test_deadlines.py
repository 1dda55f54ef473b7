"""Rectification deadlines are working days on the Chinese calendar, with frozen time: a
finding filed just before 国庆 2026 (1–7 October off, Saturday 10 October a make-up working
day) is due on Monday 19 October, not on a calendar count; it is overdue from the 20th, its
organization is reminded once, and five working days later it is escalated."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from gongkai.compliance import reminders as compliance_reminders
from gongkai.notifications.models import Notification
from gongkai.supervision import reminders, workflow
from gongkai.supervision.models import Finding

BEIJING = ZoneInfo("Asia/Shanghai")


def at(day: int, month: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, 10, 0, tzinfo=BEIJING)


def _file(people, tree) -> Finding:
    with time_machine.travel(at(29, 9), tick=False):
        return workflow.file_finding(
            tree.village,
            actor=people.supervisor,
            category="content",
            description="公开栏仍张贴去年的党费收缴情况",
            deadline_days=10,
        )


def test_ten_working_days_across_national_day(people, tree, oversight, media):
    finding = _file(people, tree)
    # 9/30, 10/8, 10/9, 10/10 (make-up Saturday), 10/12 … 10/16, 10/19.
    assert finding.counted_from == dt.date(2026, 9, 29)
    assert finding.due_date == dt.date(2026, 10, 19)
    assert not finding.provisional
    assert not finding.is_overdue(dt.date(2026, 10, 19))
    assert finding.is_overdue(dt.date(2026, 10, 20))
    assert list(Finding.objects.overdue(dt.date(2026, 10, 19))) == []
    assert list(Finding.objects.overdue(dt.date(2026, 10, 20))) == [finding]


def test_a_reopening_counts_again_from_its_day(people, tree, oversight, media):
    finding = _file(people, tree)
    with time_machine.travel(at(30, 9), tick=False):
        workflow.rectify(finding, actor=people.clerk, text="已更换")
        reopened = workflow.reopen(
            finding, actor=people.supervisor, reason="仍有旧表", deadline_days=2
        )
    assert reopened.counted_from == dt.date(2026, 9, 30)
    assert reopened.due_date == dt.date(2026, 10, 9)


def _keys(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("key", flat=True))


def test_overdue_reminds_once_then_escalates(people, tree, oversight, media):
    finding = _file(people, tree)
    filed = f"finding:{finding.pk}:filed"
    assert reminders.run(dt.date(2026, 10, 19)) == 0
    overdue = f"finding:{finding.pk}:overdue:2026-10-19"
    assert reminders.run(dt.date(2026, 10, 20)) == 2  # the clerk and the principal
    assert _keys(people.clerk) == [filed, overdue]
    assert reminders.run(dt.date(2026, 10, 21)) == 0  # safe to run twice, or every day
    assert reminders.run(dt.date(2026, 10, 23)) == 0  # four working days late: not yet
    escalation = f"finding:{finding.pk}:escalation:2026-10-19"
    # Five working days late on 26 October: the supervisor and the town's office and
    # discipline secretary hear of it.
    assert reminders.run(dt.date(2026, 10, 26)) == 3
    assert escalation in _keys(people.supervisor)
    assert escalation in _keys(people.office)
    assert escalation in _keys(oversight.discipline)
    assert escalation not in _keys(people.clerk)


def test_the_daily_remind_job_sends_them(people, tree, oversight, media):
    finding = _file(people, tree)
    compliance_reminders.run(dt.date(2026, 10, 20))
    assert f"finding:{finding.pk}:overdue:2026-10-19" in _keys(people.clerk)


def test_a_rectified_finding_is_not_overdue(people, tree, oversight, media):
    finding = _file(people, tree)
    with time_machine.travel(at(21), tick=False):
        workflow.rectify(finding, actor=people.clerk, text="已更换")
    assert reminders.run(dt.date(2026, 10, 27)) == 0
