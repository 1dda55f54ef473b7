"""The "web process" of the worker tests (test_workers.py): run as its own process against
the database and queue its environment names, it makes people, enqueues work and reports.

    python -m gongkai.notifications.tests.scenario people N
    python -m gongkai.notifications.tests.scenario batch N [PAUSE]   enqueue notify_batch
    python -m gongkai.notifications.tests.scenario sweep             deliver_pending(older_than=0)
    python -m gongkai.notifications.tests.scenario report            JSON on stdout
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gongkai.notifications.tasks import BatchItem


def batch_items(n: int) -> list[BatchItem]:
    from gongkai.accounts.models import User

    people = User.objects.filter(username__startswith="person-").order_by("username")[:n]
    return [
        {
            "recipient": person.pk,
            "key": f"scenario:{person.username}",
            "kind": "general",
            "subject": f"致{person.display_name}的会议通知",
            "body": "周五上午九时在村委会开会。",
            "link": "/console/",
        }
        for person in people
    ]


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongkai.settings")
    import django

    django.setup()

    from gongkai.accounts.models import User
    from gongkai.notifications import channels, tasks
    from gongkai.notifications.models import Delivery, Notification

    action, *rest = argv
    if action == "people":
        User.objects.bulk_create(
            User(
                username=f"person-{i:03d}",
                display_name=f"党员{i:03d}",
                email=f"person-{i:03d}@example.org",
            )
            for i in range(int(rest[0]))
        )
    elif action == "batch":
        pause = float(rest[1]) if len(rest) > 1 else 0.0
        result = tasks.notify_batch.enqueue(batch_items(int(rest[0])), pause=pause)
        print(result.id)
    elif action == "sweep":
        print(tasks.deliver_pending(older_than=dt.timedelta(0)))
    elif action == "report":
        notifications = Notification.objects.filter(key__startswith="scenario:")
        report = {
            "notifications": notifications.count(),
            "keys": sorted(notifications.values_list("key", flat=True)),
            "deliveries": {
                state: Delivery.objects.filter(channel="email", state=state).count()
                for state in Delivery.State.values
            },
            "message_ids": sorted(channels.message_id(n) for n in notifications),
        }
        json.dump(report, sys.stdout)
    else:
        raise SystemExit(f"unknown action {action!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
