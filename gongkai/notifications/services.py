"""The notification actions. Everything that tells someone something calls `notify`; the inbox
pages and the API call `inbox`, `mark_read` and `mark_all_read`.

    from gongkai.notifications.services import notify
    notification, created = notify(
        clerk, key=f"obligation:{ob.pk}:due_soon:{ob.due_date}", kind="due_soon",
        subject="…", body="…", link=f"/console/…", organization=ob.organization,
    )

`notify` is idempotent on (recipient, key): the second call with the same key finds the first
row and sends nothing. It writes the Notification and one Delivery per enabled channel in the
caller's transaction, and sends each delivery that needs a worker (e-mail, SMS…) only once that
transaction commits (transaction.on_commit): a caller that rolls back has notified nobody.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from gongkai import validation
from gongkai.notifications import channels, tasks
from gongkai.notifications.models import (
    BODY_MAX,
    KEY_MAX,
    LINK_MAX,
    SUBJECT_MAX,
    Delivery,
    Notification,
    NotificationQuerySet,
)

UNKNOWN_KIND = _("“%(kind)s” is not a kind of notification.")
KEY_REQUIRED = _("A notification needs a key that names the event it tells of.")
SUBJECT_REQUIRED = _("A notification needs a subject.")
LINK_NOT_LOCAL = _("A notification's link must be a path on this site, starting with “/”.")


def _check(*, key: str, kind: str, subject: str, body: str, link: str) -> None:
    if kind not in Notification.Kind.values:
        raise ValidationError(UNKNOWN_KIND % {"kind": kind})
    if not key.strip():
        raise ValidationError(KEY_REQUIRED)
    if not subject.strip():
        raise ValidationError(SUBJECT_REQUIRED)
    validation.check_text(key, max_length=KEY_MAX)
    validation.check_text(subject, max_length=SUBJECT_MAX)
    validation.check_text(body, max_length=BODY_MAX)
    validation.check_text(link, max_length=LINK_MAX)
    if link and not is_local_path(link):
        raise ValidationError(LINK_NOT_LOCAL)


def is_local_path(link: str) -> bool:
    """A path on this site: "/…", never "//host…", a scheme or a backslash (which browsers
    read as a slash)."""
    return (
        link.startswith("/")
        and not link.startswith("//")
        and "\\" not in link
        and url_has_allowed_host_and_scheme(link, allowed_hosts=set())
    )


def _enqueue_delivery(delivery_id: int) -> None:
    tasks.deliver.enqueue(delivery_id)


def notify(
    recipient: Any,
    *,
    key: str,
    kind: str,
    subject: str,
    body: str,
    link: str = "",
    organization: Any = None,
) -> tuple[Notification, bool]:
    """Tell `recipient` something once: (the notification, whether this call made it).

    Raises ValidationError for a kind that does not exist, an empty key or subject, text
    over its bound, or a link to another site. Content is what the caller passes, already in
    the reader's language.
    """
    _check(key=key, kind=kind, subject=subject, body=body, link=link)
    with transaction.atomic():
        # get_or_create retries the read when a concurrent call wins the insert (the unique
        # constraint on recipient and key decides), so both callers get the same row.
        notification, created = Notification.objects.get_or_create(
            recipient=recipient,
            key=key,
            defaults={
                "kind": kind,
                "subject": subject,
                "body": body,
                "link": link,
                "organization": organization,
            },
        )
        if not created:
            return notification, False
        now = timezone.now()
        for channel in channels.enabled():
            address = channel.address(recipient)
            if channel.in_app:
                state, sent_at = Delivery.State.SENT, now
            elif address:
                state, sent_at = Delivery.State.PENDING, None
            else:
                state, sent_at = Delivery.State.SKIPPED, None
            delivery = Delivery.objects.create(
                notification=notification,
                channel=channel.name,
                address=address,
                state=state,
                sent_at=sent_at,
                created_at=now,
            )
            if state == Delivery.State.PENDING:
                # robust: a queue that is down must not undo (or fail) the caller's work
                # after its commit; the delivery stays pending and the sweep sends it.
                transaction.on_commit(partial(_enqueue_delivery, delivery.pk), robust=True)
    return notification, True


# --- the inbox ---------------------------------------------------------------------------


def inbox(user: Any) -> NotificationQuerySet:
    """The person's notifications, unread first, newest first."""
    return Notification.objects.for_recipient(user).inbox_order()


def unread_count(user: Any) -> int:
    """One count over the inbox index (recipient, read_at, …)."""
    return Notification.objects.for_recipient(user).unread().count()


def mark_read(user: Any, notification_id: int) -> Notification:
    """Mark one of the person's notifications read (again: no change). Someone else's
    notification does not exist for them: Notification.DoesNotExist."""
    notification = Notification.objects.for_recipient(user).get(pk=notification_id)
    if notification.read_at is None:
        # Conditional, so two clicks keep the first time.
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        notification.refresh_from_db(fields=["read_at"])
    return notification


def mark_all_read(user: Any) -> int:
    """Mark every unread notification of the person read; how many were."""
    return Notification.objects.for_recipient(user).unread().update(read_at=timezone.now())
