"""Every move in every state by every persona: it goes through exactly when the state allows
it (services.ALLOWED) and the persona may (handling staff; the superior's leading group for
confirming and returning); otherwise it is refused and nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongkai.inforequests import services
from gongkai.inforequests.models import Outcome, RequestStep, State

from .conftest import application, on

D = dt.date
pytestmark = pytest.mark.django_db
Kind = RequestStep.Kind

REFUSAL = services.Decision(
    outcome=Outcome.NOT_DISCLOSED, refusal_reason="internal", legal_basis="条例第十一条"
)
MOVES = {
    Kind.SUPPLEMENT_REQUESTED: lambda r, p: services.request_supplement(r, actor=p, reason="补"),
    Kind.SUPPLEMENT_RECEIVED: lambda r, p: services.receive_supplement(r, actor=p),
    Kind.THIRD_PARTY_ASKED: lambda r, p: services.ask_third_party(
        r, actor=p, third_party="某公司", reason="涉及合同"
    ),
    Kind.THIRD_PARTY_ANSWERED: lambda r, p: services.third_party_answered(r, actor=p),
    Kind.EXTENDED: lambda r, p: services.extend(r, actor=p, days=5, reason="需要时间"),
    Kind.DECIDED: lambda r, p: services.decide(r, actor=p, decision=REFUSAL),
    Kind.CONFIRMED: lambda r, p: services.confirm(r, actor=p),
    Kind.RETURNED: lambda r, p: services.return_refusal(r, actor=p, reason="再议"),
    Kind.APPEALED: lambda r, p: services.record_appeal(
        r, actor=p, appeal="review", result="pending"
    ),
}
SUPERIOR_MOVES = {Kind.CONFIRMED, Kind.RETURNED}
TO_STATE = {
    State.HANDLING: [],
    State.SUPPLEMENT: [Kind.SUPPLEMENT_REQUESTED],
    State.THIRD_PARTY: [Kind.THIRD_PARTY_ASKED],
    State.CONFIRMATION: [Kind.DECIDED],
    State.ANSWERED: [Kind.DECIDED, Kind.CONFIRMED],
}
PERSONAS = ["clerk", "reviewer", "superior_reviewer", "office", "member", "supervisor", "outsider"]
HANDLING = {"clerk", "reviewer"}
SUPERIOR = {"superior_reviewer"}


@pytest.mark.parametrize("state", list(TO_STATE))
def test_every_move_by_every_persona(tree, people, state):
    with on(D(2026, 9, 21)):
        for persona in PERSONAS:
            for kind, move in MOVES.items():
                r = services.receive(tree.village, application())
                for setup in TO_STATE[state]:
                    actor = people.superior_reviewer if setup in SUPERIOR_MOVES else people.clerk
                    MOVES[setup](r, actor)
                r.refresh_from_db()
                assert r.state == state
                steps = r.steps.count()
                may = (SUPERIOR if kind in SUPERIOR_MOVES else HANDLING) >= {persona}
                expected = may and state in services.ALLOWED[kind]
                try:
                    move(r, getattr(people, persona))
                except (ValidationError, PermissionDenied):
                    done = False
                else:
                    done = True
                assert done == expected, (state, kind, persona)
                if not done:
                    r.refresh_from_db()
                    assert r.state == state and r.steps.count() == steps
