"""schemathesis over the supervision operations (findings, accountability records, supervised
records and published results), with seeded rows the generated ids and codes often hit: no
5xx, every answer documented and in its documented shape. Run by `make test-api` (marker
`fuzz`)."""

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
from gongkai.conftest import grant
from gongkai.disclosures import workflow as disclosure_workflow
from gongkai.organizations.models import Role
from gongkai.supervision import workflow

from .conftest import item_key
from .test_schemathesis import CHECKS, CONFIG, RUN

pytestmark = pytest.mark.fuzz

KNOWN: dict[str, list[Any]] = {"ids": [], "codes": ["QS-01", "QS", "BS-01"]}


@pytest.fixture
def seeded(db, people, tree, village_catalog, settings, tmp_path) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    # One person who supervises, rectifies and decides, so every step can go through.
    grant(people.supervisor, tree.village, Role.Kind.CLERK)
    grant(people.supervisor, tree.town, Role.Kind.DISCIPLINE_SECRETARY)
    submitted = disclosure_workflow.submit(
        disclosure_workflow.create_disclosure(
            tree.village,
            actor=people.clerk,
            item_key=item_key(village_catalog, "phones"),
            title="监督电话",
        ),
        actor=people.clerk,
    )
    open_one = workflow.file_finding(
        tree.village, actor=people.supervisor, category="content", description="旧党费表"
    )
    rectified = workflow.rectify(
        workflow.file_finding(
            tree.village, actor=people.supervisor, category="form", description="栏目不统一"
        ),
        actor=people.clerk,
        text="已统一",
    )
    record = workflow.record_accountability(
        tree.village,
        actor=people.supervisor,
        deciding=tree.town,
        person_name="孙某",
        person_position="支部书记",
        measure="reminder_talk",
        facts="逾期未整改",
        decision_date=dt.date(2026, 11, 2),
        scope="public",
        findings=[open_one],
    )
    KNOWN["ids"] = [submitted.pk, open_one.pk, rectified.pk, record.pk]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def supervisor_token(people) -> str:
    return tokens.issue(people.supervisor, label="schemathesis")[1]


schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", WSGIHandler(), config=CONFIG
).include(path_regex=r"^/api/v1/(findings|accountability|supervision)")


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    if not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    if "code" in path_parameters:
        return st.sampled_from([path_parameters["code"], *KNOWN["codes"]]).map(
            lambda code: {**path_parameters, "code": code}
        )
    if "id" in path_parameters:
        return st.sampled_from([path_parameters["id"], *KNOWN["ids"]]).map(
            lambda pk: {**path_parameters, "id": pk}
        )
    return st.just(path_parameters)


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    if isinstance(body, dict) and "organization" in body:
        return st.sampled_from([body["organization"], *KNOWN["codes"]]).map(
            lambda code: {**body, "organization": code}
        )
    return st.just(body)


@schema.parametrize()
@RUN
def test_the_public_never_gets_a_server_error(case, seeded):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@RUN
def test_a_supervisor_never_gets_a_server_error(case, seeded, supervisor_token):
    case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Bearer {supervisor_token}"})
