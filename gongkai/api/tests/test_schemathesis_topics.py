"""schemathesis over the topic-request operations (点题公开), with seeded topics the generated
ids often hit: no 5xx, every answer documented and in its documented shape, as the public, as
a member and as the village's handling staff.

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
from gongkai.catalog.models import Scope
from gongkai.conftest import grant
from gongkai.organizations.models import Role
from gongkai.topics import services

from .test_schemathesis import CHECKS, CONFIG, RUN

pytestmark = pytest.mark.fuzz

KNOWN: dict[str, list[Any]] = {"ids": []}


@pytest.fixture
def seeded(db, people, tree, village_catalog, settings, tmp_path) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    grant(people.reviewer, tree.village, Role.Kind.PRINCIPAL)  # edits the catalog
    grant(people.reviewer, tree.village, Role.Kind.CLERK)  # drafts
    made = [
        services.propose(tree.village, actor=people.member, title=f"点题{n}", description="身份证11010519491231002X")
        for n in range(4)
    ]  # fmt: skip
    services.support(made[0], actor=people.clerk)
    services.decline(made[1], actor=people.clerk, reason="不宜公开", echo_scope=Scope.PUBLIC)
    KNOWN["ids"] = [t.pk for t in made]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def member_token(people) -> str:
    return tokens.issue(people.member, label="schemathesis")[1]


@pytest.fixture
def staff_token(people) -> str:
    return tokens.issue(people.reviewer, label="schemathesis")[1]


schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", WSGIHandler(), config=CONFIG
).include(path_regex=r"^/api/v1/topics")


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


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    if isinstance(body, dict) and "organization" in body:
        return _sometimes(body["organization"], ["QS-01"]).map(
            lambda code: {**body, "organization": code}
        )
    if isinstance(body, dict) and "into" in body:
        return _sometimes(body["into"], KNOWN["ids"]).map(lambda pk: {**body, "into": pk})
    return st.just(body)


@schema.parametrize()
@RUN
def test_the_public_never_gets_a_server_error(case, seeded):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@RUN
def test_members_never_get_a_server_error(case, seeded, member_token):
    case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Bearer {member_token}"})


@schema.parametrize()
@RUN
def test_staff_never_get_a_server_error(case, seeded, staff_token):
    case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Bearer {staff_token}"})
