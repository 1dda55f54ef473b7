from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongkai import permissions
from gongkai.console.forms import OrganizationForm, OrganizationImportForm
from gongkai.console.views.base import console_view, context, org_or_404
from gongkai.organizations import importing
from gongkai.organizations.models import Organization
from gongkai.organizations.services import create_organization

TREE_PAGE_SIZE = 200


def _with_child_counts(qs):  # type: ignore[no-untyped-def]
    return qs.annotate(child_count=Count("children", filter=Q(children__is_active=True)))


def _tree_roots(request: HttpRequest) -> list[Organization]:
    """The highest organizations the person sees: where their roles are held (deduplicated
    when one lies below another), or the real roots for an administrator."""
    if permissions.is_administrator(request.user):
        return list(_with_child_counts(Organization.objects.roots()).order_by("path"))
    user: Any = request.user
    held = {r.organization for r in user.roles_cached if r.kind in permissions.STAFF_KINDS}
    tops = [o for o in held if not any(o != other and o.is_within(other) for other in held)]
    return list(
        _with_child_counts(Organization.objects.filter(pk__in=[o.pk for o in tops])).order_by(
            "path"
        )
    )


@console_view
def tree(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "console/organizations/tree.html",
        context(request, "tree", roots=_tree_roots(request)),
    )


@console_view
def children(request: HttpRequest, code: str) -> HttpResponse:
    """The next level of the tree, fetched by htmx when a node is opened."""
    org = org_or_404(request, code)
    kids = list(_with_child_counts(org.children.all()).order_by("path")[: TREE_PAGE_SIZE + 1])
    more = len(kids) > TREE_PAGE_SIZE
    return render(
        request,
        "console/organizations/_children.html",
        {"nodes": kids[:TREE_PAGE_SIZE], "more": more, "parent": org},
    )


@console_view
def detail(request: HttpRequest, code: str) -> HttpResponse:
    org = org_or_404(request, code)
    user: Any = request.user  # signed in: console_view checked
    return render(
        request,
        "console/organizations/detail.html",
        context(
            request,
            "org" if org == request.org else "tree",  # type: ignore[attr-defined]
            subject=org,
            ancestors=list(org.ancestors()),
            children=_with_child_counts(org.children.all()).order_by("path")[:TREE_PAGE_SIZE],
            subtree_size=org.descendants().count(),
            roles=org.roles.select_related("user").order_by("kind", "user__display_name"),
            can_manage=permissions.can_manage_organization(user, org),
            can_add_below=permissions.can_manage_tree_below(user, org),
        ),
    )


@console_view
def edit(request: HttpRequest, code: str) -> HttpResponse:
    org = org_or_404(request, code)
    if not permissions.can_manage_organization(request.user, org):
        raise PermissionDenied
    form = OrganizationForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The organization has been saved."))
        return redirect("console:org_detail", form.instance.code)
    return render(
        request,
        "console/organizations/form.html",
        context(
            request, "tree", form=form, subject=org, title=_("Edit %(name)s") % {"name": org.name}
        ),
    )


@console_view
def add_child(request: HttpRequest, code: str) -> HttpResponse:
    parent = org_or_404(request, code)
    if not permissions.can_manage_tree_below(request.user, parent):
        raise PermissionDenied
    form = OrganizationForm(
        request.POST or None, initial={"kind": Organization.Kind.BRANCH, "is_active": True}
    )
    if request.method == "POST" and form.is_valid():
        try:
            org = create_organization(parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(name)s has been added.") % {"name": org.name})
            return redirect("console:org_detail", org.code)
    return render(
        request,
        "console/organizations/form.html",
        context(
            request,
            "tree",
            form=form,
            subject=parent,
            title=_("New organization under %(name)s") % {"name": parent.name},
        ),
    )


@console_view
def import_organizations(request: HttpRequest) -> HttpResponse:
    under = request.org  # type: ignore[attr-defined]
    if under is None or not permissions.can_manage_tree_below(request.user, under):
        raise PermissionDenied
    form = OrganizationImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = importing.import_organizations(
            form.cleaned_data["file"], actor=request.user, under=under
        )
        if not result.errors:
            if result.changed:
                messages.success(request, result.summary())
            else:
                messages.info(request, result.summary())
            return redirect("console:org_detail", under.code)
    return render(
        request,
        "console/organizations/import.html",
        context(request, "import", form=form, result=result, under=under),
    )


@console_view
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        importing.organization_import_template(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E7%BB%84%E7%BB%87%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response


@console_view
def search(request: HttpRequest) -> HttpResponse:
    """Organizations within the person's reach by name or code, for the switcher (htmx)."""
    q = request.GET.get("q", "").strip()[:50]
    found: list[Organization] = []
    if q:
        found = list(
            permissions.console_organizations(request.user)
            .filter(Q(name__contains=q) | Q(code__istartswith=q))
            .order_by("depth", "path")[:20]
        )
    return render(request, "console/organizations/_search.html", {"found": found, "q": q})
