"""The finding's life through the console's pages, as people click it: the supervisor files
with a photo, the clerk records the rectification with the corrected board's photo, the
supervisor confirms and publishes; each page offers only the step its reader may take."""

from __future__ import annotations

from django.test import Client

from gongkai.conftest import client_for
from gongkai.supervision.models import Finding, FindingState

from .conftest import png


def _forms(page: str) -> set[str]:
    return {
        action
        for action in ("rectified", "confirmed", "reopened", "published")
        if f"/act/{action}" in page
    }


def test_a_finding_from_filing_to_the_published_result(people, tree, oversight, media):
    supervisor, clerk = client_for(people.supervisor), client_for(people.clerk)
    form = supervisor.get(f"/console/supervision/findings/new/{tree.village.code}")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.content.decode()
    filed = supervisor.post(
        f"/console/supervision/findings/new/{tree.village.code}",
        {
            "category": "content",
            "description": "公开栏仍张贴去年的党费收缴情况",
            "deadline_days": "10",
            "uploads": [png("现状.png")],
        },
    )
    finding = Finding.objects.get()
    assert filed.status_code == 302 and filed["Location"].endswith(f"/findings/{finding.pk}/")
    assert finding.attachments.get().name == "现状.png"
    url = f"/console/supervision/findings/{finding.pk}/"
    assert _forms(supervisor.get(url).content.decode()) == set()
    assert _forms(clerk.get(url).content.decode()) == {"rectified"}

    clerk.post(
        url + "act/rectified",
        {"text": "已换贴本年度党费收缴情况", "uploads": [png("更新后.png", "green")]},
    )
    finding.refresh_from_db()
    assert finding.state == FindingState.RECTIFIED
    assert sorted(finding.attachments.values_list("purpose", flat=True)) == [
        "evidence",
        "rectification",
    ]
    assert _forms(clerk.get(url).content.decode()) == set()
    assert _forms(supervisor.get(url).content.decode()) == {"confirmed", "reopened"}

    # The clerk cannot confirm their own rectification.
    assert clerk.post(url + "act/confirmed", {"note": ""}).status_code == 403
    supervisor.post(url + "act/confirmed", {"note": "现场查看属实"})
    assert _forms(supervisor.get(url).content.decode()) == {"published"}
    supervisor.post(url + "act/published", {"scope": "public"})
    finding.refresh_from_db()
    assert finding.published_at is not None
    assert _forms(supervisor.get(url).content.decode()) == set()

    public = Client().get(f"/o/{tree.village.code}/supervision/").content.decode()
    assert "公开栏仍张贴去年的党费收缴情况" in public and "已换贴本年度党费收缴情况" in public
    assert "监督检查结果" in Client().get(f"/o/{tree.village.code}/").content.decode()


def test_a_refused_step_keeps_what_was_typed(people, tree, oversight, finding):
    response = client_for(people.clerk).post(
        f"/console/supervision/findings/{finding.pk}/act/rectified", {"text": "公" * 2001}
    )
    assert response.status_code == 400
    assert "公" * 2001 in response.content.decode()


def test_the_supervisor_home_lists_assigned_organizations_and_open_findings(
    people, tree, oversight, finding
):
    page = client_for(people.supervisor).get("/console/supervision/").content.decode()
    assert tree.village.name in page and tree.sibling_village.name in page
    assert tree.unrelated_village.name not in page
    assert "公开栏仍张贴去年的党费收缴情况" in page


def test_the_discipline_secretary_records_accountability_through_the_form(
    people, tree, oversight, finding
):
    c = client_for(oversight.discipline)
    assert c.get("/console/supervision/accountability/new").status_code == 200
    response = c.post(
        "/console/supervision/accountability/new",
        {
            "organization": tree.village.pk,
            "person_name": "孙某",
            "person_position": "东岭村党支部书记",
            "measure": "reminder_talk",
            "facts": "公开栏内容长期未更新",
            "decision_date": "2026-11-02",
            "scope": "party",
            "findings": [finding.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "孙某" in c.get("/console/supervision/accountability/").content.decode()
    # Nobody else decides: the form is refused outright.
    assert (
        client_for(people.supervisor).get("/console/supervision/accountability/new").status_code
        == 403
    )


def test_the_admin_lists_every_supervision_model(people, finding):
    admin = client_for(people.admin)
    for model in ("supervisiongroup", "finding", "accountabilityrecord", "supervisionview"):
        assert admin.get(f"/admin/supervision/{model}/").status_code == 200, model
    assert admin.get("/admin/supervision/supervisiongroup/add/").status_code == 200
    assert admin.get(f"/admin/supervision/finding/{finding.pk}/change/").status_code == 200


def test_from_a_finding_the_discipline_secretary_records_accountability(people, oversight, finding):
    page = client_for(oversight.discipline).get(f"/console/supervision/findings/{finding.pk}/")
    link = f"/console/supervision/accountability/new?finding={finding.pk}"
    assert link in page.content.decode()
    assert (
        link
        not in client_for(people.supervisor)
        .get(f"/console/supervision/findings/{finding.pk}/")
        .content.decode()
    )
    form = client_for(oversight.discipline).get(link).content.decode()
    import re

    boxes = re.findall(r'<input type="checkbox" name="findings"[^>]*>', form)
    assert [b for b in boxes if f'value="{finding.pk}"' in b and "checked" in b]
