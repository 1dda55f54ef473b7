"""My notifications: the token holder's own inbox, and marking notifications read. The same
functions as the console's 我的通知 page (gongkai.notifications.services); a notification of
someone else's is 404, like one that does not exist.

Its schemas live here rather than in schemas.py: they are used by nothing else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from gongkai.api import auth, fields
from gongkai.api.endpoints import page_of
from gongkai.api.errors import responses
from gongkai.api.schemas import Paged, PageQuery
from gongkai.notifications import services
from gongkai.notifications.models import Notification

router = Router(tags=["notifications"], auth=auth.STAFF)


class NotificationQuery(PageQuery):
    unread: bool | None = Field(None, description="true: only unread; false: only read.")


class NotificationOut(Schema):
    id: int
    kind: str
    kind_label: str
    subject: str
    body: str
    link: str = Field(description="A path on this site, or empty.")
    organization_code: str | None
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPage(Paged):
    unread: int = Field(description="How many of the caller's notifications are unread.")
    results: list[NotificationOut]


class MarkedOut(Schema):
    marked: int = Field(description="How many notifications this call marked read.")


def notification_out(n: Notification) -> dict[str, Any]:
    return {
        "id": n.pk,
        "kind": n.kind,
        "kind_label": str(n.get_kind_display()),
        "subject": n.subject,
        "body": n.body,
        "link": n.link,
        "organization_code": n.organization.code if n.organization else None,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


@router.get(
    "/",
    response={200: NotificationPage, **responses(401, 422)},
    summary="My notifications, unread first, newest first",
)
def list_notifications(request: HttpRequest, query: Query[NotificationQuery]) -> Any:
    user = auth.caller(request)
    qs = services.inbox(user).select_related("organization")
    if query.unread is not None:
        qs = qs.filter(read_at__isnull=query.unread)
    total, rows = page_of(qs, query)
    return {
        "count": total,
        "unread": services.unread_count(user),
        "page": query.page,
        "page_size": query.page_size,
        "results": [notification_out(n) for n in rows],
    }


@router.post(
    "/read-all",
    response={200: MarkedOut, **responses(401)},
    summary="Mark all my notifications read",
)
def mark_all_notifications_read(request: HttpRequest) -> Any:
    return {"marked": services.mark_all_read(auth.caller(request))}


@router.post(
    "/{int:id}/read",
    response={200: NotificationOut, **responses(401, 404, 422)},
    summary="Mark one of my notifications read",
)
def mark_notification_read(request: HttpRequest, id: fields.Id) -> Any:
    try:
        notification = services.mark_read(auth.caller(request), id)
    except Notification.DoesNotExist:
        raise Http404 from None
    return notification_out(notification)
