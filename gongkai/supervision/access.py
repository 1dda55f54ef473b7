"""The console menu's section for supervision, by the person's roles."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongkai import permissions
from gongkai.organizations.models import Organization, Role

SECTION_TITLE = _("Supervision")
SUPERVISING_KINDS = frozenset({Role.Kind.SUPERVISOR, Role.Kind.DISCIPLINE_SECRETARY})
HANDLING_KINDS = frozenset({*permissions.RECTIFY_KINDS, Role.Kind.OFFICE})


def _kinds(user: Any) -> set[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return {r.kind for r in user.roles_cached}


def is_discipline_secretary(user: Any) -> bool:
    return Role.Kind.DISCIPLINE_SECRETARY in _kinds(user)


def console_section(user: Any, org: Organization | None) -> dict[str, Any]:
    """The links the person's roles give: the overview to those who supervise (a supervisor
    or a discipline secretary), findings to them and to the staff who rectify, the records
    of accountability to every console user (each sees the records in their scope), and the
    view log to those who may read the current organization's."""
    kinds = _kinds(user)
    links: list[tuple[str, Any, str]] = []
    if kinds & SUPERVISING_KINDS:
        links.append(
            ("supervision", _("Supervision overview"), reverse("console:supervision_home"))
        )
    if kinds & (SUPERVISING_KINDS | HANDLING_KINDS) or permissions.is_administrator(user):
        links.append(
            ("findings", _("Findings and rectification"), reverse("console:supervision_findings"))
        )
    links.append(
        (
            "accountability",
            _("Accountability records"),
            reverse("console:supervision_accountability"),
        )
    )
    if org is not None and permissions.can_see_view_log(user, org):
        links.append(
            (
                "view_log",
                _("Supervisors' view log"),
                reverse("console:supervision_view_log", args=[org.code]),
            )
        )
    return {"title": SECTION_TITLE, "links": links}
