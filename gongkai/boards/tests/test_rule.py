"""The board asks the one visibility rule: whatever the scope, state and times, a disclosure
is on the public board exactly when an anonymous reader may see it now and it is on show
(published, publicity not over), and on the inside board exactly when the member may."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.boards import content
from gongkai.boards.models import Size, Variant
from gongkai.catalog.models import Scope
from gongkai.disclosures.models import State
from gongkai.disclosures.visibility import can_see

pytestmark = pytest.mark.django_db

HOURS = st.one_of(st.none(), st.integers(min_value=-72, max_value=72))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    scope=st.sampled_from(list(Scope)),
    state=st.sampled_from(list(State)),
    publish=st.integers(min_value=-72, max_value=72),
    public=HOURS,
    until=HOURS,
)
def test_on_the_board_exactly_when_the_rule_says(
    shown, people, tree, scope, state, publish, public, until
):
    now = timezone.now()
    at = lambda hours: None if hours is None else now + dt.timedelta(hours=hours)  # noqa: E731
    disclosure = shown(
        title="东岭村随机事项",
        scope=scope,
        state=state,
        publish_from=at(publish),
        public_from=at(public) if public is not None else at(publish),
        publicity_until=at(until),
    )
    on_show = state == State.PUBLISHED and (until is None or at(until) > now)  # type: ignore[operator]
    public_board = content.build(tree.village, now=now)
    assert (disclosure.pk in public_board.disclosure_ids) == (
        on_show and can_see(AnonymousUser(), disclosure, now)
    )
    inside = content.build(tree.village, variant=Variant.INSIDE, user=people.member, now=now)
    assert (disclosure.pk in inside.disclosure_ids) == (
        on_show and can_see(people.member, disclosure, now)
    )
    # Never more than the rule: nothing of another organization either.
    for board in (public_board, inside):
        for pk in board.disclosure_ids:
            assert pk == disclosure.pk or pk in _earlier(tree)


def _earlier(tree):  # type: ignore[no-untyped-def]
    from gongkai.disclosures.models import Disclosure

    return set(Disclosure.objects.filter(organization=tree.village).values_list("pk", flat=True))


def _queries(tree) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        content.build(tree.village, size="A1")
    return len(captured.captured_queries)


def test_the_work_is_bounded_by_what_fits_not_by_history(shown, tree):
    shown(title="东岭村第一条")
    content.build(tree.village)  # warm the catalog cache
    one = _queries(tree)
    for n in range(30):
        shown(title=f"东岭村第{n}条", publish_from=timezone.now() - dt.timedelta(minutes=n + 1))
    assert _queries(tree) == one
    board = content.build(tree.village, size="A4")
    per_column = content.CAPACITY[Size.A4].per_column
    assert len(board.items) <= per_column * sum(len(page) for page in board.pages)


def test_a_full_a1_board_renders_in_bounded_time(shown, tree):
    import time

    from gongkai.boards import render

    now = timezone.now()
    for n in range(120):
        shown(
            title=f"东岭村第{n}号公示：关于党员发展对象的公示" * 2,
            body="<p>" + "公示内容" * 80 + "</p>",
            publish_from=now - dt.timedelta(minutes=n + 1),
        )
    started = time.perf_counter()
    board = content.build(tree.village, size=Size.A1)
    pdf = render.pdf(board)
    elapsed = time.perf_counter() - started
    assert pdf.startswith(b"%PDF")
    assert len(board.items) <= content.CAPACITY[Size.A1].per_column * 2
    assert elapsed < 20, elapsed
