"""What every console page shares: sign-in, the console permission, the current
organization (the switcher), and the navigation for the person's roles."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.apps import apps
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongkai import permissions
from gongkai.notifications.services import unread_count
from gongkai.organizations.models import Organization
from gongkai.reports import access as reports_access
from gongkai.supervision import access as supervision_access
from gongkai.validation import text_problem

SESSION_KEY = "console_org"
NOT_IN_CONSOLE = _("Your account holds no staff role, so the console has nothing for you.")


def _default_org(user: Any) -> Organization | None:
    for role in sorted(user.roles_cached, key=lambda r: r.organization.depth):
        if role.kind in permissions.STAFF_KINDS:
            return role.organization
    return permissions.console_organizations(user).order_by("path").first()


def current_org(request: HttpRequest) -> Organization | None:
    org_id = request.session.get(SESSION_KEY)
    if org_id:
        org = Organization.objects.filter(pk=org_id).select_related("parent").first()
        if org is not None and permissions.can_view_in_console(request.user, org):
            return org
    org = _default_org(request.user)
    if org is not None:
        request.session[SESSION_KEY] = org.pk
    return org


def console_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, holding a staff role; sets request.org to the organization being worked on."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not permissions.can_use_console(request.user):
            raise PermissionDenied(NOT_IN_CONSOLE)
        request.org = current_org(request)  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def org_or_404(request: HttpRequest, code: str) -> Organization:
    """An organization the person may see in the console; others do not exist for them."""
    if text_problem(code):  # a NUL would make PostgreSQL raise instead of matching nothing
        raise Http404
    org = get_object_or_404(Organization.objects.select_related("parent"), code=code)
    if not permissions.can_view_in_console(request.user, org):
        raise PermissionDenied
    return org


def navigation(request: HttpRequest, active: str) -> list[dict[str, Any]]:
    """The side menu: only what the person's roles let them use at the current organization."""
    user, org = request.user, getattr(request, "org", None)
    sections: list[dict[str, Any]] = []
    work: list[tuple[str, Any, str]] = [
        ("home", _("Overview"), reverse("console:home")),
        ("todo", _("My to-do list"), reverse("console:todo")),
        ("notifications", _("My notifications"), reverse("console:notifications")),
        ("dashboard", _("Compliance dashboard"), reverse("console:dashboard_index")),
    ]
    if permissions.is_administrator(user) or any(
        role.kind in permissions.OPINION_KINDS for role in getattr(user, "roles_cached", [])
    ):
        work.append(("opinions", _("Opinions"), reverse("engagement_console:list")))
    if permissions.can_use_requests(user):
        # The label is the app's name (translated with the app).
        work.append(
            (
                "requests",
                apps.get_app_config("inforequests").verbose_name,
                reverse("inforequests_console:list"),
            )
        )
    if org is not None:
        work.append(
            ("obligations", _("Obligations"), reverse("console:org_obligations", args=[org.code]))
        )
        work.append(("topics", _("Topic requests"), reverse("topics_console:list")))
        # The label is the boards app's name (translated with the app).
        work.append(
            (
                "board",
                apps.get_app_config("boards").verbose_name,
                reverse("boards_console:board", args=[org.code]),
            )
        )
    sections.append({"title": _("Work"), "links": work})
    organization_links = [("tree", _("Organization tree"), reverse("console:org_tree"))]
    if org is not None:
        organization_links.append(
            ("org", _("This organization"), reverse("console:org_detail", args=[org.code]))
        )
    if org is not None and permissions.can_manage_tree_below(user, org):
        organization_links.append(
            ("import", _("Import organizations"), reverse("console:org_import"))
        )
    sections.append({"title": _("Organizations"), "links": organization_links})
    catalog_links = [("catalog", _("Disclosure catalog"), reverse("console:catalog"))]
    if org is not None and permissions.can_edit_catalog(user, org):
        catalog_links += [
            ("templates", _("Built-in templates"), reverse("console:catalog_templates")),
            ("subordinates", _("Subordinates' catalogs"), reverse("console:catalog_subordinates")),
        ]
    catalog_links.append(("versions", _("Catalog versions"), reverse("console:catalog_versions")))
    sections.append({"title": _("Catalog"), "links": catalog_links})
    sections.append(reports_access.console_section(user, org))
    sections.append(supervision_access.console_section(user, org))
    if permissions.is_administrator(user):
        sections.append(
            {
                "title": _("System"),
                "links": [
                    ("admin", _("System administration"), reverse("admin:index")),
                    ("calendar", _("Holiday notice"), reverse("console:holiday_notice")),
                ],
            }
        )
    # The unread count: one count over the notifications' inbox index, on every console page.
    badges = {"notifications": unread_count(user)}
    for section in sections:
        section["links"] = [
            {
                "key": key,
                "label": label,
                "url": url,
                "active": key == active,
                "badge": badges.get(key),
            }
            for key, label, url in section["links"]
        ]
    return sections


def context(request: HttpRequest, active: str, **extra: Any) -> dict[str, Any]:
    user: Any = request.user  # signed in: console_view checked
    switchable = sorted(
        {role.organization for role in user.roles_cached if role.kind in permissions.STAFF_KINDS},
        key=lambda o: o.path,
    )
    org = getattr(request, "org", None)
    if org is not None and org not in switchable:
        switchable.insert(0, org)
    return {
        "org": org,
        "nav": navigation(request, active),
        "switchable": switchable,
        "active": active,
        **extra,
    }
