"""The event log of a disclosure: one row for every change, written inside the transaction
that makes the change.

Each row names what happened (`EventKind`, with its sentence), who did it, in which role
they acted at the time (`ActorRole`, stored, so history is never relabelled from today's
roles or today's transition table), when, why, and the details the sentence needs. The same
rows serve the console's audit trail (names, roles and every event), the public timeline
(roles only, `PUBLIC_KINDS` only) and, later, the dashboards.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from gongkai import permissions
from gongkai.disclosures import clock
from gongkai.disclosures.event_kinds import (
    PUBLIC_KINDS,
    PUBLIC_REASON_KINDS,
    SENTENCES,
    ActorRole,
    EventKind,
)
from gongkai.disclosures.models import Disclosure, Event
from gongkai.organizations.models import Organization
from gongkai.precompiled import Precompiled

__all__ = [
    "PUBLIC_KINDS",
    "PUBLIC_REASON_KINDS",
    "SENTENCES",
    "ActorRole",
    "EventKind",
    "public_events",
    "record",
    "role_of",
]


def role_of(actor: Any, org: Organization) -> str:
    """The role in which `actor` acts at `org` now; the most responsible one wins when a
    person holds several (a reviewer who is also the clerk publishes as the reviewer).
    No actor at all is the system (a time-driven move); an account without a role there is
    the public."""
    if actor is None:
        return ActorRole.SYSTEM
    if not getattr(actor, "is_authenticated", False):
        return ActorRole.PUBLIC
    if permissions.can_review(actor, org):
        return ActorRole.REVIEWER
    if permissions.can_draft(actor, org):
        return ActorRole.CLERK
    if permissions.can_review_as_superior(actor, org):
        return ActorRole.SUPERIOR
    if permissions.holds(actor, org, {permissions.Kind.OFFICE}):
        return ActorRole.OFFICE
    if permissions.can_supervise(actor, org):
        return ActorRole.SUPERVISOR
    if permissions.is_administrator(actor):
        return ActorRole.ADMINISTRATOR
    if permissions.can_read_party_internal(actor, org):
        return ActorRole.MEMBER
    return ActorRole.PUBLIC


def record(
    disclosure: Disclosure,
    kind: str,
    *,
    actor: Any,
    role: str | None = None,
    at: dt.datetime | None = None,
    reason: str = "",
    detail: dict[str, Any] | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
) -> Event:
    """Write one event. Call it inside the transaction of the change it records, so a
    refused change leaves no event and a recorded change always has one.

    `role` defaults to `role_of(actor, disclosure.organization)`; a workflow move passes the
    role its transition required. `at` defaults to now: callers running under the
    workflow's clock pass its time. `from_state`/`to_state` default to the disclosure's
    current state (an event that is not a move). `detail` holds what the sentence names
    (e.g. {"name": "名单.xlsx"}) and ids for later reading; it must be JSON.
    """
    EventKind(kind)  # an unknown name is a programming error: fail before writing
    state = disclosure.state
    return Event.objects.create(
        disclosure=disclosure,
        action=kind,
        role=role or role_of(actor, disclosure.organization),
        from_state=from_state or state,
        to_state=to_state or state,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at or clock.now(),  # the one clock the workflow writes with
        reason=reason,
        detail=detail or {},
    )


def public_events(disclosure: Disclosure) -> list[Event]:
    """The events the public timeline shows, in order (asked on every disclosure page:
    compiled once per connection)."""
    return _public_events(disclosure.pk)


_public_events = Precompiled(
    lambda pk: Event.objects.filter(disclosure_id=pk, action__in=PUBLIC_KINDS).order_by("at", "pk")
)
