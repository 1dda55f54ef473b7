"""Django's admin is for system administrators (superusers) only; everyone else uses the console."""

from __future__ import annotations

from dataclasses import fields

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from gongkai.accounts.models import User
from gongkai.conftest import PASSWORD, People, client_for, make_user

pytestmark = pytest.mark.django_db

#: Every shared persona but the system administrator: each role, and the outsider.
ROLE_PERSONAS = [f.name for f in fields(People) if f.name != "admin"]


def assert_sent_to_admin_login(response, path: str) -> None:
    assert response.status_code == 302
    assert response.headers["Location"] == f"{reverse('admin:login')}?next={path}"


def test_a_superuser_opens_the_admin(people: People) -> None:
    client = client_for(people.admin)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200


def test_an_anonymous_visitor_is_sent_to_the_admin_login(db: None) -> None:
    path = reverse("admin:index")
    assert_sent_to_admin_login(Client().get(path), path)


@pytest.mark.parametrize("persona", ROLE_PERSONAS)
def test_no_role_opens_the_admin(people: People, persona: str) -> None:
    client = client_for(getattr(people, persona))
    for path in (reverse("admin:index"), reverse("admin:accounts_user_changelist")):
        assert_sent_to_admin_login(client.get(path), path)


def test_a_staff_flag_with_every_permission_does_not_open_the_admin(db: None) -> None:
    staff = make_user("staff", "职员", is_staff=True)
    staff.user_permissions.set(Permission.objects.all())
    client = client_for(User.objects.get(pk=staff.pk))
    for path in (reverse("admin:index"), reverse("admin:accounts_user_changelist")):
        assert_sent_to_admin_login(client.get(path), path)


def test_a_staff_user_who_signs_in_on_the_admin_login_is_still_refused(db: None) -> None:
    make_user("staff", "职员", is_staff=True)
    client = Client()
    client.post(reverse("admin:login"), {"username": "staff", "password": PASSWORD})
    path = reverse("admin:index")
    assert_sent_to_admin_login(client.get(path), path)


def test_a_deactivated_superuser_is_refused(people: People) -> None:
    client = client_for(people.admin)
    User.objects.filter(pk=people.admin.pk).update(is_active=False)
    path = reverse("admin:index")
    response = client.get(path)
    # The session no longer authenticates an inactive user, so this is the anonymous refusal.
    assert_sent_to_admin_login(response, path)
