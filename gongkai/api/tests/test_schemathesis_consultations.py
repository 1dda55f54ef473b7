"""schemathesis over the consultation operations (征求意见), with a public and a party
consultation the generated ids often hit: no 5xx, every answer documented and in its
documented shape, as the public and as a member of the village.

Run by `make test-api` (marker `fuzz`)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import strategies as st

from gongkai.api import tokens
from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure

from .conftest import item_key
from .test_schemathesis import CHECKS, CONFIG, RUN

pytestmark = pytest.mark.fuzz

KNOWN: dict[str, list[Any]] = {"ids": []}


def _consulting(people: Any, tree: Any, catalog: Any, **fields: Any) -> Disclosure:
    d = workflow.create_disclosure(
        tree.village, actor=people.clerk, item_key=item_key(catalog, "building"),
        title="村道硬化工程方案（征求意见稿）", body="<p>联系人13800138000</p>",
    )  # fmt: skip
    Disclosure.objects.filter(pk=d.pk).update(party_first=False, **fields)
    d.refresh_from_db()
    workflow.submit(d, actor=people.clerk)
    return workflow.open_consultation(d, actor=people.clerk, days=5)


@pytest.fixture
def seeded(db, people, tree, village_catalog, settings) -> Any:
    # The generated opinions would soon meet the guard's limits: fuzz the rest too.
    settings.GUARD_LIMITS = {"consultation": {"per_address": 10_000, "soft": 10_000}}
    made = [
        _consulting(people, tree, village_catalog),
        _consulting(people, tree, village_catalog, scope="party"),
    ]
    KNOWN["ids"] = [d.pk for d in made]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def member_token(people) -> str:
    return tokens.issue(people.member, label="schemathesis")[1]


schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", WSGIHandler(), config=CONFIG
).include(path_regex=r"^/api/v1/consultations")


def _sometimes(value: Any, known: list[Any]) -> Any:
    return st.sampled_from([value, *known]) if known else st.just(value)


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    if isinstance(path_parameters, dict) and "id" in path_parameters:
        return _sometimes(path_parameters["id"], KNOWN["ids"]).map(
            lambda pk: {**path_parameters, "id": pk}
        )
    return st.just(path_parameters)


@schema.hook
def flatmap_query(context: Any, query: Any) -> Any:
    if isinstance(query, dict) and "organization" in query:
        return _sometimes(query["organization"], ["QS-01"]).map(
            lambda code: {**query, "organization": code}
        )
    return st.just(query)


@schema.parametrize()
@RUN
def test_the_public_never_gets_a_server_error(case, seeded):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@RUN
def test_members_never_get_a_server_error(case, seeded, member_token):
    case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Bearer {member_token}"})
