"""schemathesis over the information-request operations, with seeded requests the generated
ids and codes often hit: no 5xx, every answer documented and in its documented shape.
Run with the marker `fuzz` (`make test-api`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import strategies as st

from gongkai.api import tokens
from gongkai.api.tests.test_schemathesis import CHECKS, CONFIG, RUN
from gongkai.inforequests import services

from .conftest import application, on

pytestmark = pytest.mark.fuzz

KNOWN: dict[str, list[Any]] = {"ids": [], "codes": []}


@pytest.fixture
def seeded(db, people, tree, settings) -> Any:
    settings.GUARD_LIMITS = {}
    today = dt.date.today()
    with on(today):
        made = [services.receive(tree.village, application()) for _ in range(3)]
        services.request_supplement(made[1], actor=people.clerk, reason="请补充")
    KNOWN["ids"] = [r.pk for r in made]
    KNOWN["codes"] = [services.tracking_display(r) for r in made]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def clerk_token(people) -> str:
    _token, key = tokens.issue(people.clerk, label="schemathesis")
    return key


schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", WSGIHandler(), config=CONFIG
).include(path_regex=r"^/api/v1/information-requests")


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    if not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    if "id" in path_parameters:
        return st.sampled_from([path_parameters["id"], *KNOWN["ids"]]).map(
            lambda pk: {**path_parameters, "id": pk}
        )
    if "code" in path_parameters:
        return st.sampled_from([path_parameters["code"], *KNOWN["codes"]]).map(
            lambda code: {**path_parameters, "code": code}
        )
    return st.just(path_parameters)


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    if isinstance(body, dict) and "organization" in body and "description" in body:
        return st.sampled_from([body["organization"], "QS-01"]).map(
            lambda code: {**body, "organization": code}
        )
    return st.just(body)


@schema.parametrize()
@RUN
def test_the_public_never_gets_a_server_error(case, seeded):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@RUN
def test_the_clerk_never_gets_a_server_error(case, seeded, clerk_token):
    case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Bearer {clerk_token}"})
