"""No compliance form answers 500, whatever is typed: recording an event, setting out a staged
plan, asking for an exemption or deferral, deciding one, filtering the obligations. A refusal
shows a Chinese message and keeps what was typed. Hostile input from
gongkai.validation.tests.strategies (NUL, lone surrogates, over-long text, impossible and huge
dates); each example is rolled back."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from gongkai.compliance import exemptions
from gongkai.compliance.models import Exemption, RecordedEvent, StagePlan
from gongkai.conftest import client_for
from gongkai.validation.tests.strategies import (
    FUZZ,
    chinese,
    form_body,
    has_surrogate,
    hostile_date,
    hostile_text,
    post_form,
)

from .obligation_fixtures import at, generate, key_of, owed, travel

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 7, 2)


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def world(tree, people, catalogs):  # type: ignore[no-untyped-def]
    with travel(at(2026, 7, 2)):
        generate(TODAY)
        asked = exemptions.request(
            owed(tree.village, "dues", "2026-H1"),
            actor=people.clerk,
            kind="exempt",
            reason_category="personal_privacy",
            reason="仅一名党员",
            legal_basis="条例第十一条",
        )
        yield {
            "obligation": owed(tree.village, "meetings", "2026-Q2"),
            "exemption": asked,
            "event": key_of(tree.village, "appointment"),
            "plan": key_of(tree.village, "project"),
        }


def keeps(response: Any, typed: dict[str, Any], names: tuple[str, ...]) -> None:
    """No 500; a refusal is in Chinese and shows again what was typed."""
    assert response.status_code < 500
    if response.status_code == 302:
        return
    html = response.content.decode()
    assert response.status_code in (200, 400)
    assert chinese(html) and 'role="alert"' in html
    for name in names:
        value = typed.get(name, "")
        if (
            isinstance(value, str)
            and value.strip()
            and not has_surrogate(value)
            and "\x00" not in value
        ):
            assert escape(value.strip("\r\n")) in html or escape(value) in html, name


def maybe(valid: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(valid), hostile_text(20))


@FUZZ
@given(
    typed=st.fixed_dictionaries(
        {"title": hostile_text(), "happened_on": st.one_of(hostile_date(), st.just("2026-07-01"))}
    ),
    item=st.booleans(),
)
def test_recording_an_event_never_answers_500(people, world, typed, item):
    payload = {**typed, "item": world["event"] if item else "1.meetings"}
    with travel(at(2026, 7, 2)), rolled_back():
        response = post_form(client_for(people.clerk), "/console/events/new", payload)
        keeps(response, payload, ("title",))
        if response.status_code == 302:
            assert RecordedEvent.objects.get().title == payload["title"].strip()


stage_line = st.tuples(hostile_text(20), st.one_of(hostile_date(), st.just("2026-08-01"))).map(
    lambda pair: f"{pair[0]} {pair[1]}"
)


@FUZZ
@given(
    title=hostile_text(),
    stages=st.one_of(st.lists(stage_line, max_size=25).map("\n".join), hostile_text(300)),
)
def test_setting_out_a_plan_never_answers_500(people, world, title, stages):
    payload = {"item": world["plan"], "title": title, "stages": stages}
    with travel(at(2026, 7, 2)), rolled_back():
        response = post_form(client_for(people.clerk), "/console/plans/new", payload)
        keeps(response, payload, ("title",))
        if response.status_code == 302:
            assert StagePlan.objects.get().title == title.strip()


@FUZZ
@given(
    typed=st.fixed_dictionaries(
        {
            "kind": maybe(["exempt", "defer"]),
            "reason_category": maybe(["personal_privacy", "process", "other"]),
            "reason": hostile_text(200),
            "legal_basis": hostile_text(),
            "likely_harm": hostile_text(),
            "defer_until": st.one_of(hostile_date(), st.just("2026-09-30")),
        }
    )
)
def test_asking_for_an_exemption_never_answers_500(people, world, typed):
    url = f"/console/obligations/{world['obligation'].pk}/exemption"
    with travel(at(2026, 7, 2)), rolled_back():
        response = post_form(client_for(people.clerk), url, typed)
        keeps(response, typed, ("legal_basis",))
        made = Exemption.objects.filter(obligation=world["obligation"]).exists()
        assert made == (response.status_code == 302)


@FUZZ
@given(
    typed=st.fixed_dictionaries(
        {
            "decision": maybe(["approve", "refuse"]),
            "reason": hostile_text(200),
            "shown_scope": maybe(["party", "institution", "public", ""]),
        }
    )
)
def test_deciding_never_answers_500(people, world, typed):
    url = f"/console/exemptions/{world['exemption'].pk}/"
    with travel(at(2026, 7, 2)), rolled_back():
        response = post_form(client_for(people.superior_reviewer), url, typed)
        keeps(response, typed, ("reason",))
        world["exemption"].refresh_from_db()
        decided = world["exemption"].status != Exemption.Status.REQUESTED
        assert decided == (response.status_code == 302)


@FUZZ
@given(
    params=st.fixed_dictionaries(
        {
            "state": maybe(["open", "overdue", "late", ""]),
            "period": maybe(["2026", "2026-Q2", "2026-M05", ""]),
            "category": hostile_text(20),
            "page": st.one_of(hostile_text(10), st.just("2")),
        }
    )
)
def test_filtering_the_obligations_never_answers_500(people, world, params):
    with travel(at(2026, 7, 2)):
        # The query string as form_body encodes it (a lone surrogate as surrogatepass bytes).
        query = form_body(params).decode()
        response = client_for(people.clerk).get(f"/console/orgs/QS-01/obligations/?{query}")
    assert response.status_code in (200, 400)
