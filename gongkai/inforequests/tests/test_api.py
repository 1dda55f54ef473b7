"""The API plays a request through the same functions as the pages."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from gongkai.api import tokens
from gongkai.inforequests import annual, services
from gongkai.inforequests.models import InformationRequest

from .conftest import APPLICANT, on

D = dt.date
pytestmark = pytest.mark.django_db
API = "/api/v1/information-requests"


def _as(person):
    _token, key = tokens.issue(person, label="test")
    return {"Authorization": f"Bearer {key}"}


def _post(client, url, payload, headers=None):
    return client.post(url, payload, content_type="application/json", headers=headers or {})


def test_a_request_through_the_api_from_submission_to_confirmation_and_appeal(tree, people):
    client = Client()
    clerk, superior = _as(people.clerk), _as(people.superior_reviewer)
    with on(D(2026, 9, 21)):
        made = _post(
            client, f"{API}/", {"organization": "QS-01", **APPLICANT, "description": "会议纪要"}
        )
    assert made.status_code == 201
    body = json.loads(made.content)
    assert body["due_on"] == "2026-10-26" and "applicant_name" not in body
    pk = InformationRequest.objects.get().pk
    with on(D(2026, 9, 28)):
        r = _post(client, f"{API}/{pk}/supplement", {"reason": "请写明时间"}, clerk)
        assert r.status_code == 200 and json.loads(r.content)["due_on"] is None
        assert _post(client, f"{API}/{pk}/supplement", {"reason": "再补"}, clerk).status_code == 400
    with on(D(2026, 10, 9)):
        r = _post(client, f"{API}/{pk}/supplement-received", {}, clerk)
        assert json.loads(r.content)["due_on"] == "2026-11-05"
        decision = {
            "outcome": "partly",
            "reply_text": "公开决定部分",
            "refusal_reason": "internal",
            "legal_basis": "条例第十一条",
        }
        r = _post(client, f"{API}/{pk}/decision", decision, clerk)
        assert json.loads(r.content)["state"] == "confirmation"
        assert _post(client, f"{API}/{pk}/confirmation", {}, clerk).status_code == 403
        r = _post(client, f"{API}/{pk}/confirmation", {}, superior)
        assert r.status_code == 200 and json.loads(r.content)["state"] == "answered"
        code = json.loads(r.content)["tracking_code"]
        tracked = client.get(f"{API}/track/{code}")
        assert json.loads(tracked.content)["outcome_label"] == "部分公开"
        stats = client.get(
            f"{API}/statistics", {"organization": "QS", "year": "2026"}, headers=_as(people.office)
        )
    rows = {row["label"]: row["count"] for row in json.loads(stats.content)["rows"]}
    assert rows["部分公开（区分处理的）"] == 1
    request = InformationRequest.objects.get()
    services.record_appeal(request, actor=people.clerk, appeal="review", result="upheld")
    table = annual.table(tree.town, 2026, subtree=True)
    assert table.appeals["review"]["upheld"] == 1
