"""The log of supervisors' reads: every page and API call that shows an organization's
records to someone reading as a supervisor writes one row, in the request that shows it.
The organization's principal, its leading-group office and the discipline committee read
the log (`permissions.can_see_view_log`)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from gongkai import permissions
from gongkai.disclosures import clock
from gongkai.organizations.models import Organization, Role
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


def reads_as_supervisor(user: Any, org: Organization) -> bool:
    """Whether the person sees `org`'s work in the console only because a supervisor role
    reaches it (not as its staff, its superior's reviewers, or an administrator): such reads
    on the console's own pages are logged too, not only those of the supervision pages."""
    return (
        permissions.holds(user, org, {Role.Kind.SUPERVISOR})
        and not permissions.holds(user, org, permissions.STAFF_KINDS - {Role.Kind.SUPERVISOR})
        and not permissions.can_review_as_superior(user, org)
        and not permissions.is_administrator(user)
    )


def console_read(user: Any, org: Organization, what: str, *, object_id: int, label: str) -> None:
    """Called by the console's disclosure and obligation pages when they are shown."""
    if reads_as_supervisor(user, org):
        record(user, org, what, object_id=object_id, label=label)
