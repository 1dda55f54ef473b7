"""One rule decides who sees a disclosure: roles × scopes × states × times, with the
queryset and the predicate held to the same answers."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from gongkai.catalog.models import Scope
from gongkai.disclosures.models import Disclosure, Revision, State
from gongkai.disclosures.visibility import can_see

from .conftest import force_state

NOW = timezone.now()
HOUR = dt.timedelta(hours=1)
#: (label, publish_from, public_from) relative to NOW.
TIMES = {
    "before publish_from": (NOW + HOUR, NOW + 3 * HOUR),
    "inside the party-first lag": (NOW - HOUR, NOW + HOUR),
    "after the lag": (NOW - 3 * HOUR, NOW - HOUR),
}
READERS_INSIDE = {"clerk", "reviewer", "member"}  # roles held at the village itself
EVERYONE = [
    "anonymous",
    "outsider",
    "clerk",
    "reviewer",
    "member",
    "superior_reviewer",
    "office",
    "supervisor",
    "admin",
]


def expected(persona: str, scope: str, state: str, when: str) -> bool:
    """The rule, written out by hand."""
    if state not in (State.PUBLISHED, State.PUBLICITY_ENDED, State.ARCHIVED, State.WITHDRAWN):
        return False
    if when == "before publish_from":
        return False
    # The town office and the supervisor reach the village's subtree; the town reviewer does not.
    inside = persona in READERS_INSIDE or persona in {"office", "supervisor"}
    if scope == Scope.PUBLIC and when == "after the lag":
        return True
    return inside


def person(people, persona):  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser() if persona == "anonymous" else getattr(people, persona)


@pytest.mark.parametrize(
    ("scope", "state", "when"), list(itertools.product(Scope.values, State.values, TIMES))
)
def test_who_sees_a_disclosure(scope, state, when, people, draft):
    publish_from, public_from = TIMES[when]
    revision = Revision.objects.create(
        disclosure=draft, number=1, title=draft.title, created_by=people.clerk
    )
    disclosure = force_state(
        draft,
        state,
        scope=scope,
        publish_from=publish_from,
        public_from=None if scope == Scope.PARTY else public_from,
        published_revision=revision,
    )
    for persona in EVERYONE:
        user = person(people, persona)
        want = expected(persona, scope, state, when)
        assert can_see(user, disclosure, NOW) is want, persona
        assert Disclosure.objects.visible_to(user, NOW).filter(pk=disclosure.pk).exists() is want, (
            persona
        )


def test_a_scheduled_disclosure_appears_at_its_minute_without_any_job(people, draft):
    from django.contrib.auth.models import AnonymousUser

    at = NOW + dt.timedelta(minutes=30)
    disclosure = force_state(
        draft, State.PUBLISHED, scope=Scope.PUBLIC, publish_from=at, public_from=at
    )
    visitor = AnonymousUser()
    assert not can_see(visitor, disclosure, at - dt.timedelta(seconds=1))
    assert can_see(visitor, disclosure, at)
    assert not Disclosure.objects.visible_to(visitor, at - dt.timedelta(seconds=1)).exists()
    assert Disclosure.objects.visible_to(visitor, at).exists()


def test_listing_visible_disclosures_takes_a_fixed_number_of_queries(
    people, draft, django_assert_num_queries
):
    force_state(draft, State.PUBLISHED, scope=Scope.PARTY, publish_from=NOW - HOUR)
    people.member.roles_cached  # noqa: B018 - roles load once per request
    with django_assert_num_queries(1):
        list(Disclosure.objects.visible_to(people.member, NOW))
