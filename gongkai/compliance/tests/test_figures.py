from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from gongkai.compliance import figures, obligations
from gongkai.compliance.models import Obligation, State

pytestmark = pytest.mark.django_db


def live(org, first: dt.date, last: dt.date) -> Counter[str]:  # type: ignore[no-untyped-def]
    """What the roll-ups stand for, counted the slow way."""
    last_day = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    rows = figures.subtree_obligations(org).filter(
        due_date__gte=first.replace(day=1), due_date__lt=last_day
    )
    return Counter(rows.values_list("state", flat=True))


def test_figures_from_rollups_equal_a_live_count(tree, catalogs):
    obligations.generate(dt.date(2026, 9, 1))
    obligations.refresh(dt.date(2026, 9, 1))
    first, last = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    for org in (tree.county, tree.town, tree.village):
        got = figures.subtree(org, first, last)
        assert +got.counts == +live(org, first, last)
    town = figures.subtree(tree.town, first, last)
    assert town.due == town.on_time + town.late + town.overdue
    assert town.overdue > 0 and town.on_time_rate == 0
    kids = figures.children(tree.town, first, last)
    assert [f.organization for f in kids] == [tree.village, tree.sibling_village]
    assert sum(f.total for f in kids) + live_own(tree.town) == town.total
    months = figures.trend(tree.town, first, last)
    assert len(months) == 12 and sum(f.total for f in months) == town.total
    assert [o.state for o in figures.overdue(tree.town)] == [State.OVERDUE] * town.overdue


def live_own(org) -> int:  # type: ignore[no-untyped-def]
    return Obligation.objects.filter(organization=org, due_date__year=2026).count()
