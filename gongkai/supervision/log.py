"""The log of supervisors' reads: every page and API call that shows an organization's
records to someone reading as a supervisor writes one row, in the request that shows it.
The organization's principal, its leading-group office and the discipline committee read
the log (`permissions.can_see_view_log`)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from gongkai.disclosures import clock
from gongkai.organizations.models import Organization
from gongkai.supervision.models import SupervisionView

What = SupervisionView.What


def record(
    viewer: Any,
    org: Organization,
    what: str,
    *,
    object_id: int | None = None,
    label: str = "",
    surface: str = "console",
) -> SupervisionView:
    return SupervisionView.objects.create(
        viewer=viewer,
        organization=org,
        what=what,
        object_id=object_id,
        label=(label or "")[:200],
        surface=surface,
        at=clock.now(),
    )


def of(org: Organization) -> QuerySet[SupervisionView]:
    return SupervisionView.objects.filter(organization=org).select_related("viewer")
