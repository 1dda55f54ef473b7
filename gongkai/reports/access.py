"""Who may produce and read summaries, define and score assessments, and see results: plain
predicates over `gongkai.permissions` (the roles), each with the queryset that lists the same
things, asked by the console pages, the API and the portal alike."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongkai import permissions
from gongkai.organizations import tree
from gongkai.organizations.models import Organization, Role
from gongkai.reports.models import AssessmentPlan, Report

#: The leading-group office and the leading group itself produce summaries and define plans.
MANAGE_KINDS = frozenset({Role.Kind.OFFICE, *permissions.REVIEW_KINDS})

SECTION_TITLE = _("Summaries and assessment")
SUMMARIES = _("Work summaries")
ASSESSMENTS = _("Assessments")


def _roles(user: Any) -> list[Role]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    roles: list[Role] = user.roles_cached
    return roles


# --- summaries -------------------------------------------------------------------------------


def can_manage(user: Any, org: Organization) -> bool:
    """Produce the organization's summaries and define its assessment plans."""
    return permissions.is_administrator(user) or permissions.holds(user, org, MANAGE_KINDS)


def can_read_report(user: Any, report: Report) -> bool:
    """Those who may produce it, and the superior's leading group it is written for."""
    org = report.organization
    return can_manage(user, org) or permissions.can_review_as_superior(user, org)


def reports_for(user: Any) -> QuerySet[Report]:
    """What `can_read_report` allows, as one queryset."""
    if permissions.is_administrator(user):
        return Report.objects.all()
    managed = permissions.organizations_where(user, MANAGE_KINDS)
    reviewed = permissions.organizations_where(user, permissions.REVIEW_KINDS).values("pk")
    return Report.objects.filter(
        Q(organization__in=managed.values("pk")) | Q(organization__parent__in=reviewed)
    )


# --- assessments -----------------------------------------------------------------------------


def is_assessor(user: Any, plan: AssessmentPlan) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return plan.assessors.filter(user=user).exists()


def can_manage_plan(user: Any, plan: AssessmentPlan) -> bool:
    return can_manage(user, plan.organization)


def can_score(user: Any, plan: AssessmentPlan) -> bool:
    return plan.status == AssessmentPlan.Status.SCORING and is_assessor(user, plan)


def _staff_in_subtree(user: Any, org: Organization) -> bool:
    """A staff role held in the organization's subtree, or one that reaches it from above."""
    return any(
        role.kind in permissions.STAFF_KINDS
        and (tree.is_within(role.organization.path, org.path) or role.covers(org))
        for role in _roles(user)
    )


def can_view_plan(user: Any, plan: AssessmentPlan) -> bool:
    """Its managers and assessors always; once published, the staff of the subtree."""
    if can_manage_plan(user, plan) or is_assessor(user, plan):
        return True
    return plan.status == AssessmentPlan.Status.PUBLISHED and (
        _staff_in_subtree(user, plan.organization)
    )


def plans_for(user: Any) -> QuerySet[AssessmentPlan]:
    """What `can_view_plan` allows, as one queryset."""
    if permissions.is_administrator(user):
        return AssessmentPlan.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return AssessmentPlan.objects.none()
    managed = permissions.organizations_where(user, MANAGE_KINDS).values("pk")
    staff = [r for r in _roles(user) if r.kind in permissions.STAFF_KINDS]
    # A role held in a plan organization's subtree: the plan's organization is one of the
    # role's organization's ancestors (or itself).
    above = {a for r in staff for a in tree.ancestor_paths(r.organization.path, True)}
    reached = permissions.organizations_where(user, permissions.STAFF_KINDS).values("pk")
    published = Q(status=AssessmentPlan.Status.PUBLISHED) & (
        Q(organization__path__in=above) | Q(organization__in=reached)
    )
    return AssessmentPlan.objects.filter(
        Q(organization__in=managed) | Q(assessors__user=user) | published
    ).distinct()


def public_plans() -> QuerySet[AssessmentPlan]:
    """Published plans whose summary is shown to everyone."""
    return AssessmentPlan.objects.filter(
        status=AssessmentPlan.Status.PUBLISHED, public_summary=True
    )


def has_assessor_seat(user: Any) -> bool:
    """Whether the person sits on any plan's panel (an assessor may hold no staff role)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return AssessmentPlan.objects.filter(assessors__user=user).exists()


def console_section(user: Any, org: Organization | None) -> dict[str, Any]:
    """The console menu's section for these pages, as (key, label, url) links."""
    links: list[tuple[str, Any, str]] = []
    if org is not None and can_manage(user, org):
        links.append(("reports", SUMMARIES, reverse("console:reports")))
    links.append(("assessments", ASSESSMENTS, reverse("console:assessments")))
    return {"title": SECTION_TITLE, "links": links}
