"""gongkai.portal.subtree shows exactly what the range-and-sort plan shows: for every
organization of the tree, both plans (a few organizations each by its index; the walk of the
site's newest-first order, and its fall-back to the range), every reader, order and cursor."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from gongkai.catalog.models import Scope
from gongkai.disclosures.models import Disclosure, State
from gongkai.organizations import tree as org_tree
from gongkai.organizations.models import Organization
from gongkai.portal import subtree

HOUR = dt.timedelta(hours=1)


def _spread(base: Disclosure, seed: int, rows: int) -> None:
    """`rows` copies of `base` over every organization, at random times, scopes and states
    (some scheduled, some party-first, some withdrawn, some drafts), with ties in time."""
    rng = random.Random(seed)
    organizations = list(Organization.objects.values_list("pk", flat=True))
    now = timezone.now()
    template = {
        k: v for k, v in Disclosure.objects.filter(pk=base.pk).values().get().items() if k != "id"
    }
    copies = []
    for n in range(rows):
        publish_from = now - rng.choice([0, 1, 1, 2, 5, 30, 400]) * HOUR + HOUR // 2
        public_from = publish_from + rng.choice([dt.timedelta(0), dt.timedelta(0), 3 * HOUR])
        copies.append(
            Disclosure(
                **{
                    **template,
                    "title": f"事项{n}",
                    "organization_id": rng.choice(organizations),
                    "publish_from": publish_from,
                    "public_from": public_from,
                    "scope": rng.choice([Scope.PUBLIC, Scope.PUBLIC, Scope.PARTY]),
                    "state": rng.choice(
                        [State.PUBLISHED, State.PUBLISHED, State.WITHDRAWN, State.APPROVED]
                    ),
                }
            )
        )
    Disclosure.objects.bulk_create(copies)


def _by_range(queryset, path: str, field: str, limit: int) -> list[int]:  # type: ignore[no-untyped-def]
    low, high = org_tree.subtree_bounds(path)
    return list(
        queryset.filter(organization__path__gte=low, organization__path__lt=high)
        .order_by(f"-{field}", "-pk")
        .values_list("pk", flat=True)[:limit]
    )


PLANS = {
    "each organization": {"FEW": 1000, "CHUNK": 500, "MAX_CHUNKS": 8},
    "walk": {"FEW": 0, "CHUNK": 7, "MAX_CHUNKS": 1000},
    "walk, then the range": {"FEW": 0, "CHUNK": 3, "MAX_CHUNKS": 2},
    "walk, one row a time": {"FEW": 1, "CHUNK": 1, "MAX_CHUNKS": 4},
}


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("seed", [1, 2])
def test_every_plan_shows_what_the_range_shows(people, shown, monkeypatch, plan, seed) -> None:  # type: ignore[no-untyped-def]
    for name, value in PLANS[plan].items():
        monkeypatch.setattr(subtree, name, value)
    _spread(shown(title="样本"), seed, 120)
    now = timezone.now()
    paths = list(Organization.objects.values_list("path", flat=True))
    checked = 0
    for reader in (AnonymousUser(), people.member):
        visible = Disclosure.objects.visible_to(reader, now)
        for path in paths:
            for field in ("publish_from", "public_from"):
                for limit in (1, 4, 30):
                    expected = _by_range(visible, path, field, limit)
                    got = list(
                        subtree.newest(visible, path, field, limit)
                        .order_by(f"-{field}", "-pk")
                        .values_list("pk", flat=True)[:limit]
                    )
                    assert got == expected, (plan, path, field, limit)
                    checked += bool(expected)
            # After a cursor, as the organization's list pages on.
            first = _by_range(visible, path, "publish_from", 5)
            if first:
                last = Disclosure.objects.get(pk=first[-1])
                after = visible.filter(
                    Q(publish_from__lt=last.publish_from)
                    | Q(publish_from=last.publish_from, pk__lt=last.pk)
                )
                got = list(
                    subtree.newest(after, path, "publish_from", 5)
                    .order_by("-publish_from", "-pk")
                    .values_list("pk", flat=True)[:5]
                )
                assert got == _by_range(after, path, "publish_from", 5)
    assert checked > 20


def test_the_subtree_list_and_feed_read_a_bounded_number_of_rows(people, shown) -> None:  # type: ignore[no-untyped-def]
    """The whole tree's list and feed: no query reads the subtree's rows to sort them
    (what took seconds at a million disclosures)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _spread(shown(title="样本"), 3, 60)
    root = Organization.objects.order_by("path").first()
    assert root is not None
    for url in (f"/o/{root.code}/all", f"/o/{root.code}/subtree/feed.atom"):
        with CaptureQueriesContext(connection) as captured:
            assert Client().get(url).status_code == 200
        for query in captured.captured_queries:
            sql = query["sql"]
            if '"organizations_organization"."path" >=' in sql and "disclosures" in sql:
                # Only the plan of many organizations with few rows reads the range.
                raise AssertionError(f"{url} read the subtree's range: {sql}")
