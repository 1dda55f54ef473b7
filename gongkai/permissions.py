"""Who may do what: plain predicates, the one place every page, API endpoint and command asks.

A predicate takes the person (possibly anonymous) and the object and answers yes or no;
`organizations_where` turns the same role rules into a queryset for lists. Roles come from
`User.roles_cached`, so a page asking many questions loads a person's roles once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gongkai.organizations.models import Organization, OrganizationQuerySet, Role

if TYPE_CHECKING:
    from collections.abc import Collection

Kind = Role.Kind

#: Roles that work in the staff console.
STAFF_KINDS = frozenset(
    {
        Kind.CLERK,
        Kind.REVIEWER,
        Kind.PRINCIPAL,
        Kind.DISCIPLINE_SECRETARY,
        Kind.SUPERVISOR,
        Kind.OFFICE,
    }
)
#: Roles that review content and secrecy (the leading group).
REVIEW_KINDS = frozenset({Kind.REVIEWER, Kind.PRINCIPAL, Kind.DISCIPLINE_SECRETARY})
#: Roles that steer the catalog and the tree: the leading-group office and the principal.
CATALOG_KINDS = frozenset({Kind.OFFICE, Kind.PRINCIPAL})
SUPERVISION_KINDS = frozenset({Kind.SUPERVISOR, Kind.DISCIPLINE_SECRETARY})


def _roles(user: Any) -> list[Role]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    roles: list[Role] = user.roles_cached
    return roles


def holds(user: Any, org: Organization | None, kinds: Collection[str]) -> bool:
    """True when the person holds one of `kinds` covering `org`."""
    if org is None:
        return False
    return any(role.kind in kinds and role.covers(org) for role in _roles(user))


def is_administrator(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def can_use_console(user: Any) -> bool:
    return is_administrator(user) or any(r.kind in STAFF_KINDS for r in _roles(user))


def can_view_in_console(user: Any, org: Organization) -> bool:
    """Staff of the organization, of a superior reaching it, or the superior's reviewers."""
    return (
        is_administrator(user) or holds(user, org, STAFF_KINDS) or can_review_as_superior(user, org)
    )


def can_manage_organization(user: Any, org: Organization) -> bool:
    """Edit an organization's details and contact channels."""
    return is_administrator(user) or holds(user, org, {Kind.OFFICE})


def can_manage_tree_below(user: Any, parent: Organization | None) -> bool:
    """Add, import or re-hang organizations below `parent` (None: new roots)."""
    if parent is None:
        return is_administrator(user)
    return is_administrator(user) or holds(user, parent, {Kind.OFFICE})


def can_edit_catalog(user: Any, org: Organization) -> bool:
    """Edit the organization's own catalog layer, publish it, accept inherited changes."""
    return holds(user, org, CATALOG_KINDS)


def can_draft(user: Any, org: Organization) -> bool:
    return holds(user, org, {Kind.CLERK})


def can_review(user: Any, org: Organization) -> bool:
    return holds(user, org, REVIEW_KINDS)


def can_review_as_superior(user: Any, org: Organization) -> bool:
    """The superior organization's leading group reviews major items of `org`."""
    parent = org.parent if org.parent_id else None
    return holds(user, parent, REVIEW_KINDS)


def can_supervise(user: Any, org: Organization) -> bool:
    return holds(user, org, SUPERVISION_KINDS)


def can_read_party_internal(user: Any, org: Organization) -> bool:
    """Members and staff of the organization read what is disclosed inside the party."""
    return holds(user, org, set(Kind.values))


#: Who names topics to be disclosed (点题公开) and supports them: the organization's members
#: and its own staff; a supervisor watches and does not propose.
TOPIC_PROPOSER_KINDS = frozenset(Kind.values) - {Kind.SUPERVISOR}
#: Who answers topic requests: the clerk, the leading group and the office.
TOPIC_ANSWER_KINDS = frozenset({Kind.CLERK, Kind.REVIEWER, Kind.PRINCIPAL, Kind.OFFICE})


def can_propose_topic(user: Any, org: Organization) -> bool:
    """Name a topic to be disclosed at `org` (点题公开)."""
    return holds(user, org, TOPIC_PROPOSER_KINDS)


def can_support_topic(user: Any, org: Organization) -> bool:
    """Support (附议) another person's topic at `org`: the same people who may propose."""
    return can_propose_topic(user, org)


def can_answer_topic(user: Any, org: Organization) -> bool:
    """Answer, decline or merge topic requests of `org`, and see who proposed them."""
    return holds(user, org, TOPIC_ANSWER_KINDS)


def can_accept_topic_as_item(user: Any, org: Organization) -> bool:
    """Turn a topic into a local item of the organization's catalog layer."""
    return can_answer_topic(user, org) and can_edit_catalog(user, org)


def can_accept_topic_as_disclosure(user: Any, org: Organization) -> bool:
    """Turn a topic into a disclosure draft (the clerk drafts it)."""
    return can_answer_topic(user, org) and can_draft(user, org)


def organizations_where(user: Any, kinds: Collection[str]) -> OrganizationQuerySet:
    """The organizations at which the person holds one of `kinds`, as one queryset."""
    own = [r.organization_id for r in _roles(user) if r.kind in kinds and not r.reaches_subtree]
    reaching = [r.organization.path for r in _roles(user) if r.kind in kinds and r.reaches_subtree]
    return Organization.objects.within_any(reaching) | Organization.objects.filter(pk__in=own)


def console_organizations(user: Any) -> OrganizationQuerySet:
    """What `can_view_in_console` allows, as a queryset (the organization switcher's list)."""
    if is_administrator(user):
        return Organization.objects.all()
    reviewed_from_above = organizations_where(user, REVIEW_KINDS).values("pk")
    return organizations_where(user, STAFF_KINDS) | Organization.objects.filter(
        parent__in=reviewed_from_above
    )


# --- supervision (监督检查) and accountability (责任追究) ------------------------------------

#: Who rectifies a finding: the organization's clerks and its leading group.
RECTIFY_KINDS = frozenset({Kind.CLERK, Kind.PRINCIPAL, Kind.REVIEWER})
#: Who reads the log of supervisors' views of an organization's records: its principal,
#: the leading-group office (which reaches its subtree) and the discipline committee.
VIEW_LOG_KINDS = frozenset({Kind.PRINCIPAL, Kind.OFFICE, Kind.DISCIPLINE_SECRETARY})


def can_read_supervised(user: Any, org: Organization) -> bool:
    """A supervisor assigned to `org` (a supervisor role covering it), or the discipline
    committee of it or above it, reads all of its records, read-only: every disclosure past the clerk's draft, revisions, obligations,
    consultation opinions. Each read is logged (gongkai.supervision.log)."""
    return holds(user, org, {Kind.SUPERVISOR}) or is_discipline_over(user, org)


def can_file_finding(user: Any, org: Organization) -> bool:
    """Supervisors assigned to `org` and the discipline committee of it or above it: who
    reads its records as a supervisor also files findings, confirms and reopens them."""
    return can_read_supervised(user, org)


def is_discipline_over(user: Any, org: Organization) -> bool:
    """The discipline committee (纪委) of `org` or of a superior: a discipline-secretary role
    at `org` or at one of its ancestors (the role itself need not reach the subtree:
    inspecting below is the discipline committee's office)."""
    paths = set(org.ancestor_paths) | {org.path}
    return any(
        role.kind == Kind.DISCIPLINE_SECRETARY and role.organization.path in paths
        for role in _roles(user)
    )


def can_rectify(user: Any, org: Organization) -> bool:
    """The organization's clerks and leading group record what they did about a finding."""
    return holds(user, org, RECTIFY_KINDS)


def can_see_view_log(user: Any, org: Organization) -> bool:
    return (
        is_administrator(user) or holds(user, org, VIEW_LOG_KINDS) or is_discipline_over(user, org)
    )


def can_decide_accountability(user: Any, deciding: Organization, org: Organization) -> bool:
    """A record of accountability is decided by the discipline committee of `deciding`:
    its discipline secretary, for `deciding` itself or an organization below it. Reviewers,
    supervisors and offices may propose (a finding) but never decide."""
    return org.is_within(deciding) and any(
        role.kind == Kind.DISCIPLINE_SECRETARY and role.organization_id == deciding.pk
        for role in _roles(user)
    )


def is_leading_group_of(user: Any, org: Organization) -> bool:
    """The organization's leading group: its reviewers, principal and discipline secretary."""
    return holds(user, org, REVIEW_KINDS)


#: Roles that handle the opinions sent to an organization (and see who sent them).
OPINION_KINDS = frozenset({Kind.CLERK, Kind.REVIEWER, Kind.PRINCIPAL, Kind.OFFICE})


def can_handle_opinions(user: Any, org: Organization) -> bool:
    """Triage, assign, answer and publish the opinions `org` is responsible for, and read
    their senders' names and contacts: its clerk, leading group and principal, the office
    reaching it, an administrator."""
    return is_administrator(user) or holds(user, org, OPINION_KINDS)


def opinion_organizations(user: Any) -> OrganizationQuerySet:
    """What `can_handle_opinions` allows, as a queryset (the console's opinion list)."""
    if is_administrator(user):
        return Organization.objects.all()
    return organizations_where(user, OPINION_KINDS)


# --- information requests (依申请公开) ---------------------------------------------------------

#: Who handles an organization's information requests and sees the applicant: its own clerks,
#: leading group and office. (An office reaching the subtree reads the requests below through
#: the filing, but does not handle them for the subordinate.)
REQUEST_HANDLING_KINDS = frozenset({Kind.CLERK, Kind.REVIEWER, Kind.PRINCIPAL, Kind.OFFICE})
#: Who receives the filing (备案) of a subordinate's requests: the superior's leading group
#: and its office (an office reaching the subtree sees every level below).
REQUEST_FILING_KINDS = frozenset(
    {Kind.OFFICE, Kind.REVIEWER, Kind.PRINCIPAL, Kind.DISCIPLINE_SECRETARY}
)


def can_handle_requests(user: Any, org: Organization) -> bool:
    """Record the steps of the organization's information requests and answer them."""
    return is_administrator(user) or any(
        role.kind in REQUEST_HANDLING_KINDS and role.organization_id == org.pk
        for role in _roles(user)
    )


def can_see_request_filing(user: Any, org: Organization) -> bool:
    """The superior (any level above that a filing role reaches) reads `org`'s filings."""
    parent = org.parent if org.parent_id else None
    return is_administrator(user) or holds(user, parent, REQUEST_FILING_KINDS)


def can_see_applicant(user: Any, org: Organization) -> bool:
    """An applicant's identity and contact: the handling staff and the filing, nobody else
    (never a public page, the public API, an export or the ledger)."""
    return can_handle_requests(user, org) or can_see_request_filing(user, org)


def can_confirm_request_refusal(user: Any, org: Organization) -> bool:
    """A (partial) refusal is final once the superior's leading group confirms it."""
    return can_review_as_superior(user, org)


def can_use_requests(user: Any) -> bool:
    """Whether the console's information requests have anything for the person."""
    kinds = REQUEST_HANDLING_KINDS | REQUEST_FILING_KINDS
    return is_administrator(user) or any(r.kind in kinds for r in _roles(user))


def request_filing_organizations(user: Any) -> OrganizationQuerySet:
    """Organizations whose requests are filed with the person (children of where they hold
    a filing role, and below where the role reaches), as one queryset."""
    if is_administrator(user):
        return Organization.objects.all()
    above = organizations_where(user, REQUEST_FILING_KINDS).values("pk")
    return Organization.objects.filter(parent__in=above)


def request_handling_organizations(user: Any) -> OrganizationQuerySet:
    """What `can_handle_requests` allows, as a queryset."""
    if is_administrator(user):
        return Organization.objects.all()
    own = [r.organization_id for r in _roles(user) if r.kind in REQUEST_HANDLING_KINDS]
    return Organization.objects.filter(pk__in=own)
