"""`gongkai remind`: due soon, overdue and escalation, each exactly once, whatever the number
of runs; a dry run stores and sends nothing."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core import mail
from django.core.management import call_command

from gongkai.compliance import obligations, reminders
from gongkai.compliance.models import Obligation, State
from gongkai.notifications.models import Notification
from gongkai.workdays import services as workdays

pytestmark = pytest.mark.django_db


def working_days_before(day: dt.date, n: int) -> dt.date:
    while n:
        day -= dt.timedelta(days=1)
        if workdays.is_working_day(day):
            n -= 1
    return day


def notices(user) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", "key"))


@pytest.fixture
def january(tree, people, catalogs, settings):  # type: ignore[no-untyped-def]
    people.clerk.email = "clerk@example.org"
    people.clerk.save()
    obligations.generate(dt.date(2026, 1, 2))
    return Obligation.objects.get(
        organization=tree.village, period_key="2026-M01", item_key__endswith=".monthly"
    )


def test_each_notice_once_whatever_the_runs(tree, people, january):
    due = january.due_date
    soon = working_days_before(due, 3)
    reminders.run(working_days_before(soon, 1))
    assert not Notification.objects.filter(key=reminders.key_of(january.pk, "due_soon")).exists()
    for _ in range(2):
        reminders.run(soon)
    assert (
        Notification.objects.filter(
            recipient=people.clerk, key=reminders.key_of(january.pk, "due_soon")
        ).count()
        == 1
    )
    assert mail.outbox == [] or all("clerk@example.org" in m.to for m in mail.outbox)
    late = due + dt.timedelta(days=1)
    reminders.run(late)
    reminders.run(late)
    assert (
        Notification.objects.filter(
            recipient=people.clerk, key=reminders.key_of(january.pk, "overdue")
        ).count()
        == 1
    )
    # The monthly item escalates after 3 working days overdue (the catalog says so).
    assert (
        january.escalate_after_days == 3
        or Obligation.objects.get(pk=january.pk).escalate_after_days == 3
    )
    before = due
    for _ in range(3):
        before += dt.timedelta(days=1)
        while not workdays.is_working_day(before):
            before += dt.timedelta(days=1)
    day_before = before - dt.timedelta(days=1)
    reminders.run(day_before)
    escalation = reminders.key_of(january.pk, "escalation")
    assert not Notification.objects.filter(key=escalation).exists()
    reminders.run(before)
    reminders.run(before + dt.timedelta(days=7))
    assert list(
        Notification.objects.filter(key=escalation).values_list("recipient", flat=True)
    ) == [people.office.pk]
    # Nobody else heard of this obligation, and nobody twice.
    keys = Notification.objects.filter(key__startswith=f"obligation:{january.pk}:")
    assert sorted(keys.values_list("recipient", "kind")) == sorted(
        [
            (people.clerk.pk, "due_soon"),
            (people.clerk.pk, "overdue"),
            (people.office.pk, "escalation"),
        ]
    )


def test_a_published_obligation_is_not_reminded(tree, people, january):
    Obligation.objects.filter(pk=january.pk).update(state=State.ON_TIME)
    report = reminders.run(january.due_date + dt.timedelta(days=10))
    assert all(n.obligation_id != january.pk for n in report.notices)


def test_dry_run_stores_and_sends_nothing(tree, people, january):
    out = io.StringIO()
    call_command(
        "remind",
        "--date",
        (january.due_date + dt.timedelta(days=1)).isoformat(),
        "--dry-run",
        "--json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert result["dry_run"] is True and result["notices"].get("overdue", 0) >= 1
    assert Notification.objects.count() == 0
    assert Obligation.objects.get(pk=january.pk).state == State.UPCOMING
    out = io.StringIO()
    call_command(
        "remind", "--date", (january.due_date + dt.timedelta(days=1)).isoformat(), stdout=out
    )
    assert "发出提醒" in out.getvalue()
    assert Notification.objects.filter(kind="overdue").count() >= 1


def test_a_bad_date_is_refused_in_chinese(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as raised:
        call_command("remind", "--date", "2026-13-45")
    assert "日期" in str(raised.value)


def test_the_daily_tasks_run_on_the_queue(tree, people, january):
    from gongkai.compliance import tasks
    from gongkai.ledger import tasks as ledger_tasks

    day = (january.due_date + dt.timedelta(days=1)).isoformat()
    first = tasks.remind.enqueue(day)
    again = tasks.remind.enqueue(day)
    assert first.return_value and first.return_value["sent"] >= 1
    assert again.return_value and again.return_value["sent"] == 0
    assert tasks.recompute_rollups.enqueue().return_value == 0
    assert set(ledger_tasks.witness.enqueue().return_value or {}) == {"signed", "witnessed"}
