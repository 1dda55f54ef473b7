"""notify(): one notification per (person, key), one delivery per channel, sent once the
caller's transaction commits; a person without an address on a channel is skipped there."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.notifications import channels
from gongkai.notifications.models import Delivery, Notification
from gongkai.notifications.services import LINK_NOT_LOCAL, notify

Kind = Notification.Kind
State = Delivery.State

ALL_CHANNELS = [
    "gongkai.notifications.channels.InAppChannel",
    "gongkai.notifications.channels.EmailChannel",
    "gongkai.notifications.channels.LoggingSmsChannel",
    "gongkai.notifications.channels.LoggingWeChatChannel",
]


def due_soon(person: Any, key: str = "obligation:42:due_soon:2026-01-13", **extra: Any) -> Any:
    return notify(
        person,
        key=key,
        kind=Kind.DUE_SOON,
        subject="“党费收缴情况”将于1月13日到期",
        body="请在到期前发布。",
        link="/console/todo/",
        **extra,
    )


@pytest.fixture
def clerk(people):
    people.clerk.email = "clerk@example.org"
    people.clerk.save()
    return people.clerk


@pytest.fixture(autouse=True)
def _empty_outbox():
    channels.outbox.clear()
    yield
    channels.outbox.clear()


def test_notifying_twice_makes_one_notification_one_delivery_per_channel_and_one_email(
    clerk, tree, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, created = due_soon(clerk, organization=tree.village)
    with django_capture_on_commit_callbacks(execute=True) as second_callbacks:
        again, created_again = due_soon(clerk, organization=tree.village)

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Notification.objects.count() == 1
    assert sorted(Delivery.objects.values_list("channel", "state")) == [
        ("email", State.SENT),
        ("in_app", State.SENT),
    ]
    assert second_callbacks == []  # nothing is sent for the second call
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["clerk@example.org"]
    assert message.subject == "“党费收缴情况”将于1月13日到期"
    assert message.extra_headers["Message-ID"] == channels.message_id(first)


def test_the_same_key_for_two_people_is_two_notifications(clerk, people):
    _mine, created_mine = due_soon(clerk)
    _theirs, created_theirs = due_soon(people.reviewer)
    assert created_mine and created_theirs
    assert Notification.objects.count() == 2


def test_nothing_is_sent_before_the_callers_transaction_commits(
    clerk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        due_soon(clerk)
    assert len(callbacks) == 1  # the e-mail's delivery, once committed
    assert mail.outbox == []
    assert Delivery.objects.get(channel="email").state == State.PENDING


def test_a_caller_that_rolls_back_has_notified_nobody(clerk, django_capture_on_commit_callbacks):
    class Refused(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Refused),
        transaction.atomic(),
    ):
        due_soon(clerk)
        raise Refused
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()
    assert mail.outbox == []


def test_a_person_without_an_address_is_skipped_on_that_channel_not_failed(
    people, settings, django_capture_on_commit_callbacks
):
    settings.GONGKAI_NOTIFICATION_CHANNELS = ALL_CHANNELS
    # The clerk has a mobile number (conftest) and no e-mail; the reviewer has neither.
    with django_capture_on_commit_callbacks(execute=True):
        due_soon(people.clerk)
        due_soon(people.reviewer)
    states = {
        (d.notification.recipient.username, d.channel): d.state
        for d in Delivery.objects.select_related("notification__recipient")
    }
    assert states == {
        ("clerk", "in_app"): State.SENT,
        ("clerk", "email"): State.SKIPPED,
        ("clerk", "sms"): State.SENT,
        ("clerk", "wechat"): State.SENT,
        ("reviewer", "in_app"): State.SENT,
        ("reviewer", "email"): State.SKIPPED,
        ("reviewer", "sms"): State.SKIPPED,
        ("reviewer", "wechat"): State.SKIPPED,
    }
    assert mail.outbox == []
    assert [(s.channel, s.address) for s in channels.outbox] == [
        ("sms", "13800000001"),
        ("wechat", "13800000001"),
    ]
    assert channels.outbox[0].text == "“党费收缴情况”将于1月13日到期 /console/todo/"
    assert not Delivery.objects.filter(state=State.FAILED).exists()


class PigeonChannel(channels.Channel):
    """A channel plugged in by the settings alone."""

    name = "pigeon"
    verbose_name = "pigeon"
    carried: list[tuple[str, str]] = []

    def address(self, recipient: Any) -> str:
        return f"loft-{recipient.username}"

    def send(self, notification: Notification, address: str) -> None:
        self.carried.append((address, notification.subject))


def test_a_channel_is_plugged_in_by_its_dotted_path(
    clerk, settings, django_capture_on_commit_callbacks
):
    settings.GONGKAI_NOTIFICATION_CHANNELS = [
        "gongkai.notifications.channels.InAppChannel",
        f"{__name__}.PigeonChannel",
    ]
    PigeonChannel.carried.clear()
    with django_capture_on_commit_callbacks(execute=True):
        due_soon(clerk)
    assert PigeonChannel.carried == [("loft-clerk", "“党费收缴情况”将于1月13日到期")]
    assert set(Delivery.objects.values_list("channel", flat=True)) == {"in_app", "pigeon"}
    assert mail.outbox == []  # e-mail is not among the channels now


def test_a_setting_that_names_no_channel_is_refused(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.GONGKAI_NOTIFICATION_CHANNELS = ["gongkai.notifications.models.Notification"]
    with pytest.raises(ImproperlyConfigured, match="not a Channel"):
        channels.enabled()
    settings.GONGKAI_NOTIFICATION_CHANNELS = [ALL_CHANNELS[0], ALL_CHANNELS[0]]
    with pytest.raises(ImproperlyConfigured, match="Two channels"):
        channels.enabled()


def test_sms_and_wechat_are_interfaces():
    with pytest.raises(TypeError):
        channels.SmsChannel()  # type: ignore[abstract]
    with pytest.raises(TypeError):
        channels.WeChatChannel()  # type: ignore[abstract]


@pytest.mark.parametrize(
    "link",
    ["https://example.org/", "//example.org/x", "javascript:alert(1)", "console/todo", "/\\evil"],
)
def test_a_link_must_be_a_path_on_this_site(clerk, link):
    with pytest.raises(ValidationError) as refused:
        notify(clerk, key="k", kind=Kind.GENERAL, subject="s", body="", link=link)
    assert refused.value.messages == [str(LINK_NOT_LOCAL)]
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("kind", "gossip"), ("key", " "), ("subject", ""), ("subject", "长" * 201), ("body", "a\x00")],
)
def test_bad_content_is_refused_before_anything_is_written(clerk, field, value):
    arguments = {"key": "k", "kind": Kind.GENERAL, "subject": "s", "body": "", **{field: value}}
    with pytest.raises(ValidationError):
        notify(clerk, **arguments)
    assert not Notification.objects.exists()


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(calls=st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=8))
def test_however_often_a_key_is_notified_there_is_one_row_per_key(people, calls):
    Notification.objects.all().delete()
    made = [due_soon(people.member, key=f"event:{key}")[1] for key in calls]
    assert Notification.objects.count() == len(set(calls))
    # Exactly the first call of each key made its row.
    assert made == [calls.index(key) == i for i, key in enumerate(calls)]
    assert Delivery.objects.filter(channel="in_app").count() == len(set(calls))
