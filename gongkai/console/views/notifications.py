"""我的通知: the signed-in person's notifications, unread first, newest first; marking one or
all of them read. Every person with an account has an inbox, staff or not: staff see it in
the console's frame, others in the site's plain frame.

The pages and the API call the same functions (gongkai.notifications.services)."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from gongkai import permissions
from gongkai.console.views.base import context, current_org
from gongkai.notifications import services
from gongkai.notifications.models import Notification

PAGE_SIZE = 20
ALL_MARKED = _("Marked %(count)d notifications read.")
NONE_UNREAD = _("No unread notifications.")


def signed_in_view(view: Any) -> Any:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def _page_frame(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    """The console's frame (menu, organization switcher) for staff; the plain one otherwise."""
    if permissions.can_use_console(request.user):
        request.org = current_org(request)  # type: ignore[attr-defined]
        return {"base_template": "console/base.html", **context(request, "notifications", **extra)}
    return {"base_template": "web/base.html", **extra}


def _back(request: HttpRequest) -> HttpResponseRedirect:
    """Back to the inbox page the form was on."""
    page = request.POST.get("page", "")
    target = reverse("console:notifications")
    if page.isdigit() and len(page) < 7 and page != "1":
        target += f"?page={page}"
    return HttpResponseRedirect(target)


def _mark(request: HttpRequest, pk: int) -> Notification:
    try:
        return services.mark_read(request.user, pk)
    except Notification.DoesNotExist:
        raise Http404 from None


@signed_in_view
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(services.inbox(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/notifications/list.html",
        _page_frame(request, page=page, unread=services.unread_count(request.user)),
    )


@signed_in_view
@require_POST
def read(request: HttpRequest, pk: int) -> HttpResponse:
    _mark(request, pk)
    return _back(request)


@signed_in_view
@require_POST
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark it read and go where it points (a path on this site; the inbox otherwise)."""
    notification = _mark(request, pk)
    if notification.link and services.is_local_path(notification.link):
        return HttpResponseRedirect(notification.link)
    return _back(request)


@signed_in_view
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(request.user)
    if count:
        messages.success(request, ALL_MARKED % {"count": count})
    else:
        messages.info(request, NONE_UNREAD)
    return _back(request)
