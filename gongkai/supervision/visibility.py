"""Who may see what of supervision, in one place: a predicate and the queryset condition that
says the same (a property test holds each pair together). The console, the portal and the
API all ask these.

- A published finding (监督检查结果) is seen by the scope it was published to, by the
  disclosures' own rule (`gongkai.disclosures.visibility.in_scope`).
- A finding at work is seen by who handles it: the supervisors and discipline committees
  reaching the organization, its clerks and leading group, the office above, administrators.
- An accountability record (责任追究) is seen by the scope it names: the leading group only,
  inside the party, or society. Whatever the scope, the discipline committee of the
  organization or above it (who decided), the leading groups of the organization and of
  the deciding organization, and the person held responsible see it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from gongkai import permissions
from gongkai.catalog.models import Scope
from gongkai.disclosures.visibility import ALL_ROLES, in_scope
from gongkai.organizations.models import Organization, Role
from gongkai.supervision.scopes import RecordScope

if TYPE_CHECKING:
    from gongkai.supervision.models import AccountabilityRecord, Finding

Kind = Role.Kind
#: Who handles a finding at the organization (besides supervisors and discipline).
HANDLING_KINDS = frozenset({*permissions.RECTIFY_KINDS, Kind.OFFICE, Kind.DISCIPLINE_SECRETARY})


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _discipline_paths(user: Any) -> list[str]:
    if not _signed_in(user):
        return []
    return [r.organization.path for r in user.roles_cached if r.kind == Kind.DISCIPLINE_SECRETARY]


# --- findings ---------------------------------------------------------------------------------


def can_handle_finding(user: Any, org: Organization) -> bool:
    """See findings about `org` at work (open, rectified …) with their files."""
    return (
        permissions.is_administrator(user)
        or permissions.can_read_supervised(user, org)
        or permissions.holds(user, org, HANDLING_KINDS)
    )


def handling_condition(user: Any) -> Q:
    """`can_handle_finding` over Finding rows."""
    if permissions.is_administrator(user):
        return Q()
    if not _signed_in(user):
        return Q(pk__in=[])
    reached = permissions.organizations_where(user, {Kind.SUPERVISOR, *HANDLING_KINDS})
    below_discipline = Organization.objects.within_any(_discipline_paths(user))
    return Q(organization__in=reached.values("pk")) | Q(
        organization__in=below_discipline.values("pk")
    )


def can_see_result(user: Any, finding: Finding) -> bool:
    """A published result, seen by the scope it was published to."""
    return finding.published_at is not None and in_scope(
        user, finding.organization, finding.publish_scope
    )


def result_condition(user: Any) -> Q:
    inside = permissions.organizations_where(user, ALL_ROLES).values("pk")
    return Q(published_at__isnull=False) & (
        Q(publish_scope=Scope.PUBLIC) | Q(organization__in=inside)
    )


# --- accountability records -------------------------------------------------------------------


def can_see_record(user: Any, record: AccountabilityRecord) -> bool:
    if record.scope == RecordScope.PUBLIC or permissions.is_administrator(user):
        return True
    if not _signed_in(user):
        return False
    org, deciding = record.organization, record.deciding_organization
    if record.person_id is not None and record.person_id == user.pk:
        return True
    if permissions.is_discipline_over(user, org):
        return True
    if permissions.is_leading_group_of(user, org) or permissions.is_leading_group_of(
        user, deciding
    ):
        return True
    return record.scope == RecordScope.PARTY and permissions.can_read_party_internal(user, org)


def record_condition(user: Any) -> Q:
    """`can_see_record` over AccountabilityRecord rows."""
    if permissions.is_administrator(user):
        return Q()
    public = Q(scope=RecordScope.PUBLIC)
    if not _signed_in(user):
        return public
    leading = permissions.organizations_where(user, permissions.REVIEW_KINDS).values("pk")
    inside = permissions.organizations_where(user, ALL_ROLES).values("pk")
    below_discipline = Organization.objects.within_any(_discipline_paths(user)).values("pk")
    return (
        public
        | Q(person=user)
        | Q(organization__in=below_discipline)
        | Q(organization__in=leading)
        | Q(deciding_organization__in=leading)
        | Q(scope=RecordScope.PARTY, organization__in=inside)
    )
