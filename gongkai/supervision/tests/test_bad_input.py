"""Bad input — a NUL character, text over its bound, a lone surrogate, a forged file, an
unknown step or number — gives a Chinese message and never a 500, on the console's forms
and in the API (run on PostgreSQL too: scripts/with-postgres.sh)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gongkai.api import tokens
from gongkai.conftest import client_for
from gongkai.supervision import workflow
from gongkai.supervision.models import Finding

from .conftest import png

BAD_TEXTS = ["东岭\x00村", "公" * 2001, "\ud800半个字"]
#: A form post cannot carry a lone surrogate (the test client cannot even encode one; what a
#: browser sends is UTF-8 bytes, decoded with replacement): the API's JSON can.
FORM_BAD_TEXTS = BAD_TEXTS[:2]


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("bad", FORM_BAD_TEXTS)
def test_the_console_forms_refuse_bad_text_in_chinese(people, tree, finding, bad):
    c = client_for(people.supervisor)
    before = Finding.objects.count()
    response = c.post(
        f"/console/supervision/findings/new/{tree.village.code}",
        {"category": "content", "description": bad, "deadline_days": "10"},
    )
    assert response.status_code == 200
    assert Finding.objects.count() == before
    assert 'role="alert"' in response.content.decode()
    rectify = client_for(people.clerk).post(
        f"/console/supervision/findings/{finding.pk}/act/rectified", {"text": bad}
    )
    assert rectify.status_code == 400
    finding.refresh_from_db()
    assert finding.state == "open"


@pytest.mark.parametrize(
    "path",
    [
        "/console/supervision/orgs/QS\x0001/",
        "/console/supervision/orgs/%00/log",
        "/console/supervision/findings/new/QS-01%00",
        "/console/supervision/findings/99999999999999999999/",
        "/console/supervision/findings/1/act/delete",
        "/o/QS%0001/supervision/",
        "/o/" + "x" * 300 + "/supervision/",
    ],
)
def test_bad_addresses_are_not_found(people, path):
    response = client_for(people.supervisor).get(path)
    assert response.status_code in (400, 404, 405)


@pytest.mark.parametrize("days", ["0", "61", "-1", "1e9", "十", "9" * 30])
def test_a_bad_deadline_is_refused(people, tree, days):
    response = client_for(people.supervisor).post(
        f"/console/supervision/findings/new/{tree.village.code}",
        {"category": "content", "description": "问题", "deadline_days": days},
    )
    assert response.status_code == 200
    assert not Finding.objects.exists()


def test_a_forged_photo_is_refused_by_its_bytes(people, tree, media):
    forged = SimpleUploadedFile("board.png", b"MZ\x90\x00 not a picture", content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        workflow.file_finding(
            tree.village,
            actor=people.supervisor,
            category="form",
            description="栏目不规范",
            uploads=[forged],
        )
    assert _chinese(str(refused.value.messages[0])) or "board.png" in refused.value.messages[0]
    assert not Finding.objects.exists()


def test_an_oversized_file_is_refused(people, tree, media, settings):
    settings.GONGKAI_MAX_ATTACHMENT_BYTES = 20
    with pytest.raises(ValidationError):
        workflow.file_finding(
            tree.village,
            actor=people.supervisor,
            category="form",
            description="栏目不规范",
            uploads=[png()],
        )
    assert not Finding.objects.exists()


def test_a_photo_is_kept_and_served_only_to_who_handles_it(people, tree, oversight, media):
    made = workflow.file_finding(
        tree.village,
        actor=people.supervisor,
        category="content",
        description="旧党费表",
        uploads=[png()],
    )
    row = made.attachments.get()
    assert (row.kind, row.purpose) == ("png", "evidence")
    url = f"/console/supervision/findings/{made.pk}/files/{row.pk}"
    served = client_for(people.clerk).get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert client_for(oversight.other_supervisor).get(url).status_code == 404


# --- the API ---------------------------------------------------------------------------------


def _api(user):
    key = tokens.issue(user, label="t")[1]
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.mark.parametrize("bad", BAD_TEXTS)
def test_the_api_refuses_bad_text_in_chinese(people, tree, oversight, finding, bad):
    c = Client()
    for path, payload, user in [
        (
            "/api/v1/findings/",
            {"organization": "QS-01", "category": "content", "description": bad},
            people.supervisor,
        ),
        (f"/api/v1/findings/{finding.pk}/rectify", {"text": bad}, people.clerk),
        (
            "/api/v1/accountability/",
            {
                "organization": "QS-01",
                "deciding_organization": "QS",
                "person_name": bad,
                "person_position": "书记",
                "measure": "criticism",
                "facts": "逾期",
                "decision_date": "2026-11-02",
                "scope": "party",
                "finding_ids": [finding.pk],
            },
            oversight.discipline,
        ),
    ]:
        response = c.post(path, payload, content_type="application/json", **_api(user))
        assert response.status_code == 422, (path, response.content)
        assert _chinese(response.json()["detail"])
    assert Finding.objects.count() == 1


def test_the_api_steps_and_their_refusals(people, tree, oversight, media):
    c = Client()
    made = c.post(
        "/api/v1/findings/",
        {
            "organization": "QS-01",
            "category": "timing",
            "description": "未按期公开",
            "deadline_days": 5,
        },
        content_type="application/json",
        **_api(people.supervisor),
    )
    assert made.status_code == 201
    pk = made.json()["id"]
    assert made.json()["allowed_actions"] == []
    # The clerk cannot confirm; the supervisor cannot rectify: 403 with a Chinese sentence.
    refused = c.post(
        f"/api/v1/findings/{pk}/rectify",
        {"text": "已整改"},
        content_type="application/json",
        **_api(people.supervisor),
    )
    assert refused.status_code == 403 and _chinese(refused.json()["detail"])
    done = c.post(
        f"/api/v1/findings/{pk}/rectify",
        {"text": "已整改"},
        content_type="application/json",
        **_api(people.clerk),
    )
    assert done.status_code == 200 and done.json()["state"] == "rectified"
    early = c.post(
        f"/api/v1/findings/{pk}/publish",
        {"scope": "public"},
        content_type="application/json",
        **_api(people.supervisor),
    )
    assert early.status_code == 400 and _chinese(early.json()["detail"])
    ok = c.post(
        f"/api/v1/findings/{pk}/confirm",
        {},
        content_type="application/json",
        **_api(people.supervisor),
    )
    assert ok.json()["state"] == "confirmed"
    out = c.post(
        f"/api/v1/findings/{pk}/publish",
        {"scope": "public"},
        content_type="application/json",
        **_api(people.supervisor),
    )
    assert out.status_code == 200 and out.json()["published_at"]
    # Outside the caller's reach it does not exist.
    assert c.get(f"/api/v1/findings/{pk}", **_api(oversight.other_supervisor)).status_code == 404


def test_the_api_records_reads_are_logged(people, tree, draft):
    from gongkai.disclosures import workflow as disclosure_workflow
    from gongkai.supervision.models import SupervisionView

    disclosure_workflow.submit(draft, actor=people.clerk)
    c = Client()
    assert (
        c.get(
            "/api/v1/supervision/organizations/QS-01/records", **_api(people.supervisor)
        ).status_code
        == 200
    )
    assert (
        c.get(f"/api/v1/supervision/disclosures/{draft.pk}", **_api(people.supervisor)).status_code
        == 200
    )
    assert (
        c.get("/api/v1/supervision/organizations/QS-01/records", **_api(people.clerk)).status_code
        == 404
    )
    assert list(SupervisionView.objects.order_by("pk").values_list("what", "surface")) == [
        ("records", "api"),
        ("disclosure", "api"),
    ]


def test_a_future_decision_date_is_refused(people, tree, oversight, finding):
    with pytest.raises(ValidationError):
        workflow.record_accountability(
            tree.village,
            actor=oversight.discipline,
            deciding=tree.town,
            person_name="某",
            person_position="书记",
            measure="criticism",
            facts="逾期",
            decision_date=dt.date(2099, 1, 1),
            scope="party",
            findings=[finding],
        )
