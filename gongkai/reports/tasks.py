"""Rendering on the task queue (see gongkai.notifications.tasks for how tasks stay
idempotent): `render_summary` re-renders a report in place, so a re-run replaces its files and
never adds a row."""

from __future__ import annotations

from django_tasks import task

from gongkai.reports import documents


@task()
def render_summary(report_id: int) -> str:
    return str(documents.render_summary(report_id).status)
