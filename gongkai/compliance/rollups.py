"""Stored roll-ups: obligation counts by state over each organization's subtree, per month of
the due date. `apply` adds signed deltas for the obligations' organizations and every
ancestor, in the caller's transaction; `recompute` rebuilds them from the obligations and
counts the rows that disagreed (the nightly cross-check)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping

from django.db import connection, transaction
from django.db.models import Count, Value
from django.db.models.functions import Concat, Substr

from gongkai.compliance.models import COUNTED, Obligation, Rollup, RollupCheck
from gongkai.disclosures import clock
from gongkai.organizations import tree
from gongkai.organizations.models import Organization


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def apply(deltas: Mapping[tuple[str, dt.date, str], int]) -> None:
    """Add `deltas` ((organization path, due date, state) → n) to the roll-ups of each
    organization and all its ancestors."""
    if not any(deltas.values()):
        return
    paths = {path for path, _due, _state in deltas}
    every_path = {a for path in paths for a in tree.ancestor_paths(path, True)}
    ids = dict(Organization.objects.filter(path__in=every_path).values_list("path", "pk"))
    totals: dict[tuple[int, dt.date], Counter[str]] = defaultdict(Counter)
    for (path, due, state), n in deltas.items():
        if not n:
            continue
        for ancestor in tree.ancestor_paths(path, True):
            if ancestor in ids:
                totals[(ids[ancestor], month_of(due))][state] += n
    _add(totals)


def _add(totals: Mapping[tuple[int, dt.date], Mapping[str, int]]) -> None:
    """Add signed counts to the roll-up rows (organization id, month): one upsert each, which
    creates a missing row with the counts and adds them to an existing one."""
    ops = connection.ops
    table = ops.quote_name(Rollup._meta.db_table)
    columns = ", ".join(COUNTED)
    one = "(" + ", ".join(["%s"] * (2 + len(COUNTED))) + ")"
    sums = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTED)
    rows = [
        (org, ops.adapt_datefield_value(month), *(counts.get(c, 0) for c in COUNTED))
        for (org, month), counts in totals.items()
        if any(counts.values())
    ]
    # Many rows to a statement (a statement per row is a round trip each on PostgreSQL);
    # 2,000 rows of 9 values stay under SQLite's 32,766 parameters.
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 2000):
            part = rows[start : start + 2000]
            cursor.execute(
                f"INSERT INTO {table} (organization_id, month, {columns}) "
                f"VALUES {', '.join([one] * len(part))} "
                f"ON CONFLICT (organization_id, month) DO UPDATE SET {sums}",
                [value for row in part for value in row],
            )


def follow_move(
    *, old_path: str, new_path: str, old_parent_path: str, new_parent_path: str, **_: object
) -> None:
    """A subtree moved: its obligations take the new paths, and its counts leave the old
    superiors' roll-ups for the new ones (the subtree's own roll-ups stay right)."""
    low, high = tree.subtree_bounds(old_path)
    moved = Obligation.objects.filter(path__gte=low, path__lt=high)
    counts = moved.values("due_date", "state").annotate(n=Count("pk")).order_by()
    deltas: Counter[tuple[str, dt.date, str]] = Counter()
    for row in counts:
        if old_parent_path:
            deltas[(old_parent_path, row["due_date"], row["state"])] -= row["n"]
        if new_parent_path:
            deltas[(new_parent_path, row["due_date"], row["state"])] += row["n"]
    moved.update(path=Concat(Value(new_path), Substr("path", len(old_path) + 1)))
    apply(deltas)


def expected() -> dict[tuple[int, dt.date], Counter[str]]:
    """The roll-ups as the obligations say they should be (reads every obligation)."""
    ids = dict(Organization.objects.values_list("path", "pk"))
    out: dict[tuple[int, dt.date], Counter[str]] = defaultdict(Counter)
    rows = Obligation.objects.values("path", "due_date", "state").annotate(n=Count("pk")).order_by()
    for row in rows.iterator(chunk_size=5000):
        month = month_of(row["due_date"])
        for ancestor in tree.ancestor_paths(row["path"], True):
            if ancestor in ids:
                out[(ids[ancestor], month)][row["state"]] += row["n"]
    return out


def recompute(*, fix: bool = True) -> RollupCheck:
    """Compare the stored roll-ups with the obligations, record the number of rows that
    disagree, and (by default) rewrite them."""
    with transaction.atomic():
        want = expected()
        stored = {(r.organization_id, r.month): r for r in Rollup.objects.select_for_update().all()}
        details = []
        for key in set(want) | set(stored):
            counts = want.get(key, Counter())
            row = stored.get(key)
            have = {c: getattr(row, c) if row else 0 for c in COUNTED}
            if any(have[c] != counts.get(c, 0) for c in COUNTED):
                details.append(
                    {
                        "organization": key[0],
                        "month": key[1].isoformat(),
                        "stored": have,
                        "expected": {c: counts.get(c, 0) for c in COUNTED},
                    }
                )
                if fix:
                    values = {c: counts.get(c, 0) for c in COUNTED}
                    Rollup.objects.update_or_create(
                        organization_id=key[0], month=key[1], defaults=values
                    )
        return RollupCheck.objects.create(
            at=clock.now(), mismatches=len(details), rows=len(want), details=details[:100]
        )
