"""Where a person lands after signing in: the page their roles give them something to do or
read on, never a page that refuses them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.cache import never_cache

from gongkai import permissions
from gongkai.organizations.models import Role

#: Roles that have work in the console's to-do list: drafting, reviewing, steering.
WORKING_KINDS = permissions.STAFF_KINDS - {Role.Kind.SUPERVISOR}


def start_page(user: Any) -> str:
    """The URL a signed-in person starts from.

    Administrators and anyone who drafts, reviews or runs an office start from the to-do
    list (the reviewer's queue, the clerk's drafts); a supervisor from the organizations
    assigned; a member from the party-internal items of their organizations; anyone else
    from the public start page.
    """
    kinds = {role.kind for role in user.roles_cached}
    if permissions.is_administrator(user) and not kinds:
        return reverse("console:home")
    if kinds & WORKING_KINDS or permissions.is_administrator(user):
        return reverse("console:todo")
    if kinds:  # a supervisor or a member: their own page in the portal
        return reverse("portal:mine")
    return reverse("home")


@never_cache
@login_required
def landing(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(start_page(request.user))
