"""我的通知 in the console and under /api/v1/notifications/: one's own notifications only,
unread first, newest first; marking one or all read (POST, CSRF); the unread count in the
console's menu costs one query."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client

from gongkai.api.tests.conftest import ApiClient
from gongkai.conftest import client_for
from gongkai.notifications.models import Notification
from gongkai.notifications.services import inbox, mark_all_read, notify

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
INBOX = "/console/notifications/"


def tell(person: Any, n: int, *, at: dt.datetime = T0, **extra: Any) -> Notification:
    with time_machine.travel(at + dt.timedelta(minutes=n), tick=False):
        notification, _ = notify(
            person,
            key=f"test:{n}",
            kind=extra.pop("kind", Notification.Kind.GENERAL),
            subject=f"通知{n:02d}",
            body=extra.pop("body", ""),
            link=extra.pop("link", ""),
            **extra,
        )
    return notification


def subjects(html: str) -> list[str]:
    return re.findall(r"通知\d\d", html)


@pytest.fixture
def clerks_inbox(people, tree) -> list[Notification]:
    made = [tell(people.clerk, n, organization=tree.village) for n in range(1, 5)]
    mark_read_now(made[3])  # the newest is read
    mark_read_now(made[0])
    tell(people.reviewer, 9)  # someone else's
    return made


def mark_read_now(n: Notification) -> None:
    Notification.objects.filter(pk=n.pk).update(read_at=T0 + dt.timedelta(hours=1))


def test_the_inbox_shows_unread_first_then_newest_first(people, clerks_inbox):
    assert [n.subject for n in inbox(people.clerk)] == ["通知03", "通知02", "通知04", "通知01"]
    response = client_for(people.clerk).get(INBOX)
    assert response.status_code == 200
    assert subjects(response.content.decode()) == ["通知03", "通知02", "通知04", "通知01"]
    assert "通知09" not in response.content.decode()


def test_the_console_menu_shows_the_unread_count(people, clerks_inbox):
    html = client_for(people.clerk).get("/console/").content.decode()
    menu = html[html.index('<nav class="side') :]
    link = re.search(r'<a href="/console/notifications/"[^>]*>(.*?)</a>', menu, re.S)
    assert link is not None
    assert re.sub(r"<[^>]+>", " ", link.group(1)).split() == ["我的通知", "2", "条未读"]
    Notification.objects.update(read_at=T0)
    html = client_for(people.clerk).get("/console/").content.decode()
    assert "条未读" not in html


def test_the_unread_count_is_one_query(people, clerks_inbox, django_assert_num_queries):
    from gongkai.notifications.services import unread_count

    with django_assert_num_queries(1) as captured:
        assert unread_count(people.clerk) == 2
    assert "read_at" in captured.captured_queries[0]["sql"]


def test_the_inbox_is_paginated(people):
    for n in range(1, 26):
        tell(people.member, n)
    client = client_for(people.member)
    first = subjects(client.get(INBOX).content.decode())
    second = subjects(client.get(INBOX, {"page": 2}).content.decode())
    assert len(first) == 20 and len(second) == 5
    assert first[0] == "通知25" and second[-1] == "通知01"
    assert subjects(client.get(INBOX, {"page": "x"}).content.decode()) == first


def test_a_member_without_a_console_role_has_an_inbox_too(people):
    tell(people.member, 1)
    response = client_for(people.member).get(INBOX)
    assert response.status_code == 200
    assert subjects(response.content.decode()) == ["通知01"]
    assert 'class="console"' not in response.content.decode()


def test_the_inbox_needs_sign_in():
    response = Client().get(INBOX)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_marking_one_read(people, clerks_inbox):
    target = clerks_inbox[1]
    response = client_for(people.clerk).post(f"{INBOX}{target.pk}/read", {"page": "1"})
    assert response.status_code == 302 and response["Location"] == INBOX
    target.refresh_from_db()
    assert target.read_at is not None
    first = target.read_at
    client_for(people.clerk).post(f"{INBOX}{target.pk}/read")
    target.refresh_from_db()
    assert target.read_at == first  # the first time is kept


def test_opening_one_marks_it_read_and_follows_its_link(people):
    n = tell(people.clerk, 1, link="/console/todo/")
    response = client_for(people.clerk).post(f"{INBOX}{n.pk}/open")
    assert response.status_code == 302 and response["Location"] == "/console/todo/"
    n.refresh_from_db()
    assert n.is_read


def test_someone_elses_notification_does_not_exist_for_you(people, clerks_inbox):
    theirs = Notification.objects.get(recipient=people.reviewer)
    client = client_for(people.clerk)
    assert client.post(f"{INBOX}{theirs.pk}/read").status_code == 404
    assert client.post(f"{INBOX}{theirs.pk}/open").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_needs_post_and_the_csrf_token(people, clerks_inbox):
    target = clerks_inbox[1]
    client = client_for(people.clerk)
    assert client.get(f"{INBOX}{target.pk}/read").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people.clerk)
    assert strict.post(f"{INBOX}{target.pk}/read").status_code == 403
    assert strict.post(f"{INBOX}read-all").status_code == 403
    target.refresh_from_db()
    assert target.read_at is None


def test_marking_all_read(people, clerks_inbox):
    client = client_for(people.clerk)
    response = client.post(f"{INBOX}read-all", follow=True)
    assert "已将 2 条通知标为已读。" in response.content.decode()
    assert not Notification.objects.filter(recipient=people.clerk, read_at__isnull=True).exists()
    assert Notification.objects.get(recipient=people.reviewer).read_at is None
    response = client.post(f"{INBOX}read-all", follow=True)
    assert "没有未读通知。" in response.content.decode()


# --- the API ---------------------------------------------------------------------------------


def test_the_api_lists_my_notifications_in_inbox_order(people, clerks_inbox):
    response = ApiClient(people.clerk).get("/notifications/")
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["unread"]) == (4, 2)
    assert [r["subject"] for r in body["results"]] == ["通知03", "通知02", "通知04", "通知01"]
    first = body["results"][0]
    assert first["kind"] == "general" and first["kind_label"] == "一般通知"
    assert first["organization_code"] == "QS-01" and first["read_at"] is None
    unread = ApiClient(people.clerk).get("/notifications/", unread="true").json()
    assert [r["subject"] for r in unread["results"]] == ["通知03", "通知02"]


def test_the_api_marks_read_with_the_same_functions(people, clerks_inbox):
    api = ApiClient(people.clerk)
    target = clerks_inbox[1]
    response = api.post(f"/notifications/{target.pk}/read")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    theirs = Notification.objects.get(recipient=people.reviewer)
    assert api.post(f"/notifications/{theirs.pk}/read").status_code == 404
    assert api.post("/notifications/read-all").json() == {"marked": 1}
    assert api.post("/notifications/read-all").json() == {"marked": 0}
    assert mark_all_read(people.reviewer) == 1


def test_the_api_needs_a_token(db):
    response = ApiClient().get("/notifications/")
    assert response.status_code == 401
    assert ApiClient().post("/notifications/read-all").status_code == 401


def test_the_api_schema_documents_the_notification_operations(db):
    paths = ApiClient().get("/openapi.json").json()["paths"]
    assert paths["/api/v1/notifications/"]["get"]["security"] == [{"BearerToken": []}]
    assert "post" in paths["/api/v1/notifications/{id}/read"]
    assert "post" in paths["/api/v1/notifications/read-all"]
