"""Who may read and do what, per role and relation to the organization: a table per question.

The village (QS-01) is supervised by the town's supervisor (a role at the town reaching its
subtree) and by the town's discipline secretary; the other town's supervisor and discipline
secretary reach nothing of it. Every read of the records pages writes one log row, and a
refused read writes none.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from gongkai.conftest import client_for
from gongkai.disclosures import workflow as disclosure_workflow
from gongkai.disclosures.models import Disclosure, State
from gongkai.supervision import workflow
from gongkai.supervision.models import FindingState, SupervisionView

from .conftest import CHECKLIST


def persona(people: Any, oversight: Any, name: str) -> Any:
    if name == "anonymous":
        return None
    return getattr(oversight, name, None) or getattr(people, name)


def client(people: Any, oversight: Any, name: str) -> Client:
    user = persona(people, oversight, name)
    return Client() if user is None else client_for(user)


# persona → status of GET /console/supervision/orgs/QS-01/ (302: to the sign-in page)
READ_RECORDS = [
    ("supervisor", 200),
    ("discipline", 200),
    ("other_supervisor", 403),
    ("other_discipline", 403),
    ("clerk", 403),
    ("principal", 403),
    ("reviewer", 403),
    ("office", 403),
    ("superior_reviewer", 403),
    ("member", 403),
    ("outsider", 403),
    ("admin", 403),
    ("anonymous", 302),
]


@pytest.mark.parametrize(("name", "status"), READ_RECORDS)
def test_who_reads_the_village_records_and_every_read_is_logged(
    people, oversight, tree, draft, name, status
):
    disclosure_workflow.submit(draft, actor=people.clerk)
    c = client(people, oversight, name)
    pages = [
        f"/console/supervision/orgs/{tree.village.code}/",
        f"/console/supervision/disclosures/{draft.pk}/",
    ]
    for url in pages:
        response = c.get(url)
        assert response.status_code == status, url
    logged = SupervisionView.objects.filter(organization=tree.village)
    if status == 200:
        reader = persona(people, oversight, name)
        assert list(logged.order_by("pk").values_list("viewer", "what", "object_id")) == [
            (reader.pk, "records", tree.village.pk),
            (reader.pk, "disclosure", draft.pk),
        ]
    else:
        assert not logged.exists()


def test_the_records_show_in_review_and_party_internal_work_but_not_a_clerks_draft(
    people, tree, draft, village_catalog
):
    from .conftest import item_key

    internal = disclosure_workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "dues"),
        title="党费收缴情况（党内）",
    )
    disclosure_workflow.submit(internal, actor=people.clerk)
    untouched = disclosure_workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "phones"),
        title="尚未提交的草稿",
    )
    page = client_for(people.supervisor).get(f"/console/supervision/orgs/{tree.village.code}/")
    text = page.content.decode()
    assert "党费收缴情况（党内）" in text
    assert "尚未提交的草稿" not in text
    assert (
        client_for(people.supervisor)
        .get(f"/console/supervision/disclosures/{untouched.pk}/")
        .status_code
        == 404
    )


def test_the_records_pages_refuse_every_post_and_carry_no_action(people, tree, draft):
    disclosure_workflow.submit(draft, actor=people.clerk)
    c = client_for(people.supervisor)
    for url in (
        f"/console/supervision/orgs/{tree.village.code}/",
        f"/console/supervision/disclosures/{draft.pk}/",
    ):
        assert c.post(url).status_code == 405
        page = c.get(url).content.decode()
        assert f"disclosures/{draft.pk}/act/" not in page


# The supervisor may not move, edit or attach to anything, anywhere in the console.
MOVES = ["submit", "review", "return", "approve", "publish", "withdraw", "correct"]


@pytest.mark.parametrize("action", MOVES)
def test_a_supervisor_edits_nothing(people, tree, draft, action):
    disclosure_workflow.submit(draft, actor=people.clerk)
    c = client_for(people.supervisor)
    before = Disclosure.objects.get(pk=draft.pk).state
    response = c.post(
        f"/console/disclosures/{draft.pk}/act/{action}",
        {"reason": "监督员不应能操作", **{f"check_{k}": "on" for k in CHECKLIST}},
    )
    assert response.status_code in (400, 403)
    assert Disclosure.objects.get(pk=draft.pk).state == before == State.SUBMITTED
    assert c.post(f"/console/disclosures/{draft.pk}/edit", {"title": "改"}).status_code in (
        403,
        404,
    )
    assert Disclosure.objects.get(pk=draft.pk).title == draft.title
    assert c.post(f"/console/orgs/{tree.village.code}/edit", {"name": "改名"}).status_code == 403


# persona → may file a finding about the village / record its rectification / confirm it
ACTS = [
    ("supervisor", True, False, True),
    ("discipline", True, False, True),
    ("other_supervisor", False, False, False),
    ("other_discipline", False, False, False),
    ("clerk", False, True, False),
    ("principal", False, True, False),
    ("reviewer", False, True, False),
    ("office", False, False, False),
    ("member", False, False, False),
    ("outsider", False, False, False),
]


@pytest.mark.parametrize(("name", "files", "rectifies", "confirms"), ACTS)
def test_who_acts_on_a_finding(people, oversight, tree, finding, name, files, rectifies, confirms):
    user = persona(people, oversight, name)

    def tries(step: Any) -> bool:
        try:
            step()
        except PermissionDenied:
            return False
        return True

    assert (
        tries(
            lambda: workflow.file_finding(
                tree.village, actor=user, category="form", description="栏目不统一"
            )
        )
        is files
    )
    assert tries(lambda: workflow.rectify(finding, actor=user, text="已整改")) is rectifies
    finding.refresh_from_db()
    if finding.state != FindingState.RECTIFIED:
        workflow.rectify(finding, actor=people.clerk, text="已整改")
    assert tries(lambda: workflow.confirm(finding, actor=user)) is confirms


# persona → may read the village's view log
VIEW_LOG = [
    ("principal", 200),
    ("office", 200),
    ("discipline", 200),
    ("admin", 200),
    ("other_discipline", 403),
    ("supervisor", 403),
    ("clerk", 403),
    ("reviewer", 403),
    ("outsider", 403),
]


@pytest.mark.parametrize(("name", "status"), VIEW_LOG)
def test_who_reads_the_view_log(people, oversight, tree, name, status):
    client_for(people.supervisor).get(f"/console/supervision/orgs/{tree.village.code}/")
    response = client(people, oversight, name).get(
        f"/console/supervision/orgs/{tree.village.code}/log"
    )
    assert response.status_code == status
    if status == 200:
        assert people.supervisor.display_name in response.content.decode()


# persona → sees the finding at work (console page, API detail)
HANDLES = [
    ("supervisor", True),
    ("discipline", True),
    ("clerk", True),
    ("principal", True),
    ("office", True),
    ("other_supervisor", False),
    ("other_discipline", False),
    ("outsider", False),
]


@pytest.mark.parametrize(("name", "sees"), HANDLES)
def test_who_sees_a_finding_at_work(people, oversight, finding, name, sees):
    response = client(people, oversight, name).get(f"/console/supervision/findings/{finding.pk}/")
    # Outside the console altogether (no staff role): 403 before any finding is looked up.
    assert response.status_code == (200 if sees else 403 if name == "outsider" else 404)
    listed = client(people, oversight, name).get("/console/supervision/findings/")
    assert (finding.description in listed.content.decode()) is sees


@pytest.mark.parametrize(
    ("name", "logged"),
    [("supervisor", True), ("clerk", False), ("superior_reviewer", False), ("office", False)],
)
def test_the_consoles_own_disclosure_page_logs_a_supervisors_read_too(
    people, oversight, tree, draft, name, logged
):
    disclosure_workflow.submit(draft, actor=people.clerk)
    response = client(people, oversight, name).get(f"/console/disclosures/{draft.pk}/")
    assert response.status_code == 200
    rows = SupervisionView.objects.filter(organization=tree.village, what="disclosure")
    assert rows.exists() is logged


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("supervisor", {"监督概览", "问题与整改", "责任追究记录"}),
        ("discipline", {"监督概览", "问题与整改", "责任追究记录", "监督员查阅记录"}),
        ("clerk", {"问题与整改", "责任追究记录"}),
    ],
)
def test_the_menu_section_follows_the_roles(people, oversight, name, expected):
    import re

    html = client(people, oversight, name).get("/console/").content.decode()
    nav = re.search(r'<nav class="side.*?</nav>', html, re.S)
    assert nav is not None
    section = nav.group(0).split("<h2>监督检查</h2>")[1].split("<h2>")[0]
    assert set(re.findall(r"<a [^>]*>([^<]+)</a>", section)) == expected


def test_the_consoles_obligation_list_logs_a_supervisors_read(people, tree):
    assert (
        client_for(people.supervisor)
        .get(f"/console/orgs/{tree.village.code}/obligations/")
        .status_code
        == 200
    )
    assert (
        client_for(people.clerk).get(f"/console/orgs/{tree.village.code}/obligations/").status_code
        == 200
    )
    rows = SupervisionView.objects.filter(organization=tree.village)
    assert list(rows.values_list("viewer", "what")) == [(people.supervisor.pk, "records")]
