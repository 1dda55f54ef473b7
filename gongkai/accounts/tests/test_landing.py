"""After signing in, each person lands on a page their roles give them something on: never a
refusal. Staff who draft or review start from the to-do list, a supervisor from the
organizations assigned, a member from the party-internal items of their organizations."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from gongkai.conftest import PASSWORD, People, client_for

TODO = reverse("console:todo")
MINE = reverse("portal:mine")
LANDING = reverse("accounts:landing")


@pytest.mark.parametrize(
    ("persona", "start"),
    [
        ("clerk", TODO),
        ("reviewer", TODO),
        ("superior", TODO),
        ("office", TODO),
        ("admin", reverse("console:home")),
        ("supervisor", MINE),
        ("member", MINE),
        ("outsider", reverse("home")),
    ],
)
def test_each_persona_lands_on_a_page_that_answers_200(
    people: People, persona: str, start: str
) -> None:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": persona, "password": PASSWORD})
    assert response.headers["Location"] == LANDING
    landing = client.get(LANDING)
    assert landing.headers["Location"] == start
    assert client.get(start).status_code == 200


def test_the_landing_page_needs_a_sign_in(db: None) -> None:
    response = Client().get(LANDING)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("accounts:login"))


def test_a_members_page_names_their_organization_and_not_others(people: People) -> None:
    html = client_for(people.member).get(MINE).content.decode()
    assert "东岭村党支部" in html and "党内公开" in html
    assert "白沙村党支部" not in html


def test_a_supervisors_page_lists_the_organizations_assigned(people: People) -> None:
    html = client_for(people.supervisor).get(MINE).content.decode()
    assert "您监督的党组织" in html and "青石镇党委" in html
