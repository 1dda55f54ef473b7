"""Channels: the ways a notification reaches a person, plugged in by the setting
GONGKAI_NOTIFICATION_CHANNELS (dotted paths of Channel subclasses).

A channel answers two questions: where a person is reached on it (`address`; empty means the
person cannot be, and the delivery is recorded as skipped, not failed) and how to send one
notification there (`send`, which raises on failure so the delivery is retried). Sending
talks to the outside world only: it must not write to the database, because it runs inside
the transaction that holds the delivery's lock (tasks.deliver).

Built in:
- InAppChannel: the Notification row itself is the message (its delivery is sent at once).
- EmailChannel: Django's mail backend (SMTP in production, files under var/mail/ in
  development), with a Message-ID derived from the notification, so a re-send after a crash
  is recognisable as the same message.
- SmsChannel and WeChatChannel: interfaces (abstract). LoggingSmsChannel and
  LoggingWeChatChannel log the message and record it in `outbox`; no outside service is
  called. A gateway is a subclass that implements `send_text`.
"""

from __future__ import annotations

import hashlib
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from gongkai.notifications.models import Notification

logger = logging.getLogger(__name__)

NOT_A_CHANNEL = "%(path)s in GONGKAI_NOTIFICATION_CHANNELS is not a Channel subclass."
TWO_CHANNELS_ONE_NAME = "Two channels in GONGKAI_NOTIFICATION_CHANNELS are named %(name)r."
UNKNOWN_CHANNEL = "The channel %(name)r is not in GONGKAI_NOTIFICATION_CHANNELS (any more)."


class Channel(ABC):
    #: Stored in Delivery.channel: keep it stable once deliveries exist.
    name: ClassVar[str]
    verbose_name: ClassVar[Any]
    #: The Notification row is the message: no worker is needed to send it.
    in_app: ClassVar[bool] = False

    @abstractmethod
    def address(self, recipient: Any) -> str:
        """Where `recipient` is reached on this channel; "" when they cannot be."""

    @abstractmethod
    def send(self, notification: Notification, address: str) -> None:
        """Send it, or raise. Called at most once per attempt, inside the delivery's lock."""


class InAppChannel(Channel):
    name = "in_app"
    verbose_name = _("In the platform")
    in_app = True

    def address(self, recipient: Any) -> str:
        return str(recipient.pk)

    def send(self, notification: Notification, address: str) -> None:
        """Nothing to send: the row is in the person's inbox from the moment it exists."""


def message_id(notification: Notification) -> str:
    """The same Message-ID for every attempt at one notification: a mail server, a mail
    client or a person reading the logs sees a re-send as the same message. A hash, so the
    key (which names internal ids) does not travel in the header."""
    digest = hashlib.sha256(f"{notification.recipient_id}\n{notification.key}".encode()).hexdigest()
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">").strip() or "localhost"
    return f"<notification.{digest[:40]}@{domain}>"


def absolute(link: str) -> str:
    return f"{settings.GONGKAI_SITE_URL}{link}" if link else ""


class EmailChannel(Channel):
    name = "email"
    verbose_name = _("E-mail")

    def address(self, recipient: Any) -> str:
        return (getattr(recipient, "email", "") or "").strip()

    def send(self, notification: Notification, address: str) -> None:
        body = notification.body
        link = absolute(notification.link)
        if link:
            body = f"{body}\n\n{link}" if body else link
        message = EmailMessage(
            subject=notification.subject,
            body=body,
            to=[address],
            headers={"Message-ID": message_id(notification)},
        )
        # fail_silently=False: a refusal raises, and the delivery records it and is retried.
        message.send(fail_silently=False)


class TextChannel(Channel):
    """A channel that carries one short text: the subject, then the link."""

    def text(self, notification: Notification) -> str:
        link = absolute(notification.link)
        return f"{notification.subject} {link}".strip()

    def send(self, notification: Notification, address: str) -> None:
        self.send_text(address, self.text(notification), notification=notification)

    @abstractmethod
    def send_text(self, address: str, text: str, *, notification: Notification) -> None:
        """Hand the text to the gateway, or raise."""


class SmsChannel(TextChannel):
    """SMS to the person's mainland mobile number. A gateway implements send_text."""

    name = "sms"
    verbose_name = _("SMS")

    def address(self, recipient: Any) -> str:
        return (getattr(recipient, "mobile", "") or "").strip()


class WeChatChannel(TextChannel):
    """A WeChat (enterprise WeChat, 企业微信) message. Enterprise WeChat finds a member by
    their mobile number; a gateway bound to another identifier overrides `address`."""

    name = "wechat"
    verbose_name = _("WeChat")

    def address(self, recipient: Any) -> str:
        return (getattr(recipient, "mobile", "") or "").strip()


@dataclass(frozen=True)
class Sent:
    channel: str
    address: str
    text: str
    key: str


#: What the logging channels "sent" in this process, oldest first (like mail.outbox).
outbox: list[Sent] = []


class _Logging:
    name: ClassVar[str]

    def send_text(self, address: str, text: str, *, notification: Notification) -> None:
        logger.info("%s to %s: %s", self.name, address, text)
        outbox.append(Sent(self.name, address, text, notification.key))


class LoggingSmsChannel(_Logging, SmsChannel):
    """SMS without a gateway: logs the message and records it in `outbox`."""


class LoggingWeChatChannel(_Logging, WeChatChannel):
    """WeChat without a gateway: logs the message and records it in `outbox`."""


# --- the registry -------------------------------------------------------------------------


@cache  # keyed by the setting's value, so a changed setting loads afresh
def _load(paths: tuple[str, ...]) -> dict[str, Channel]:
    loaded: dict[str, Channel] = {}
    for path in paths:
        cls = import_string(path)
        if not (isinstance(cls, type) and issubclass(cls, Channel)):
            raise ImproperlyConfigured(NOT_A_CHANNEL % {"path": path})
        if cls.name in loaded:
            raise ImproperlyConfigured(TWO_CHANNELS_ONE_NAME % {"name": cls.name})
        loaded[cls.name] = cls()
    return loaded


def enabled() -> list[Channel]:
    """The channels in GONGKAI_NOTIFICATION_CHANNELS, in the setting's order."""
    return list(_load(tuple(settings.GONGKAI_NOTIFICATION_CHANNELS)).values())


def get(name: str) -> Channel:
    """The enabled channel called `name`; ImproperlyConfigured when it is not enabled."""
    channel = _load(tuple(settings.GONGKAI_NOTIFICATION_CHANNELS)).get(name)
    if channel is None:
        raise ImproperlyConfigured(UNKNOWN_CHANNEL % {"name": name})
    return channel
