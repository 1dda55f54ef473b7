"""我的待办's section of opinions: the open opinions the person handles, by deadline (one
query), for `{% load engagement_todo %}{% opinions_todo %}` in the to-do page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from gongkai import permissions
from gongkai.engagement.models import OPEN_STATES, Opinion

register = template.Library()

#: Rows shown; the full list is a click away (/console/opinions/?state=open).
LIMIT = 30


@register.inclusion_tag("engagement/console/_todo.html", takes_context=True)
def opinions_todo(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return {"rows": []}
    rows = list(
        Opinion.objects.filter(
            state__in=OPEN_STATES,
            responsible__in=permissions.opinion_organizations(user).values("pk"),
        )
        .select_related("responsible")
        .order_by("due_date", "pk")[: LIMIT + 1]
    )
    return {"rows": rows[:LIMIT], "more": len(rows) > LIMIT, "today": timezone.localdate()}
