"""Every (state, action, person): allowed moves succeed and write one event; every other
one is refused with a clear message and changes nothing."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure, Event, Revision, State
from gongkai.disclosures.workflow import TRANSITIONS, Action

from .conftest import CHECKLIST, force_state

PERSONAS = [
    "clerk",
    "reviewer",
    "superior_reviewer",
    "member",
    "office",
    "supervisor",
    "outsider",
    "admin",
]
#: Who may do each kind of move (written out, not read from the code under test).
MAY = {
    Action.SUBMIT: {"clerk"},
    Action.OPEN_CONSULTATION: {"clerk", "reviewer"},
    Action.CLOSE_CONSULTATION: {"clerk", "reviewer"},
    Action.REVIEW: {"reviewer"},
    Action.SEND_TO_SUPERIOR: {"reviewer"},
    Action.SUPERIOR_APPROVE: {"superior_reviewer"},
    Action.APPROVE: {"reviewer"},
    Action.RETURN: {"reviewer"},
    Action.PUBLISH: {"clerk", "reviewer"},
    Action.END_PUBLICITY: {"clerk", "reviewer"},
    Action.ARCHIVE: {"clerk", "reviewer"},
    Action.WITHDRAW: {"reviewer"},
    Action.CORRECT: {"reviewer"},
}
RETURN_FROM_SUPERIOR = {"superior_reviewer"}
ALLOWED_MOVES = {
    (State.DRAFT, Action.SUBMIT),
    (State.RETURNED, Action.SUBMIT),
    (State.SUBMITTED, Action.OPEN_CONSULTATION),
    (State.CONSULTATION, Action.CLOSE_CONSULTATION),
    (State.SUBMITTED, Action.REVIEW),
    (State.REVIEWED, Action.SEND_TO_SUPERIOR),
    (State.SUPERIOR_REVIEW, Action.SUPERIOR_APPROVE),
    (State.REVIEWED, Action.APPROVE),
    (State.SUBMITTED, Action.RETURN),
    (State.CONSULTATION, Action.RETURN),
    (State.REVIEWED, Action.RETURN),
    (State.APPROVED, Action.RETURN),
    (State.SUPERIOR_REVIEW, Action.RETURN),
    (State.APPROVED, Action.PUBLISH),
    (State.PUBLISHED, Action.END_PUBLICITY),
    (State.PUBLICITY_ENDED, Action.ARCHIVE),
    (State.PUBLISHED, Action.WITHDRAW),
    (State.PUBLICITY_ENDED, Action.WITHDRAW),
    (State.ARCHIVED, Action.WITHDRAW),
    (State.PUBLISHED, Action.CORRECT),
    (State.PUBLICITY_ENDED, Action.CORRECT),
}


def test_the_transition_table_is_exactly_the_intended_one():
    assert set(TRANSITIONS) == ALLOWED_MOVES


def perform(action: str, disclosure: Disclosure, actor):  # type: ignore[no-untyped-def]
    calls: dict[str, Callable[[], Disclosure]] = {
        Action.SUBMIT: lambda: workflow.submit(disclosure, actor=actor),
        Action.OPEN_CONSULTATION: lambda: workflow.open_consultation(
            disclosure, actor=actor, days=5
        ),
        Action.CLOSE_CONSULTATION: lambda: workflow.close_consultation(disclosure, actor=actor),
        Action.REVIEW: lambda: workflow.review(disclosure, actor=actor, checklist=CHECKLIST),
        Action.SEND_TO_SUPERIOR: lambda: workflow.send_to_superior(disclosure, actor=actor),
        Action.SUPERIOR_APPROVE: lambda: workflow.superior_approve(disclosure, actor=actor),
        Action.APPROVE: lambda: workflow.approve(disclosure, actor=actor),
        Action.RETURN: lambda: workflow.return_to_clerk(
            disclosure, actor=actor, reason="请补充材料"
        ),
        Action.PUBLISH: lambda: workflow.publish(disclosure, actor=actor),
        Action.END_PUBLICITY: lambda: workflow.end_publicity(disclosure, actor=actor),
        Action.ARCHIVE: lambda: workflow.archive(disclosure, actor=actor),
        Action.WITHDRAW: lambda: workflow.withdraw(disclosure, actor=actor, reason="内容有误"),
        Action.CORRECT: lambda: workflow.correct(
            disclosure,
            actor=actor,
            reason="电话号码更正",
            title="东岭村监督电话（更正）",
            body="<p>0871-6123409</p>",
        ),
    }
    return calls[action]()


def prepare(disclosure: Disclosure, state: str, action: str, people) -> Disclosure:  # type: ignore[no-untyped-def]
    """Put the disclosure in `state` with what a real one there would have."""
    major = (
        action in (Action.SEND_TO_SUPERIOR, Action.SUPERIOR_APPROVE)
        or state == State.SUPERIOR_REVIEW
    )
    fields: dict[str, object] = {"needs_superior_review": major}
    if state in (State.PUBLISHED, State.PUBLICITY_ENDED, State.ARCHIVED, State.WITHDRAWN):
        revision = Revision.objects.create(
            disclosure=disclosure,
            number=1,
            title=disclosure.title,
            body=disclosure.body,
            created_by=people.clerk,
            published_at=timezone.now(),
        )
        fields.update(
            published_revision=revision,
            publish_from=timezone.now() - dt.timedelta(days=30),
            public_from=timezone.now() - dt.timedelta(days=30),
            publicity_until=timezone.now() - dt.timedelta(days=1),
        )
    return force_state(disclosure, state, **fields)


class _Rollback(Exception):
    pass


@pytest.mark.parametrize(("state", "action"), list(itertools.product(State.values, Action.values)))
def test_every_state_action_and_person(state, action, people, draft):
    from django.db import transaction

    disclosure = prepare(draft, state, action, people)
    snapshot = Disclosure.objects.filter(pk=disclosure.pk).values().get()
    for persona in PERSONAS:
        actor = getattr(people, persona)
        disclosure = Disclosure.objects.get(pk=draft.pk)
        events_before = Event.objects.filter(disclosure=disclosure).count()
        allowed_people = (
            RETURN_FROM_SUPERIOR
            if (state, action) == (State.SUPERIOR_REVIEW, Action.RETURN)
            else MAY[action]
        )
        if (state, action) in ALLOWED_MOVES and persona in allowed_people:
            # Each success is rolled back so the next person starts from the same state.
            with pytest.raises(_Rollback), transaction.atomic():
                moved = perform(action, disclosure, actor)
                target = TRANSITIONS[(state, action)][0]
                assert moved.state == target, persona
                new_events = list(
                    Event.objects.filter(disclosure=disclosure).order_by("pk")[events_before:]
                )
                assert [(e.action, e.from_state, e.to_state, e.actor) for e in new_events] == [
                    (action, state, target, actor)
                ], persona
                raise _Rollback
        else:
            with pytest.raises((ValidationError, PermissionDenied)) as excinfo:
                perform(action, disclosure, actor)
            message = " ".join(getattr(excinfo.value, "messages", [str(excinfo.value)]))
            assert any("\u4e00" <= ch <= "\u9fff" for ch in message), (
                persona,
                message,
            )  # said in Chinese
            assert Event.objects.filter(disclosure=disclosure).count() == events_before, persona
        assert Disclosure.objects.filter(pk=draft.pk).values().get() == snapshot, persona
