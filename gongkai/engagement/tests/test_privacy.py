"""Privacy: a sender's name, phone and ID number — given in the form and written into the
message itself — never reach a public surface (echo wall, tracking page, kiosk, the portal's
pages, the API's public answers, notifications); only the handling staff read them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from gongkai.catalog.models import Scope
from gongkai.conftest import client_for
from gongkai.engagement import services
from gongkai.notifications.models import Notification

from .conftest import ID_NUMBER, NAME, PHONE, dues_table, send

pytestmark = pytest.mark.django_db

SECRETS = (NAME, PHONE, ID_NUMBER)


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


@pytest.fixture
def planted(people, tree, village_catalog):  # type: ignore[no-untyped-def]
    d = dues_table(people, tree, village_catalog)
    opinions = []
    for scope in (Scope.PUBLIC, Scope.PARTY):
        o = send(
            tree.village,
            text=f"我是{NAME}，身份证号{ID_NUMBER}，手机{PHONE}。党费表里我的金额不对。",
            sender_name=NAME,
            sender_contact=PHONE,
            disclosure=d,
        )
        services.answer(
            o, actor=people.clerk, text=f"{NAME}同志您好，已电话{PHONE}联系，金额已更正。"
        )
        services.publish(o, actor=people.clerk, scope=scope)
        opinions.append(o)
    services.rate(opinions[0], "satisfied")
    return d, opinions


def test_no_public_page_shows_the_sender(planted, people, tree):
    d, opinions = planted
    code = tree.village.code
    anonymous, member = Client(), client_for(people.member)
    pages: list[tuple[Any, str, str, dict[str, str]]] = [
        (anonymous, "get", f"/o/{code}/echo/", {}),
        (member, "get", f"/o/{code}/echo/", {}),
        (anonymous, "get", f"/o/{code}/", {}),
        (anonymous, "get", f"/d/{d.pk}/", {}),
        (anonymous, "get", f"/kiosk/{code}/", {}),
        (anonymous, "get", f"/kiosk/{code}/echo/", {}),
        (anonymous, "get", f"/kiosk/{code}/d/{d.pk}/", {}),
    ]
    for o in opinions:
        pages += [
            (anonymous, "post", "/track/", {"code": o.tracking_code}),
            (anonymous, "post", f"/kiosk/{code}/track", {"code": o.tracking_code}),
        ]
    for client, method, url, data in pages:
        response = getattr(client, method)(url, data)
        assert response.status_code == 200, url
        assert leaks(response.content.decode()) == [], url
    # The answers are there, masked.
    wall = member.get(f"/o/{code}/echo/").content.decode()
    assert wall.count("金额已更正") == 2


def test_no_public_api_answer_shows_the_sender(planted, tree):
    _d, opinions = planted
    client = Client()
    answers = [client.get(f"/api/v1/organizations/{tree.village.code}/echo")]
    for o in opinions:
        answers.append(client.get(f"/api/v1/opinions/track/{o.tracking_code}"))
    for response in answers:
        assert response.status_code == 200
        assert leaks(json.dumps(response.json(), ensure_ascii=False)) == []


def test_only_the_handling_staff_read_the_sender(planted, people):
    _d, opinions = planted
    pk = opinions[0].pk
    page = client_for(people.clerk).get(f"/console/opinions/{pk}/").content.decode()
    assert NAME in page and PHONE in page and ID_NUMBER in page
    for person in (people.member, people.outsider):
        response = client_for(person).get(f"/console/opinions/{pk}/")
        assert response.status_code in (403, 404)
    for person in (people.supervisor, people.superior_reviewer):
        response = client_for(person).get(f"/console/opinions/{pk}/")
        assert response.status_code == 404
        assert leaks(client_for(person).get("/console/opinions/").content.decode()) == []


def test_notifications_carry_no_sender(planted):
    for n in Notification.objects.all():
        assert leaks(n.subject + n.body) == []


def test_masked_texts_hold_no_secret(planted):
    _d, opinions = planted
    for o in opinions:
        assert leaks(o.masked_question + o.masked_answer) == []
        assert leaks(str(list(services.echo_wall(o.organization, AnonymousUser())))) == []
