"""schemathesis over the work-summary and assessment operations, with a seeded summary and
plan the generated ids often hit: no 5xx, every answer documented and in its documented shape
(the main run in test_schemathesis.py covers them too, without such rows to find).

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
from gongkai.reports import assessment, documents, windows
from gongkai.reports.assessment import Spec

from .test_schemathesis import CHECKS, CONFIG, RUN

pytestmark = pytest.mark.fuzz

KNOWN: dict[str, list[Any]] = {"ids": []}


@pytest.fixture
def seeded(db, people, tree, settings, tmp_path) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    report = documents.produce(tree.town, actor=people.office, window=windows.half_year(2026, 1))
    plan = assessment.create_plan(
        tree.town,
        actor=people.office,
        title="考核",
        window=windows.year(2026),
        criteria=[Spec("on_time_rate", 50), Spec("content", 50)],
        public_summary=True,
    )
    assessment.add_assessor(plan, actor=people.office, user=people.superior_reviewer)
    assessment.open_scoring(plan, actor=people.office)
    KNOWN["ids"] = [report.pk, plan.pk]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def office_token(people) -> str:
    _token, key = tokens.issue(people.office, label="schemathesis")
    return key


schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", WSGIHandler(), config=CONFIG
).include(path_regex=r"^/api/v1/(reports|assessments)")


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    if not isinstance(path_parameters, dict) or "id" not in path_parameters:
        return st.just(path_parameters)
    return st.sampled_from([path_parameters["id"], *KNOWN["ids"]]).map(
        lambda pk: {**path_parameters, "id": pk}
    )


@schema.parametrize()
@RUN
def test_the_public_never_gets_a_server_error(case, seeded):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@RUN
def test_the_office_never_gets_a_server_error(case, seeded, office_token):
    case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Bearer {office_token}"})
