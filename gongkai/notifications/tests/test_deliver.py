"""deliver(): a pending delivery is sent once and marked sent; a copy of the task finds it sent
and does nothing; a failure is recorded and retried a bounded number of times. The sweep
(`gongkai notifications deliver-pending`) re-enqueues what is pending for over a minute."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from gongkai.notifications import channels, tasks
from gongkai.notifications.models import Delivery, Notification
from gongkai.notifications.services import notify

State = Delivery.State
NOW = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def clerk(people):
    people.clerk.email = "clerk@example.org"
    people.clerk.save()
    return people.clerk


def pending_email(person: Any, key: str = "k1") -> Delivery:
    """A notification whose e-mail is pending: its task was never run (not committed here)."""
    notification, _ = notify(person, key=key, kind="general", subject="通知", body="正文")
    return notification.deliveries.get(channel="email")


def test_a_delivery_is_sent_once_however_often_its_task_runs(clerk):
    delivery = pending_email(clerk)
    assert tasks.deliver.call(delivery.pk) == "sent"
    assert tasks.deliver.call(delivery.pk) == "sent"
    assert tasks.deliver.call(delivery.pk) == "sent"
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.sent_at) == (State.SENT, 1, NOW)


def test_a_delivery_that_is_gone_or_skipped_is_left_alone(clerk, people):
    assert tasks.deliver.call(10**9) == "missing"
    notification, _ = notify(people.reviewer, key="k", kind="general", subject="s", body="")
    skipped = notification.deliveries.get(channel="email")
    assert tasks.deliver.call(skipped.pk) == "skipped"
    assert mail.outbox == []


def test_a_resend_carries_the_same_message_id(clerk):
    """After a crash between the mail server's answer and the commit the delivery is still
    pending and is sent again: the copy says it is the same message."""
    delivery = pending_email(clerk)
    tasks.deliver.call(delivery.pk)
    Delivery.objects.filter(pk=delivery.pk).update(state=State.PENDING)  # as after the crash
    tasks.deliver.call(delivery.pk)
    first, second = mail.outbox
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]
    assert first.extra_headers["Message-ID"].startswith("<notification.")
    other = pending_email(clerk, key="k2")
    tasks.deliver.call(other.pk)
    assert mail.outbox[2].extra_headers["Message-ID"] != first.extra_headers["Message-ID"]


class DownChannel(channels.Channel):
    name = "down"
    verbose_name = "down"

    def address(self, recipient: Any) -> str:
        return "somewhere"

    def send(self, notification: Notification, address: str) -> None:
        raise ConnectionRefusedError("gateway refused the connection")


def test_a_failure_is_recorded_and_retried_until_it_gives_up(clerk, settings, _clock):
    settings.GONGKAI_NOTIFICATION_CHANNELS = [f"{__name__}.DownChannel"]
    notification, _ = notify(clerk, key="k", kind="general", subject="s", body="")
    delivery = notification.deliveries.get()
    for attempt in range(1, tasks.MAX_ATTEMPTS):
        assert tasks.deliver.call(delivery.pk) == "pending"
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        assert delivery.last_error == "ConnectionRefusedError: gateway refused the connection"
    assert tasks.deliver.call(delivery.pk) == "failed"
    assert tasks.deliver.call(delivery.pk) == "failed"  # given up: not tried again
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (State.FAILED, tasks.MAX_ATTEMPTS)


def test_a_delivery_on_a_channel_no_longer_configured_fails_with_the_reason(clerk, settings):
    delivery = pending_email(clerk)
    settings.GONGKAI_NOTIFICATION_CHANNELS = ["gongkai.notifications.channels.InAppChannel"]
    assert tasks.deliver.call(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert "'email'" in delivery.last_error


def test_the_sweep_enqueues_only_what_is_pending_for_over_a_minute(clerk, people, _clock):
    old = pending_email(clerk, key="old")
    _clock.shift(dt.timedelta(seconds=50))
    young = pending_email(clerk, key="young")
    sent = pending_email(clerk, key="sent")
    tasks.deliver.call(sent.pk)
    mail.outbox.clear()
    _clock.shift(dt.timedelta(seconds=20))  # old: 70 s, young: 20 s

    assert tasks.deliver_pending(dry_run=True) == 1
    assert mail.outbox == []
    assert tasks.deliver_pending() == 1  # the immediate backend runs it at once
    assert [m.to for m in mail.outbox] == [["clerk@example.org"]]
    assert Delivery.objects.get(pk=old.pk).state == State.SENT
    assert Delivery.objects.get(pk=young.pk).state == State.PENDING
    assert tasks.deliver_pending() == 0


def test_a_failed_attempt_is_retried_by_the_sweep_a_minute_after_it(clerk, settings, _clock):
    settings.GONGKAI_NOTIFICATION_CHANNELS = [f"{__name__}.DownChannel"]
    notification, _ = notify(clerk, key="k", kind="general", subject="s", body="")
    delivery = notification.deliveries.get()
    _clock.shift(dt.timedelta(minutes=2))
    tasks.deliver.call(delivery.pk)  # fails now: last tried now
    assert tasks.deliver_pending() == 0
    _clock.shift(dt.timedelta(seconds=61))
    assert tasks.deliver_pending() == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 2


def test_the_command_reports_in_chinese(clerk, _clock):
    pending_email(clerk)
    _clock.shift(dt.timedelta(minutes=5))
    out = StringIO()
    call_command("notifications", "deliver-pending", "--dry-run", stdout=out)
    assert out.getvalue().strip() == "试运行：将重新排队 1 条待发送的投递。"
    call_command("notifications", "deliver-pending", stdout=out)
    assert "已重新排队 1 条待发送的投递。" in out.getvalue()
    assert len(mail.outbox) == 1
    with pytest.raises(CommandError, match="不是秒数"):
        call_command("notifications", "deliver-pending", "--older-than", "soon")


def test_with_the_database_backend_the_delivery_waits_for_the_worker(
    clerk, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        delivery = pending_email(clerk)
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "gongkai.notifications.tasks.deliver"
    assert queued.args_kwargs == {"args": [delivery.pk], "kwargs": {}}
    assert mail.outbox == []
    assert Delivery.objects.get(pk=delivery.pk).state == State.PENDING


def test_the_batch_task_notifies_each_item_once_and_can_run_again(clerk, people, tree):
    items: list[tasks.BatchItem] = [
        {"recipient": person.pk, "key": f"batch:{person.pk}", "kind": "general",
         "subject": "会议通知", "body": "周五开会", "link": "/console/", "organization": tree.town.pk}
        for person in (clerk, people.reviewer, people.member)
    ]  # fmt: skip
    items.append({**items[0], "recipient": 10**9})  # someone who no longer exists
    assert tasks.notify_batch.call(items) == 3
    assert tasks.notify_batch.call(items) == 0
    assert Notification.objects.count() == 3
    assert set(Notification.objects.values_list("organization", flat=True)) == {tree.town.pk}
    assert timezone.now() == NOW
