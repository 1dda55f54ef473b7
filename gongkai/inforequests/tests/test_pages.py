"""The public form, acknowledgement and tracking; the console's list, detail, actions,
filings and statistics (Excel read back); bad input kept and refused in Chinese."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from gongkai.conftest import client_for, grant
from gongkai.disclosures.tests.conftest import published
from gongkai.guard.limits import Limit
from gongkai.inforequests import services
from gongkai.inforequests.models import InformationRequest, Outcome, State
from gongkai.organizations.models import Role

from .conftest import APPLICANT, application, on

D = dt.date
pytestmark = pytest.mark.django_db

FORM = {
    **APPLICANT,
    "description": "村委会研究办公楼修缮的会议纪要",
    "purpose": "了解修缮决定",
    "preferred_form": "paper",
}


def test_the_public_asks_gets_a_receipt_and_tracks_it(tree):
    client = Client()
    with on(D(2026, 9, 21)):
        page = client.get("/o/QS-01/request/")
        assert page.status_code == 200 and "依申请公开" in page.content.decode()
        response = client.post("/o/QS-01/request/", FORM, follow=True)
    text = response.content.decode()
    r = InformationRequest.objects.get()
    assert response.status_code == 200
    assert services.tracking_display(r) in text
    assert "2026年10月26日" in text  # the deadline
    assert r.applicant_name == "周申请" and r.received_on == D(2026, 9, 21)
    with on(D(2026, 9, 22)):
        tracked = client.get("/requests/track/", {"code": r.tracking_code.lower()})
    assert tracked.status_code == 200
    assert "办理中" in tracked.content.decode()
    assert "周申请" not in tracked.content.decode()


def test_a_refused_form_keeps_what_was_typed_and_says_why_in_chinese(tree):
    client = Client()
    bad = {**FORM, "name": "周\x00申请", "description": "x" * 3000}
    response = client.post("/o/QS-01/request/", bad)
    assert response.status_code == 400
    text = response.content.decode()
    assert "青石镇东岭村3组12号" in text  # the address typed is still there
    assert "请更正" in text
    assert InformationRequest.objects.count() == 0


def test_a_nul_in_the_address_or_the_code_is_not_a_server_error(tree):
    client = Client()
    assert client.get("/o/QS%00/request/").status_code in (400, 404)
    assert client.get("/requests/track/", {"code": "AB\x00C"}).status_code in (400, 404)


def test_too_many_requests_from_one_address_are_refused_with_the_form_kept(tree, settings):
    settings.GUARD_LIMITS = {
        "request": Limit(per_address=1, soft=1, per_organization=100, window_seconds=3600)
    }
    client = Client()
    assert client.post("/o/QS-01/request/", FORM).status_code == 302
    refused = client.post("/o/QS-01/request/", {**FORM, "description": "第二份申请"})
    assert refused.status_code == 429
    assert "第二份申请" in refused.content.decode()
    assert InformationRequest.objects.count() == 1


def test_a_member_sees_their_own_requests(tree, people):
    client = client_for(people.member)
    with on(D(2026, 9, 21)):
        client.post("/o/QS-01/request/", FORM)
        page = client.get("/me/requests/")
    r = InformationRequest.objects.get()
    assert r.applicant_account == people.member
    assert page.status_code == 200, page
    assert services.tracking_display(r) in page.content.decode()


def test_the_console_handles_a_request_through_every_form(tree, people):
    with on(D(2026, 9, 21)):
        r = services.receive(tree.village, application())
    clerk = client_for(people.clerk)
    with on(D(2026, 9, 28)):
        listing = clerk.get("/console/requests/")
        assert services.tracking_display(r) in listing.content.decode()
        detail = clerk.get(f"/console/requests/{r.pk}/")
        assert "11010519491231002X" in detail.content.decode()
        assert (
            clerk.post(
                f"/console/requests/{r.pk}/act/supplement", {"reason": "请说明时间"}
            ).status_code
            == 302
        )
        assert (
            clerk.post(f"/console/requests/{r.pk}/act/supplement_received", {}).status_code == 302
        )
        refused = clerk.post(
            f"/console/requests/{r.pk}/act/decide",
            {"outcome": "partly", "reply_text": "公开决定部分", "legal_basis": ""},
        )
        assert refused.status_code == 400
        assert "公开决定部分" in refused.content.decode()  # kept
        assert "理由类别" in refused.content.decode()
        ok = clerk.post(
            f"/console/requests/{r.pk}/act/decide",
            {
                "outcome": "partly",
                "reply_text": "公开决定部分",
                "refusal_reason": "internal",
                "legal_basis": "党务公开条例第十一条",
            },
        )
        assert ok.status_code == 302
        # The clerk cannot confirm; the town's reviewer can.
        assert clerk.post(f"/console/requests/{r.pk}/act/confirm", {}).status_code == 400
        superior = client_for(people.superior_reviewer)
        assert superior.post(f"/console/requests/{r.pk}/act/confirm", {}).status_code == 302
    r.refresh_from_db()
    assert r.state == State.ANSWERED and r.outcome == Outcome.PARTLY


def test_the_filing_is_seen_above_never_beside(tree, people):
    with on(D(2026, 9, 21)):
        r = services.receive(tree.village, application())
    code = services.tracking_display(r)
    filing = client_for(people.office).get("/console/requests/filings/").content.decode()
    assert code in filing and "已收到" in filing  # each request with its steps
    assert (
        code
        in client_for(people.superior_reviewer).get("/console/requests/filings/").content.decode()
    )
    assert client_for(people.office).get(f"/console/requests/{r.pk}/").status_code == 200
    for person in (people.supervisor, people.member, people.outsider):
        client = client_for(person)
        assert client.get(f"/console/requests/{r.pk}/").status_code in (403, 404)


def test_the_yearly_table_and_its_excel_file(tree, people):
    grant(people.clerk, tree.sibling_village, Role.Kind.CLERK)
    with on(D(2025, 12, 29)):
        services.receive(tree.village, application())  # carried over into 2026
    with on(D(2026, 3, 2)):
        a = services.receive(tree.village, application())
        b = services.receive(tree.sibling_village, application())
        services.receive(tree.village, application())  # still open at the year's end
    with on(D(2026, 3, 10)):
        services.decide(a, actor=people.clerk, decision=services.Decision(outcome=Outcome.NOT_HELD))
        services.decide(
            b,
            actor=people.clerk,
            decision=services.Decision(outcome=Outcome.DISCLOSED, reply_text="见附件"),
        )
    with on(D(2026, 12, 1)):
        response = client_for(people.office).get(
            "/console/requests/statistics.xlsx", {"org": "QS", "year": "2026"}
        )
        page = client_for(people.office).get(
            "/console/requests/statistics/", {"org": "QS", "year": "2026"}
        )
    assert page.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = {str(row[0]).strip(): row[1] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert values["一、本年新收政府信息公开申请数量"] == 3
    assert values["二、上年结转申请数量"] == 1
    assert values["三、本年度办理结果：予以公开"] == 1
    assert values["无法提供：本机关不掌握相关信息"] == 1
    assert values["四、结转下年度继续办理"] == 2
    assert "周申请" not in str(list(sheet.iter_rows(values_only=True)))


def test_the_tracking_page_links_a_disclosure_only_once_the_public_may_read_it(tree, people, draft):
    r = services.receive(tree.village, application())
    r = services.decide(
        r,
        actor=people.clerk,
        decision=services.Decision(outcome=Outcome.DISCLOSED, disclosure=draft),
    )
    assert services.public_view(r)["disclosure_id"] is None
    published(people, draft)
    r.refresh_from_db()
    view = services.public_view(r)
    assert view["disclosure_id"] == draft.pk
    page = Client().get("/requests/track/", {"code": r.tracking_code}).content.decode()
    assert f"/d/{draft.pk}/" in page


def test_staff_record_a_request_that_came_by_letter(tree, people):
    clerk = client_for(people.clerk)
    data = {**FORM, "channel": "letter", "received_on": "2026-09-21"}
    with on(D(2026, 9, 23)):
        assert clerk.get("/console/requests/new").status_code == 200
        future = clerk.post("/console/requests/new", {**data, "received_on": "2026-09-30"})
        assert future.status_code == 400 and "青石镇东岭村3组12号" in future.content.decode()
        response = clerk.post("/console/requests/new", data)
    assert response.status_code == 302
    r = InformationRequest.objects.get()
    assert (r.channel, r.received_on, r.due_on) == ("letter", D(2026, 9, 21), D(2026, 10, 26))
    assert client_for(people.supervisor).get("/console/requests/new").status_code == 403


def test_the_lists_query_the_same_for_two_requests_or_ten(tree, people):
    clerk, office = client_for(people.clerk), client_for(people.office)
    counts = []
    for n in (2, 10):
        with on(D(2026, 9, 21)):
            while InformationRequest.objects.count() < n:
                services.receive(tree.village, application())
            for client, url in (
                (clerk, "/console/requests/"),
                (office, "/console/requests/filings/"),
            ):
                client.get(url)  # warm the session and the calendar
                with CaptureQueriesContext(connection) as queries:
                    assert client.get(url).status_code == 200
                counts.append(len(queries))
    assert counts[:2] == counts[2:]
