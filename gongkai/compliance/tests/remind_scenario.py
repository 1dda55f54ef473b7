"""The "web process" of the reminder worker test (test_remind_worker.py), run as its own
process against the database and queue its environment names.

    python -m gongkai.compliance.tests.remind_scenario setup N     a town with N branches
    python -m gongkai.compliance.tests.remind_scenario remind DATE [PAUSE]   enqueue the task
    python -m gongkai.compliance.tests.remind_scenario report             JSON on stdout
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

CATALOG = """
title: 镇目录
defaults: {scope: public, channels: [公开栏]}
categories:
  - key: work
    name: 工作情况
    items:
      - {key: monthly, name: 每月工作安排, timing: periodic, period: monthly, deadline_days: 5,
         deadline_basis: period_end}
"""


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongkai.settings")
    import django

    django.setup()

    from gongkai.accounts.models import User
    from gongkai.catalog import services as catalog_services
    from gongkai.catalog.exchange import parse_yaml
    from gongkai.catalog.models import Catalog, CatalogVersion, Item
    from gongkai.compliance import tasks
    from gongkai.notifications import channels
    from gongkai.notifications.models import Delivery, Notification
    from gongkai.organizations.models import Organization, Role
    from gongkai.organizations.services import create_organization

    action, *rest = argv
    if action == "setup":
        town = create_organization(
            parent=None, code="QS", name="青石镇党委", kind=Organization.Kind.COMMITTEE
        )
        office = User.objects.create(
            username="office", display_name="陈主任", email="office@example.org"
        )
        Role.objects.create(user=office, organization=town, kind=Role.Kind.OFFICE)
        for i in range(int(rest[0])):
            branch = create_organization(
                parent=town, code=f"QS-{i:02d}", name=f"第{i}村党支部", kind="branch"
            )
            clerk = User.objects.create(
                username=f"clerk-{i:02d}", display_name=f"文书{i}", email=f"c{i}@example.org"
            )
            Role.objects.create(user=clerk, organization=branch, kind=Role.Kind.CLERK)
        layer = catalog_services.create_catalog(town, actor=office, title="镇目录", inherit=False)
        catalog_services.load_catalog_data(layer, actor=office, data=parse_yaml(CATALOG).data)
        Item.objects.filter(catalog=layer).update(applies_to={"levels": [1]})
        catalog_services.publish_catalog(layer, actor=office)
        catalog_services.push_down(layer, actor=office)
        CatalogVersion.objects.filter(catalog__in=Catalog.objects.all()).update(
            published_at=dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
        )
    elif action == "remind":
        pause = float(rest[1]) if len(rest) > 1 else 0.0
        print(tasks.remind.enqueue(rest[0], pause=pause).id)
    elif action == "report":
        notifications = Notification.objects.filter(key__startswith="obligation:")
        report = {
            "notifications": notifications.count(),
            "pairs": sorted(
                f"{r}:{k}" for r, k in notifications.values_list("recipient_id", "key")
            ),
            "kinds": sorted(notifications.values_list("kind", flat=True)),
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
