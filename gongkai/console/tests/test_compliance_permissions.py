"""Who may open which compliance page, persona by persona: the village's clerk and reviewer,
the town's reviewer (the superior's leading group), the town's office (reaching its subtree),
a member, an outsider with an account, and someone not signed in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from gongkai.compliance import exemptions
from gongkai.compliance.models import Exemption
from gongkai.conftest import client_for

from .obligation_fixtures import at, generate, key_of, owed, travel

pytestmark = pytest.mark.django_db

PERSONAS = ("clerk", "reviewer", "superior_reviewer", "office", "member", "outsider", "anonymous")
LOGIN = 302  # someone not signed in is sent to sign in


@dataclass
class World:
    obligation: Any
    sibling_obligation: Any
    exemption: Exemption
    event_key: str


@pytest.fixture
def world(tree, people, catalogs) -> Any:  # type: ignore[no-untyped-def]
    with travel(at(2026, 7, 2)):
        generate(dt.date(2026, 7, 2))
        dues = owed(tree.village, "dues", "2026-H1")
        asked = exemptions.request(
            dues,
            actor=people.clerk,
            kind="exempt",
            reason_category="personal_privacy",
            reason="仅一名党员",
            legal_basis="条例第十一条",
        )
        yield World(
            obligation=owed(tree.village, "meetings", "2026-Q2"),
            sibling_obligation=owed(tree.sibling_village, "meetings", "2026-Q2"),
            exemption=asked,
            event_key=key_of(tree.village, "appointment"),
        )


def client(people: Any, persona: str) -> Client:
    return Client() if persona == "anonymous" else client_for(getattr(people, persona))


def expect(table: dict[str, int]) -> list[tuple[str, int]]:
    assert set(table) == set(PERSONAS)
    return list(table.items())


VIEWERS = {
    "clerk": 200,
    "reviewer": 200,
    "superior_reviewer": 200,
    "office": 200,
    "member": 403,  # no staff role: the console has nothing for them
    "outsider": 403,
    "anonymous": LOGIN,
}


@pytest.mark.parametrize(("persona", "status"), expect(VIEWERS))
@pytest.mark.parametrize(
    "url",
    [
        lambda w: "/console/todo/",
        lambda w: "/console/orgs/QS-01/obligations/",
        lambda w: f"/console/obligations/{w.obligation.pk}/",
        lambda w: f"/console/exemptions/{w.exemption.pk}/",
    ],
    ids=["todo", "obligation list", "obligation", "exemption"],
)
def test_who_reads_the_pages(people, world, persona, status, url):
    with travel(at(2026, 7, 2)):
        assert client(people, persona).get(url(world)).status_code == status


@pytest.mark.parametrize(
    ("persona", "status"),
    expect(
        {
            "clerk": 200,
            "reviewer": 403,
            "superior_reviewer": 403,
            "office": 200,
            "member": 403,
            "outsider": 403,
            "anonymous": LOGIN,
        }
    ),
)
def test_who_asks_for_an_exemption(people, world, persona, status):
    url = f"/console/obligations/{world.obligation.pk}/exemption"
    with travel(at(2026, 7, 2)):
        assert client(people, persona).get(url).status_code == status
        posted = client(people, persona).post(
            url,
            {
                "kind": "exempt",
                "reason_category": "other",
                "reason": "理由",
                "legal_basis": "依据",
            },
        )
    assert posted.status_code == (302 if status == 200 else status)
    assert Exemption.objects.filter(obligation=world.obligation).exists() == (status == 200)


@pytest.mark.parametrize(
    ("persona", "status"),
    expect(
        {
            "clerk": 403,
            "reviewer": 403,
            "superior_reviewer": 302,  # decided, back to the request
            "office": 403,
            "member": 403,
            "outsider": 403,
            "anonymous": LOGIN,
        }
    ),
)
def test_only_the_superiors_leading_group_decides(people, world, persona, status):
    with travel(at(2026, 7, 2)):
        response = client(people, persona).post(
            f"/console/exemptions/{world.exemption.pk}/",
            {"decision": "approve", "reason": "同意", "shown_scope": "party"},
        )
    assert response.status_code == status
    world.exemption.refresh_from_db()
    decided = world.exemption.status == Exemption.Status.APPROVED
    assert decided == (persona == "superior_reviewer")


@pytest.mark.parametrize(
    ("persona", "status"),
    expect(
        {
            "clerk": 200,  # at the village, their organization
            "reviewer": 403,
            "superior_reviewer": 403,
            "office": 200,  # at the town, their organization
            "member": 403,
            "outsider": 403,
            "anonymous": LOGIN,
        }
    ),
)
@pytest.mark.parametrize("url", ["/console/events/new", "/console/plans/new"])
def test_who_records_events_and_plans(people, world, persona, status, url):
    with travel(at(2026, 7, 2)):
        assert client(people, persona).get(url).status_code == status


def test_nobody_sees_another_organizations_obligations(people, world):
    with travel(at(2026, 7, 2)):
        clerk = client_for(people.clerk)
        assert clerk.get(f"/console/obligations/{world.sibling_obligation.pk}/").status_code == 404
        assert clerk.get("/console/orgs/QS-02/obligations/").status_code == 403
        assert client_for(people.office).get("/console/orgs/BS-01/obligations/").status_code == 403
        # The village's reviewer reads the request but is offered no decision.
        html = client_for(people.reviewer).get(f"/console/exemptions/{world.exemption.pk}/")
        assert 'id="decide"' not in html.content.decode()
