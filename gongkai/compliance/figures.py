"""The figures every compliance surface shows — dashboards, the API, the half-year summary,
assessment — read from the stored roll-ups (`Rollup`), never aggregated live over the
obligations. One function per question, so a summary's numbers equal the dashboard's.

Definitions (the same everywhere):

* **due**: obligations whose deadline has passed or that are fulfilled: on time + late +
  overdue. Exempted and deferred ones are not due (they are shown beside).
* **coverage**: fulfilled (on time + late) / due.
* **on-time rate**: on time / due.
* **pending**: upcoming + due soon (not yet due).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from gongkai.compliance.models import COUNTED, Obligation, Rollup, State
from gongkai.compliance.rollups import month_of
from gongkai.organizations import tree
from gongkai.organizations.models import Organization


@dataclass
class Figures:
    organization: Organization
    first: dt.date
    last: dt.date
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def on_time(self) -> int:
        return self.counts[State.ON_TIME]

    @property
    def late(self) -> int:
        return self.counts[State.LATE]

    @property
    def overdue(self) -> int:
        return self.counts[State.OVERDUE]

    @property
    def exempted(self) -> int:
        return self.counts[State.EXEMPTED]

    @property
    def deferred(self) -> int:
        return self.counts[State.DEFERRED]

    @property
    def pending(self) -> int:
        return self.counts[State.UPCOMING] + self.counts[State.DUE_SOON]

    @property
    def fulfilled(self) -> int:
        return self.on_time + self.late

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.overdue

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def coverage(self) -> Decimal | None:
        return _rate(self.fulfilled, self.due)

    @property
    def on_time_rate(self) -> Decimal | None:
        return _rate(self.on_time, self.due)


def _rate(part: int, whole: int) -> Decimal | None:
    """A percentage with one decimal place (half up), or None when nothing was due."""
    if not whole:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _window(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    return month_of(first), month_of(last)


def subtree(org: Organization, first: dt.date, last: dt.date) -> Figures:
    """The organization's subtree, obligations due from `first`'s month to `last`'s."""
    low, high = _window(first, last)
    sums = Rollup.objects.filter(organization=org, month__gte=low, month__lte=high).aggregate(
        **{c: Sum(c) for c in COUNTED}
    )
    return Figures(org, first, last, Counter({c: sums[c] or 0 for c in COUNTED}))


def children(org: Organization, first: dt.date, last: dt.date) -> list[Figures]:
    """Each direct subordinate's subtree figures, in tree order (one query each way)."""
    low, high = _window(first, last)
    kids = list(Organization.objects.filter(parent=org).order_by("path"))
    rows = (
        Rollup.objects.filter(organization__parent=org, month__gte=low, month__lte=high)
        .values("organization")
        .annotate(**{c: Sum(c) for c in COUNTED})
        .order_by()
    )
    by_org = {row["organization"]: row for row in rows}
    out = []
    for kid in kids:
        row = by_org.get(kid.pk, {})
        out.append(Figures(kid, first, last, Counter({c: row.get(c) or 0 for c in COUNTED})))
    return out


def ranking(org: Organization, first: dt.date, last: dt.date) -> list[Figures]:
    """Direct subordinates best first: on-time rate, then coverage, then fewer overdue."""

    def key(f: Figures) -> tuple[Decimal, Decimal, int, str]:
        return (
            -(f.on_time_rate if f.on_time_rate is not None else Decimal(-1)),
            -(f.coverage if f.coverage is not None else Decimal(-1)),
            f.overdue,
            f.organization.path,
        )

    return sorted(children(org, first, last), key=key)


def trend(org: Organization, first: dt.date, last: dt.date) -> list[Figures]:
    """The subtree's figures month by month (months without obligations included)."""
    low, high = _window(first, last)
    stored = {
        r.month: r for r in Rollup.objects.filter(organization=org, month__gte=low, month__lte=high)
    }
    out = []
    month = low
    while month <= high:
        row = stored.get(month)
        counts = Counter({c: getattr(row, c) if row else 0 for c in COUNTED})
        end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        out.append(Figures(org, month, end, counts))
        month = end + dt.timedelta(days=1)
    return out


def subtree_obligations(org: Organization):  # type: ignore[no-untyped-def]
    """The subtree's obligations as a queryset (a range scan on the path index)."""
    low, high = tree.subtree_bounds(org.path)
    return Obligation.objects.filter(path__gte=low, path__lt=high)


def overdue(org: Organization, *, limit: int = 200) -> list[Obligation]:
    """The subtree's overdue obligations, longest overdue first."""
    return list(
        subtree_obligations(org)
        .filter(state=State.OVERDUE)
        .select_related("organization")
        .order_by("due_date", "path", "pk")[:limit]
    )


def organizations(org: Organization) -> int:
    """The active organizations the subtree's figures cover (itself included): one range
    scan of the path index."""
    return Organization.objects.subtree(org).filter(is_active=True).count()
