from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from gongkai import permissions
from gongkai.catalog.models import Catalog
from gongkai.compliance import crosscheck
from gongkai.console.views.base import SESSION_KEY, console_view, context, org_or_404
from gongkai.workdays.services import open_alerts


def _calendar_alerts() -> list[object]:
    return list(open_alerts())


@console_view
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user  # signed in: console_view checked
    roles = sorted(user.roles_cached, key=lambda r: (r.organization.path, r.kind))
    editable = [r.organization for r in roles if r.kind in permissions.CATALOG_KINDS]
    pending = (
        Catalog.objects.with_pending_change()
        .filter(organization__in=editable)
        .select_related("organization", "parent")
    )
    admin = permissions.is_administrator(user)
    alerts = _calendar_alerts() if admin else []
    return render(
        request,
        "console/home.html",
        context(
            request,
            "home",
            roles=roles,
            pending=pending,
            alerts=alerts,
            rollup_check=crosscheck.latest() if admin else None,
        ),
    )


@console_view
@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    org = org_or_404(request, request.POST.get("org", ""))
    request.session[SESSION_KEY] = org.pk
    target = request.POST.get("next") or reverse("console:home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("console:home")
    return HttpResponseRedirect(target)
