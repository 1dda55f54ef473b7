"""The one visibility rule: who may see a disclosure now.

It reads scope, state and timestamps only, so a scheduled disclosure appears at its minute
with no job running. The queryset form (`visible_to`) and the predicate (`can_see`) say the
same thing (a property test holds them together); every page, search, feed, export, file
download and API endpoint asks one of them. Staff preview of unpublished work is a different,
explicit question (`gongkai.permissions.can_view_in_console`) and is never cached.

- Nothing is seen before `publish_from`, and nothing that was never published.
- Inside the party (and the unit, whose people hold roles there): members and staff of the
  organization see it from `publish_from`.
- The public sees public-scope items from `public_from` (after the party-first lag).
- A withdrawn disclosure stays visible as a record with its reason; its content does not.
- A draft out for consultation is seen by its consultation audience only (`can_see_consultation`,
  `consultation_condition`): the organization's members and staff; and, when the item is
  public-scope, not party first and requires consultation (`public_consultation`), everyone, signed in or
  not. A party- or unit-scope consultation stays inside.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone

from gongkai import permissions
from gongkai.catalog.models import Scope
from gongkai.disclosures import scanning
from gongkai.disclosures.event_kinds import PUBLIC_REASON_KINDS
from gongkai.disclosures.states import PUBLIC_STATES, State
from gongkai.organizations.models import Organization, Role

if TYPE_CHECKING:
    # Only for annotations: the models import this module (their querysets are built from
    # these conditions), so the rule stays free of a runtime import of the models.
    from gongkai.disclosures.models import Disclosure, Revision

ALL_ROLES = frozenset(Role.Kind.values)


def visibility_condition(user: Any, now: dt.datetime | None = None) -> Q:
    now = now or timezone.now()
    shown = Q(state__in=PUBLIC_STATES, publish_from__lte=now)
    public = Q(scope=Scope.PUBLIC, public_from__lte=now)
    inside = Q(organization__in=permissions.organizations_where(user, ALL_ROLES).values("pk"))
    return shown & (public | inside)


def can_see(user: Any, disclosure: Disclosure, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    if disclosure.state not in PUBLIC_STATES or disclosure.publish_from is None:
        return False
    if disclosure.publish_from > now:
        return False
    if (
        disclosure.scope == Scope.PUBLIC
        and disclosure.public_from is not None
        and disclosure.public_from <= now
    ):
        return True
    return in_scope(user, disclosure.organization, Scope.PARTY)


def in_scope(user: Any, org: Organization, scope: str) -> bool:
    """Whether the person belongs to the audience `scope` names at `org`, time aside: the
    public scope is everyone; inside the party and inside the unit, the members and staff of
    the organization. `can_see` asks it for a disclosure; an exemption's notice, which has no
    publication times, asks it with the scope its decision chose."""
    if scope == Scope.PUBLIC:
        return True
    return permissions.can_read_party_internal(user, org)


def public_consultation(disclosure: Disclosure) -> bool:
    """Whether a draft's consultation is open to the public: its scope is public, its item
    requires consultation (征求群众意见) and it is not party first (the party sees a
    party-first matter before the public, so its consultation stays inside). Party- and
    unit-scope drafts are consulted inside only."""
    return (
        disclosure.scope == Scope.PUBLIC
        and bool(disclosure.consultation_required)
        and not disclosure.party_first
    )


def can_see_consultation(user: Any, disclosure: Disclosure) -> bool:
    """The consultation audience: while a draft is out for consultation (and only then), the
    members and staff of the organization, and everyone when the consultation is public
    (`public_consultation`), see it and may give opinions on it."""
    if disclosure.state != State.CONSULTATION:
        return False
    return public_consultation(disclosure) or permissions.can_read_party_internal(
        user, disclosure.organization
    )


def consultation_condition(user: Any) -> Q:
    """`can_see_consultation` as a condition: `Disclosure.objects.in_consultation_for(user)`."""
    public = Q(scope=Scope.PUBLIC, consultation_required=True, party_first=False)
    inside = Q(organization__in=permissions.organizations_where(user, ALL_ROLES).values("pk"))
    return Q(state=State.CONSULTATION) & (public | inside)


def shows_content(disclosure: Disclosure) -> bool:
    """A withdrawn disclosure shows its title and the reason, never its content."""
    return disclosure.state != State.WITHDRAWN


def published_text(disclosure: Disclosure, text: str, *, reviewed: bool = True) -> str:
    """Any text published with a disclosure (a title, a reason, an attachment's text, an
    opinion): personal numbers masked unless a reviewer recorded why a kind must show. Text
    the reviewer never saw (`reviewed=False`, e.g. opinions from members) keeps nothing
    unmasked."""
    keep = tuple(disclosure.mask_exceptions or ()) if reviewed else ()
    return scanning.mask(text or "", keep=keep)


def timeline_reason(disclosure: Disclosure, action: str, reason: str) -> str:
    """The reason the public timeline shows with an event: a correction's or a withdrawal's,
    masked; any other reason (a return's) is the reviewers' working note, never shown."""
    return published_text(disclosure, reason) if action in PUBLIC_REASON_KINDS else ""


def masked_content(
    disclosure: Disclosure, *, title: str, body: str, data: Any, period: str = ""
) -> dict[str, Any]:
    """Content masked by the rule of `published_text`, with the reviewer's exceptions."""
    keep = tuple(disclosure.mask_exceptions or ())
    return {
        "title": scanning.mask(title or "", keep=keep),
        "body": scanning.mask(body or "", keep=keep),
        "data": scanning.mask_data(data if data is not None else {}, keep=keep),
        "period": scanning.mask(period or "", keep=keep),
    }


def published_content(disclosure: Disclosure, revision: Revision) -> dict[str, Any]:
    """A revision as it is published: the masked bytes stored with it at publication (or
    correction), so every surface shows the same thing. A revision not published through
    the workflow (a draft in preview, rows written by fixtures or generators) is masked now
    by the same rule."""
    if revision.published_title is not None:
        return {
            "title": revision.published_title,
            "body": revision.published_body or "",
            "data": revision.published_data if revision.published_data is not None else {},
            "period": revision.published_period or "",
        }
    return masked_content(
        disclosure,
        title=revision.title,
        body=revision.body,
        data=revision.data,
        period=disclosure.period,
    )
