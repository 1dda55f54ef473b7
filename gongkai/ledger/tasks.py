"""The ledger's daily work on the task queue: re-sign day-old heads (`gongkai ledger witness`
does the same from cron). Safe to run twice: a head younger than a day is left alone."""

from __future__ import annotations

from django_tasks import task

from gongkai.ledger import log


@task()
def witness() -> dict[str, int]:
    """Sign day-old heads and record them in the logs above; returns how many of each."""
    report = log.witness()
    return {"signed": len(report.signed), "witnessed": len(report.witnessed)}
