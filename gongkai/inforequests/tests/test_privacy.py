"""An applicant's name, phone and ID number appear nowhere public: a planted crawler walks the
public site and the public API as the public, a member and an outsider; the export and the
ledger hold none of it; only the handling staff and the filing see it."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.apps import apps
from django.core import serializers
from django.test import Client
from openpyxl import load_workbook

from gongkai.api import tokens
from gongkai.conftest import client_for
from gongkai.devtools.crawl import crawl
from gongkai.inforequests import services
from gongkai.inforequests.models import Outcome, RefusalReason

from .conftest import APPLICANT, application, on

D = dt.date
pytestmark = pytest.mark.django_db

SECRETS = (APPLICANT["name"], APPLICANT["phone"], APPLICANT["id_number"], APPLICANT["address"])


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


@pytest.fixture
def planted(tree, people):
    """Two requests: one answered in part (confirmed), one open; the first from a member."""
    with on(D(2026, 9, 21)):
        answered = services.receive(
            tree.village,
            application(description="会议纪要 联系我13912345678"),
            account=people.member,
        )
        services.receive(tree.village, application())
    with on(D(2026, 9, 28)):
        services.decide(
            answered,
            actor=people.clerk,
            decision=services.Decision(
                outcome=Outcome.PARTLY,
                reply_text="周申请：公开决定部分，寄至青石镇东岭村3组12号",
                refusal_reason=RefusalReason.INTERNAL,
                legal_basis="党务公开条例第十一条",
            ),
        )
        services.confirm(answered, actor=people.superior_reviewer)
    answered.refresh_from_db()
    return answered


def test_the_public_site_never_shows_the_applicant(planted, people):
    code = services.tracking_display(planted)
    starts = [
        "/",
        "/o/QS-01/",
        "/o/QS/",
        "/o/QS-01/request/",
        f"/requests/track/?code={code}",
        "/search?q=纪要",
        "/ledger/YL/",
        "/me/",
        "/me/requests/",
    ]
    for client in (Client(), client_for(people.member), client_for(people.outsider)):
        with on(D(2026, 10, 1)):
            pages = crawl(client, starts, limit=150).pages
        assert len(pages) > 5
        leaks = {url: _leaks(body) for url, body in pages.items() if _leaks(body)}
        assert leaks == {}
    # The tracking page did answer, with the state and the answer.
    with on(D(2026, 10, 1)):
        tracked = Client().get("/requests/track/", {"code": code}).content.decode()
    assert "部分公开" in tracked and "联系我***" in tracked and "***：公开决定部分" in tracked


def test_the_public_api_never_shows_the_applicant(planted, people):
    client = Client()
    code = services.tracking_display(planted)
    with on(D(2026, 10, 1)):
        tracked = client.get(f"/api/v1/information-requests/track/{code}")
        submitted = client.post(
            "/api/v1/information-requests/",
            {"organization": "QS-01", **APPLICANT, "description": "党费收缴情况"},
            content_type="application/json",
        )
    assert tracked.status_code == 200 and submitted.status_code == 201
    for response in (tracked, submitted):
        assert _leaks(response.content.decode()) == []
    # Staff endpoints: nothing without a token, 404 for people outside the handling and filing.
    assert client.get(f"/api/v1/information-requests/{planted.pk}").status_code == 401
    for person in (people.member, people.outsider, people.supervisor):
        _token, key = tokens.issue(person, label="privacy")
        headers = {"Authorization": f"Bearer {key}"}
        one = client.get(f"/api/v1/information-requests/{planted.pk}", headers=headers)
        listed = client.get("/api/v1/information-requests/", headers=headers)
        filed = client.get("/api/v1/information-requests/?filed=true", headers=headers)
        assert one.status_code == 404
        assert _leaks(listed.content.decode() + filed.content.decode()) == []
    for person in (people.clerk, people.office):
        _token, key = tokens.issue(person, label="privacy")
        one = client.get(
            f"/api/v1/information-requests/{planted.pk}",
            headers={"Authorization": f"Bearer {key}"},
        )
        assert one.status_code == 200 and json.loads(one.content)["applicant_name"] == "周申请"


def test_the_export_and_the_ledger_hold_nothing_of_the_applicant(planted, people):
    with on(D(2026, 10, 1)):
        excel = client_for(people.office).get(
            "/console/requests/statistics.xlsx", {"org": "QS", "year": "2026"}
        )
    assert excel.status_code == 200
    cells = str(list(load_workbook(io.BytesIO(excel.content)).active.iter_rows(values_only=True)))
    assert _leaks(cells) == []
    for model in apps.get_app_config("ledger").get_models():
        dumped = serializers.serialize("json", model._default_manager.all())
        assert _leaks(json.loads(json.dumps(dumped))) == [], model


def test_staff_and_the_filing_see_the_applicant(planted, people):
    for person in (people.clerk, people.reviewer, people.office, people.superior_reviewer):
        with on(D(2026, 10, 1)):
            page = client_for(person).get(f"/console/requests/{planted.pk}/").content.decode()
        assert APPLICANT["id_number"] in page and APPLICANT["phone"] in page, person


def test_other_personal_numbers_in_public_texts_are_masked_by_the_scanner(tree):
    with on(D(2026, 9, 21)):
        r = services.receive(tree.village, application(description="请核实13800001111的缴费记录"))
        shown = services.public_view(r)["description"]
    assert "13800001111" not in shown and "138****1111" in shown
