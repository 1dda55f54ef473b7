"""A notification is one message to one person, shown in their inbox ("我的通知"); each of its
channels (in-app, e-mail, SMS, WeChat…) has one Delivery row that records whether it went out.

Both are written by `services.notify`, in the caller's transaction; the deliveries that need a
worker are sent by `tasks.deliver`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: Bounds of what a caller may store (services.notify refuses longer values).
KEY_MAX = 200
SUBJECT_MAX = 200
BODY_MAX = 10_000
LINK_MAX = 500
ERROR_MAX = 1000


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_recipient(self, user: Any) -> NotificationQuerySet:
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def inbox_order(self) -> NotificationQuerySet:
        """Unread first, then newest first (the pk breaks ties within one instant)."""
        return self.order_by(_read_last(), "-created_at", "-pk")


def _read_last() -> models.Expression:
    # 0 for unread, 1 for read: a CASE both databases sort the same way.
    return models.Case(
        models.When(read_at__isnull=True, then=models.Value(0)),
        default=models.Value(1),
        output_field=models.IntegerField(),
    ).asc()


class Notification(models.Model):
    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")
        ESCALATION = "escalation", _("Escalation")
        EXEMPTION_REQUESTED = "exemption_requested", _("Exemption requested")
        EXEMPTION_DECIDED = "exemption_decided", _("Exemption decided")
        GENERAL = "general", _("General")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX)
    body = models.TextField(_("body"), blank=True)
    #: A path on this site (e.g. /console/disclosures/7/), never another host.
    link = models.CharField(_("link"), max_length=LINK_MAX, blank=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organization"),
    )
    #: The caller's idempotency key, e.g. "obligation:42:due_soon:2026-01-13": a second
    #: notify() with the same key for the same person finds this row instead of a new one.
    key = models.CharField(_("idempotency key"), max_length=KEY_MAX)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            # Per person: one event told to three people is three rows under one key.
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_key_unique"),
        ]
        indexes = [
            # Serves the inbox (recipient = ? ORDER BY unread, created_at DESC) and the unread
            # count in the console's menu (recipient = ? AND read_at IS NULL), on every page.
            models.Index(
                fields=["recipient", "read_at", "-created_at"], name="notification_inbox_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def pending(self) -> DeliveryQuerySet:
        return self.filter(state=Delivery.State.PENDING)

    def stale(self, older_than: dt.timedelta) -> DeliveryQuerySet:
        """Pending and untouched for `older_than`: created (or last tried) that long ago and
        not sent, so its task was lost (a killed worker, a queue that was down) or failed."""
        cutoff = timezone.now() - older_than
        return (
            self.pending()
            .annotate(touched_at=Coalesce("last_attempt_at", "created_at"))
            .filter(touched_at__lte=cutoff)
        )


class Delivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        #: The person has no address on this channel (no e-mail, no mobile): nothing to send.
        SKIPPED = "skipped", _("Skipped")

    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("notification"),
    )
    channel = models.CharField(_("channel"), max_length=50)
    #: Where it goes on that channel (an e-mail address, a mobile number), fixed when the
    #: notification is made, so a retry goes where the first attempt went.
    address = models.CharField(_("address"), max_length=254, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_channel_unique"
            ),
        ]
        indexes = [
            # The sweep (tasks.deliver_pending) reads only the few pending rows, however
            # many have been sent.
            models.Index(
                fields=["created_at"],
                condition=Q(state="pending"),
                name="delivery_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id}:{self.channel}:{self.state}"
