"""The notification tasks, and the pattern every task in gongkai follows.

Tasks go through Django's tasks API (the `django-tasks` backport): `deliver.enqueue(pk)`. The
backend is a setting (settings.TASKS): the database (`gongkai db_worker`) on one machine,
Redis and RQ (`gongkai rqworker default --job-class django_tasks_rq.Job`) in production.
Either can run a task twice: a worker killed after the work but before it reported success
leaves the task to be run again, a sweep re-enqueues what looks lost, two workers may take
copies of the same enqueue. So a task must be idempotent, and here is how they are:

1. **Arguments are ids and plain values, never objects**: the task reads the current rows
   when it runs, not what was true when it was enqueued.
2. **What a task creates has a key** the database holds unique: `notify(..., key=...)` is
   `get_or_create` on (recipient, key), so running a batch again creates only what is still
   missing (`notify_batch` below). A compliance reminder uses keys like
   "obligation:42:due_soon:2026-01-13": one reminder per obligation, kind and day, however
   often the reminder task runs.
3. **What a task changes is locked and checked first**: `deliver` locks its Delivery row
   (select_for_update; on SQLite the database's write lock, taken at BEGIN IMMEDIATE), does
   nothing if it is no longer pending, and marks it sent in the same transaction as the send.
   A second copy waits for the lock and then finds it sent.
4. **Enqueue after commit**: work is enqueued with `transaction.on_commit`, so a worker never
   looks for a row the enqueuing transaction has not committed (or rolled back), and
   `robust=True`, so a queue that is down loses no work: the rows stay pending.
5. **A sweep catches up**: `deliver_pending` (the command
   `gongkai notifications deliver-pending`, run every few minutes by cron or a timer, and
   once when the demo starts) re-enqueues deliveries pending for more than a minute. Running it
   while their tasks are still queued is harmless, by 3.
6. **Each item of a batch is its own transaction**: a batch killed half-way keeps what it
   finished, and running it again (or the next scheduled run) does the rest, by 2.

The one thing no lock can make exactly-once is the outside world: a worker killed after the
mail server accepted a message and before the commit sends it again on the retry. That window
is one SMTP exchange wide, and the e-mail carries the same Message-ID both times
(channels.message_id), so the copy is recognisable as the same message.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any, NotRequired, TypedDict

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django_tasks import task

# The module, not its names: services enqueues `deliver` from here (a cycle of modules,
# resolved at call time).
from gongkai.notifications import channels, services
from gongkai.notifications.models import ERROR_MAX, Delivery
from gongkai.organizations.models import Organization

logger = logging.getLogger(__name__)

#: After this many failed attempts a delivery is given up (state failed, error kept).
MAX_ATTEMPTS = 5
#: A delivery pending this long is taken to have lost its task (deliver_pending).
STALE_AFTER = dt.timedelta(minutes=1)
#: At most this many deliveries are re-enqueued by one sweep (the next sweep takes the rest).
SWEEP_LIMIT = 1000


@task()
def deliver(delivery_id: int) -> str:
    """Send one delivery, at most once per success. Returns the delivery's state after
    the attempt ("sent", "pending" to be retried, "failed", "skipped") or "missing"."""
    with transaction.atomic():
        # The lock makes a second copy of this task wait, then see "sent" and stop.
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("notification")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "missing"
        if delivery.state != Delivery.State.PENDING:
            return str(delivery.state)
        delivery.attempts += 1
        delivery.last_attempt_at = timezone.now()
        try:
            channel = channels.get(delivery.channel)
            channel.send(delivery.notification, delivery.address)
        except ImproperlyConfigured as exc:  # the channel was removed from the settings
            delivery.state = Delivery.State.FAILED
            delivery.last_error = str(exc)[:ERROR_MAX]
        except Exception as exc:  # whatever the gateway raised: recorded, retried
            logger.warning(
                "delivery %s failed (attempt %d): %s", delivery.pk, delivery.attempts, exc
            )
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.state = Delivery.State.FAILED
        else:
            delivery.state = Delivery.State.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
        delivery.save(
            update_fields=["state", "attempts", "last_attempt_at", "last_error", "sent_at"]
        )
    return str(delivery.state)


def deliver_pending(
    *, older_than: dt.timedelta = STALE_AFTER, dry_run: bool = False, limit: int = SWEEP_LIMIT
) -> int:
    """Re-enqueue the deliveries pending for longer than `older_than` (oldest first): the
    catch-up after a killed worker or a queue that was down, and the retry of a failed
    attempt. How many were (or, with dry_run, would be) enqueued."""
    ids = list(
        Delivery.objects.stale(older_than)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not dry_run:
        for pk in ids:
            deliver.enqueue(pk)
    return len(ids)


@task()
def sweep() -> int:
    """deliver_pending as a task, for a scheduler that enqueues tasks rather than commands."""
    return deliver_pending()


class BatchItem(TypedDict):
    """One notification of a batch, in JSON (a task's arguments travel as JSON)."""

    recipient: int  # a user's id
    key: str
    kind: str
    subject: str
    body: str
    link: NotRequired[str]
    organization: NotRequired[int | None]  # an organization's id


@task()
def notify_batch(items: list[BatchItem], pause: float = 0.0) -> int:
    """notify() each item, each in its own transaction; how many were new.

    Safe to run again, whole or after being killed part-way: the items already notified are
    found by their keys and skipped (see the module docstring). A recipient who no longer
    exists is passed over. `pause` (seconds) is slept after each item: it spreads a large
    batch over time on a shared database, and lets the tests catch a worker mid-batch.
    """
    users = get_user_model()._default_manager.in_bulk({item["recipient"] for item in items})
    created = 0
    for item in items:
        recipient = users.get(item["recipient"])
        if recipient is None:
            continue
        with transaction.atomic():
            _notification, made = services.notify(
                recipient,
                key=item["key"],
                kind=item["kind"],
                subject=item["subject"],
                body=item["body"],
                link=item.get("link", ""),
                organization=_organization(item.get("organization")),
            )
        created += made
        if pause:
            time.sleep(pause)
    return created


def _organization(pk: int | None) -> Any:
    if pk is None:
        return None
    return Organization.objects.filter(pk=pk).first()
