"""Background work of compliance, through Django's tasks API (see gongkai.notifications.tasks
for how tasks stay idempotent). Arguments are plain values; each task reads the current rows.
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from gongkai.compliance import reminders, rollups


@task()
def remind(on: str | None = None, pause: float = 0.0) -> dict[str, int]:
    """The daily job: generate, move states, notify (keys make a re-run send nothing twice)."""
    report = reminders.run(dt.date.fromisoformat(on) if on else None, pause=pause)
    return {
        "generated": report.generated,
        "notices": len(report.notices),
        "sent": report.sent,
        "topic_notices": len(report.topic_notices),
    }


@task()
def recompute_rollups() -> int:
    """The nightly cross-check of the stored roll-ups; returns the mismatch count."""
    return rollups.recompute().mismatches
