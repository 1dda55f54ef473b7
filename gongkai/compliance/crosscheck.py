"""The roll-ups' cross-check: rebuild the counts from the obligations, record how many
stored rows disagreed (`RollupCheck`), and by default put them right.

`run` is a plain function returning plain data, so a scheduled task can wrap it as it is;
`gongkai compliance recompute [--check-only]` calls it too.
"""

from __future__ import annotations

from typing import Any

from gongkai.compliance import rollups
from gongkai.compliance.models import RollupCheck


def run(*, fix: bool = True) -> dict[str, Any]:
    """Compare (and unless `fix` is false, rewrite) every roll-up row; the result as JSON-ready
    data: when, how many rows were compared, how many disagreed, whether they were fixed."""
    check = rollups.recompute(fix=fix)
    return {
        "check": check.pk,
        "at": check.at.isoformat(),
        "rows": check.rows,
        "mismatches": check.mismatches,
        "fixed": bool(fix and check.mismatches),
    }


def latest() -> RollupCheck | None:
    """The most recent check, if any ran."""
    return RollupCheck.objects.order_by("-at", "-pk").first()
