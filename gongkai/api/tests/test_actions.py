"""The workflow through the API: each action endpoint calls its one workflow function, which
moves the disclosure and writes the event; refusals are 400/403 in Chinese and change nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine

from gongkai.api.api import api
from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure, Event, Opinion, State

from .conftest import CHECKLIST, ApiClient, force_state, item_key, published

# The clock is fixed, so no date below depends on the day the suite runs. Publication can
# never be dated in the past: the tests schedule it ahead of NOW.
NOW = dt.datetime(2026, 9, 15, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
SOON = dt.date(2026, 9, 25)
LATER = SOON + dt.timedelta(days=30)

PAST = NOW - dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _fixed_clock():  # type: ignore[no-untyped-def]
    # Time runs on from NOW (tick), so events written one after another stay in order.
    with time_machine.travel(NOW):
        yield


@dataclass
class Move:
    action: str
    function: str
    persona: str
    #: (people, draft of a plain item, draft of a major item) -> the disclosure to move
    prepare: Callable[[Any, Disclosure, Disclosure], Disclosure]
    to_state: str
    payload: dict[str, Any] = field(default_factory=dict)
    #: The event the move writes, when its name differs from the action's.
    event: str | None = None


def submitted(people, d, major):
    return workflow.submit(d, actor=people.clerk)


def reviewed(people, d, major):
    return workflow.review(submitted(people, d, major), actor=people.reviewer, checklist=CHECKLIST)


def approved(people, d, major):
    return workflow.approve(reviewed(people, d, major), actor=people.reviewer)


def on_show(people, d, major):
    return published(people, d)


MOVES = [
    Move("submit", "submit", "clerk", lambda p, d, m: d, State.SUBMITTED),
    Move(
        "open_consultation",
        "open_consultation",
        "clerk",
        lambda p, d, m: workflow.submit(m, actor=p.clerk),
        State.CONSULTATION,
        {"days": 5},
    ),
    Move(
        "close_consultation",
        "close_consultation",
        "clerk",
        lambda p, d, m: force_state(
            m, State.CONSULTATION, consultation_until=PAST, consultation_required=True
        ),
        State.SUBMITTED,
    ),
    Move("review", "review", "reviewer", submitted, State.REVIEWED, {"checklist": CHECKLIST}),
    Move(
        "send_to_superior",
        "send_to_superior",
        "reviewer",
        lambda p, d, m: force_state(m, State.REVIEWED),
        State.SUPERIOR_REVIEW,
    ),
    Move("approve", "approve", "reviewer", reviewed, State.APPROVED),
    Move(
        "superior_approve",
        "superior_approve",
        "superior_reviewer",
        lambda p, d, m: force_state(m, State.SUPERIOR_REVIEW),
        State.APPROVED,
    ),
    Move(
        "return", "return_to_clerk", "reviewer", submitted, State.RETURNED, {"reason": "请补充附件"}
    ),
    Move(
        "publish",
        "publish",
        "clerk",
        approved,
        State.PUBLISHED,
        {"publish_from": f"{SOON.isoformat()}T09:00:00+08:00"},
    ),
    Move(
        "correct",
        "correct",
        "reviewer",
        on_show,
        State.PUBLISHED,
        {"reason": "号码有误", "title": "监督电话（更正）", "body": "<p>0871-6123402</p>"},
    ),
    Move("withdraw", "withdraw", "reviewer", on_show, State.WITHDRAWN, {"reason": "已过时"}),
    Move(
        "end_publicity",
        "end_publicity",
        "clerk",
        lambda p, d, m: force_state(on_show(p, d, m), State.PUBLISHED, publicity_until=PAST),
        State.PUBLICITY_ENDED,
    ),
    Move(
        "archive",
        "archive",
        "clerk",
        lambda p, d, m: force_state(on_show(p, d, m), State.PUBLICITY_ENDED),
        State.ARCHIVED,
    ),
]


@pytest.fixture
def major(people, tree, village_catalog) -> Disclosure:
    return workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "building"),
        title="办公楼修缮方案",
    )


def test_every_move_of_the_workflow_has_an_endpoint():
    paths = api.get_openapi_schema(path_params={})["paths"]
    exposed = {p.rsplit("/", 1)[1] for p in paths if "/actions/" in p}
    assert exposed == set(workflow.Action.values) == {m.action for m in MOVES}


@pytest.mark.parametrize("move", MOVES, ids=lambda m: m.action)
def test_each_action_calls_its_workflow_move(move, people, draft, major, as_person, monkeypatch):
    d = move.prepare(people, draft, major)
    calls = []
    real = getattr(workflow, move.function)

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["actor"])
        return real(*args, **kwargs)

    monkeypatch.setattr(workflow, move.function, spy)
    events = Event.objects.filter(disclosure=d).count()

    response = as_person(move.persona).post(
        f"/disclosures/{d.pk}/actions/{move.action}", move.payload
    )

    assert response.status_code == 200, response.json()
    assert calls == [getattr(people, move.persona)]
    d.refresh_from_db()
    assert d.state == move.to_state
    assert response.json()["state"] == move.to_state
    event = Event.objects.filter(disclosure=d).order_by("-at", "-pk").first()
    assert Event.objects.filter(disclosure=d).count() == events + 1
    assert event.action == (move.event or move.action)
    assert event.actor == getattr(people, move.persona)
    assert event.to_state == move.to_state
    if "reason" in move.payload:
        assert event.reason == move.payload["reason"]


def test_a_review_of_a_major_matter_goes_on_to_the_superior(people, major, as_person):
    workflow.submit(major, actor=people.clerk)
    force_state(major, State.SUBMITTED, consulted=True)
    response = as_person("reviewer").post(
        f"/disclosures/{major.pk}/actions/review", {"checklist": CHECKLIST}
    )
    assert response.json()["state"] == State.SUPERIOR_REVIEW
    assert [e["action"] for e in response.json()["events"]][-2:] == ["review", "send_to_superior"]


def test_a_correction_keeps_what_it_does_not_change(people, draft, as_person):
    d = on_show(people, draft, None)
    response = as_person("reviewer").post(
        f"/disclosures/{d.pk}/actions/correct", {"reason": "标题有误", "title": "监督电话（更正）"}
    )
    assert response.status_code == 200
    revision = Disclosure.objects.get(pk=d.pk).published_revision
    assert (revision.title, revision.body, revision.note) == (
        "监督电话（更正）",
        "<p>监督电话：0871-6123401</p>",
        "标题有误",
    )


def test_publish_passes_the_times_on(people, draft, as_person):
    d = approved(people, draft, None)
    response = as_person("clerk").post(
        f"/disclosures/{d.pk}/actions/publish",
        {
            "publish_from": f"{SOON.isoformat()}T09:00:00",
            "publicity_until": f"{LATER.isoformat()}T00:00:00+08:00",
        },
    )
    body = response.json()
    # A time without a zone is local time (Asia/Shanghai).
    assert body["publish_from"] == f"{SOON.isoformat()}T01:00:00+00:00"
    assert body["publicity_until"] == f"{(LATER - dt.timedelta(days=1)).isoformat()}T16:00:00+00:00"


def test_review_records_mask_exceptions_and_the_checklist(people, draft, as_person):
    submitted(people, draft, None)
    response = as_person("reviewer").post(
        f"/disclosures/{draft.pk}/actions/review",
        {"checklist": CHECKLIST, "mask_exceptions": {"mobile": "监督电话须公开"}},
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.mask_exceptions == {"mobile": "监督电话须公开"}
    assert draft.secrecy_reviewer == people.reviewer


def test_an_opinion_handling_is_recorded(people, major, as_person):
    workflow.submit(major, actor=people.clerk)
    workflow.open_consultation(major, actor=people.clerk, days=5)
    opinion = workflow.add_opinion(major, author="党员甲", text="建议公开比价结果")
    path = f"/disclosures/{major.pk}/opinions/{opinion.pk}/handling"
    refused = as_person("clerk").post(path, {"handling": ""})
    assert refused.status_code == 400
    assert refused.json() == {"detail": str(workflow.REASON_REQUIRED)}
    response = as_person("clerk").post(path, {"handling": "已补充比价结果"})
    assert response.status_code == 200
    assert response.json()["opinions"][0]["handling"] == "已补充比价结果"
    opinion.refresh_from_db()
    assert opinion.handled_by == people.clerk
    assert (
        as_person("clerk").post(f"/disclosures/{major.pk}/opinions/999/handling", {}).status_code
        == 404
    )


# --- refusals -------------------------------------------------------------------------------


def snapshot(d: Disclosure) -> tuple[Any, ...]:
    d = Disclosure.objects.get(pk=d.pk)
    return (
        d.state,
        d.updated_at,
        d.title,
        d.body,
        Event.objects.filter(disclosure=d).count(),
        d.revisions.count(),
        d.log_entries.count(),
    )


@pytest.mark.parametrize(
    ("setup", "persona", "action", "payload", "status", "detail"),
    [
        (
            lambda p, d: d,
            "reviewer",
            "approve",
            {},
            400,
            "公开事项处于“草稿”状态，不能“批准”。",
        ),
        (submitted, "reviewer", "return", {"reason": "  "}, 400, workflow.REASON_REQUIRED),
        (
            submitted,
            "reviewer",
            "review",
            {"checklist": {**CHECKLIST, "sources_checked": False}},
            400,
            workflow.CHECKLIST_INCOMPLETE,
        ),
        (reviewed, "clerk", "approve", {}, 403, "您无权为东岭村党支部“批准”。"),
        (on_show, "outsider", "withdraw", {"reason": "我不喜欢"}, 403, None),
        (on_show, "member", "correct", {"reason": "改", "title": "改"}, 403, None),
        (on_show, "reviewer", "withdraw", {}, 400, workflow.REASON_REQUIRED),
        (
            lambda p, d: force_state(on_show(p, d, None), State.PUBLISHED),
            "clerk",
            "end_publicity",
            {},
            400,
            None,
        ),
    ],
)
def test_a_refusal_is_explained_and_changes_nothing(
    setup, persona, action, payload, status, detail, people, draft, as_person
):
    d = setup(people, draft) if setup.__code__.co_argcount == 2 else setup(people, draft, None)
    before = snapshot(d)
    response = as_person(persona).post(f"/disclosures/{d.pk}/actions/{action}", payload)
    assert response.status_code == status
    message = response.json()["detail"]
    assert set(response.json()) == {"detail"}
    if detail is not None:
        assert message == str(detail)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    assert snapshot(d) == before


def test_work_in_progress_does_not_exist_for_those_who_may_not_see_it(people, draft, as_person):
    before = snapshot(draft)
    for persona in ("outsider", "member"):
        response = as_person(persona).post(f"/disclosures/{draft.pk}/actions/submit")
        assert response.status_code == 404, persona
        assert response.json() == {"detail": "未找到，或您无权查看。"}
    # The supervisor sees it in the console, so is told why not.
    response = as_person("supervisor").post(f"/disclosures/{draft.pk}/actions/submit")
    assert response.status_code == 403
    assert snapshot(draft) == before


def test_an_unknown_action_or_disclosure_is_not_found(people, draft, as_person):
    clerk = as_person("clerk")
    for path in (
        f"/disclosures/{draft.pk}/actions/delete",
        f"/disclosures/{draft.pk}/actions/",
        "/disclosures/999999/actions/submit",
    ):
        response = clerk.post(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "未找到，或您无权查看。"}


# --- drafts: create, edit, read ------------------------------------------------------------


def test_a_clerk_starts_a_draft(people, tree, village_catalog, as_person):
    response = as_person("clerk").post(
        "/disclosures/",
        {
            "organization": "QS-01",
            "item_key": item_key(village_catalog, "phones"),
            "title": "  东岭村监督电话  ",
            "body": '<p onclick="x()">电话</p><script>alert(1)</script>',
            "period": "2026 年",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    d = Disclosure.objects.get(pk=body["id"])
    assert (d.state, d.title, d.period, d.created_by) == (
        "draft",
        "东岭村监督电话",
        "2026 年",
        people.clerk,
    )
    assert d.body == "<p>电话</p>"
    assert body["allowed_actions"] == ["submit"]
    assert [e["action"] for e in body["events"]] == ["create"]


@pytest.mark.parametrize(
    ("persona", "organization", "key", "status"),
    [
        ("member", "QS-01", "phones", 403),
        ("reviewer", "QS-01", "phones", 403),
        ("clerk", "QS-02", "phones", 403),
        ("clerk", "QS-01", "nonexistent", 400),
        ("clerk", "NOPE", "phones", 404),
    ],
)
def test_starting_a_draft_is_refused(
    persona, organization, key, status, people, tree, village_catalog, as_person
):
    real_key = item_key(village_catalog, key) if key != "nonexistent" else "no.such.item"
    response = as_person(persona).post(
        "/disclosures/", {"organization": organization, "item_key": real_key, "title": "标题"}
    )
    assert response.status_code == status
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"])
    assert not Disclosure.objects.exists()


def test_a_clerk_edits_a_draft(people, draft, as_person):
    response = as_person("clerk").patch(
        f"/disclosures/{draft.pk}",
        {"title": "新标题", "channels": ["board", "website"], "data": {"rows": [{"a": 1}]}},
    )
    assert response.status_code == 200, response.json()
    draft.refresh_from_db()
    assert draft.title == "新标题"
    assert draft.body == "<p>监督电话：0871-6123401</p>"  # not sent, kept
    assert draft.channels == ["board", "website"]
    assert draft.data == {"rows": [{"a": 1}]}


def test_editing_is_refused_once_submitted_or_for_others(people, draft, as_person):
    submitted(people, draft, None)
    before = snapshot(draft)
    response = as_person("clerk").patch(f"/disclosures/{draft.pk}", {"title": "改"})
    assert (response.status_code, response.json()) == (400, {"detail": str(workflow.NOT_EDITABLE)})
    assert (
        as_person("reviewer").patch(f"/disclosures/{draft.pk}", {"title": "改"}).status_code == 403
    )
    assert (
        as_person("outsider").patch(f"/disclosures/{draft.pk}", {"title": "改"}).status_code == 404
    )
    assert snapshot(draft) == before


def test_staff_read_the_working_copy_only_with_a_token(people, draft, as_person):
    draft.body = "<p>身份证 11010519491231002X</p>"
    draft.save()
    assert ApiClient().get(f"/disclosures/{draft.pk}/working").status_code == 401
    assert as_person("outsider").get(f"/disclosures/{draft.pk}/working").status_code == 404
    assert as_person("member").get(f"/disclosures/{draft.pk}/working").status_code == 404
    for persona in ("clerk", "reviewer", "superior_reviewer", "office", "admin"):
        response = as_person(persona).get(f"/disclosures/{draft.pk}/working")
        assert response.status_code == 200, persona
    body = as_person("clerk").get(f"/disclosures/{draft.pk}/working").json()
    assert body["state"] == "draft"
    assert body["findings"] == [
        {"kind": "id18", "label": "身份证号", "masked": "1101**********002X"}
    ]


def test_the_working_list_shows_the_organizations_one_works_for(people, draft, major, as_person):
    def ids(persona: str, **params: Any) -> set[int]:
        response = as_person(persona).get("/disclosures/working/", **params)
        assert response.status_code == 200
        return {d["id"] for d in response.json()["results"]}

    assert ids("clerk") == {draft.pk, major.pk}
    assert ids("superior_reviewer") == {draft.pk, major.pk}
    assert ids("outsider") == set()
    assert ids("member") == set()
    assert ids("clerk", organization="QS-02") == set()
    workflow.submit(draft, actor=people.clerk)
    assert ids("clerk", state="submitted") == {draft.pk}
    assert ApiClient().get("/disclosures/working/").status_code == 401


def test_the_working_list_costs_the_same_queries_however_many_rows(
    people, tree, village_catalog, draft, as_person, django_assert_num_queries
):
    clerk = as_person("clerk")
    clerk.get("/organizations/")  # first use of the token is recorded outside the count
    with django_assert_num_queries(4):  # token, roles, count, page
        clerk.get("/disclosures/working/")
    for n in range(5):
        workflow.create_disclosure(
            tree.village,
            actor=people.clerk,
            item_key=item_key(village_catalog, "dues"),
            title=f"{n}",
        )
    with django_assert_num_queries(4):
        assert clerk.get("/disclosures/working/").json()["count"] == 6


def test_an_opinion_of_another_disclosure_is_not_found(people, draft, major, as_person):
    workflow.submit(major, actor=people.clerk)
    workflow.open_consultation(major, actor=people.clerk, days=5)
    opinion = workflow.add_opinion(major, author="甲", text="意见")
    response = as_person("clerk").post(
        f"/disclosures/{draft.pk}/opinions/{opinion.pk}/handling", {"handling": "已处理"}
    )
    assert response.status_code == 404
    assert Opinion.objects.get(pk=opinion.pk).handled_at is None


def test_the_working_copy_names_a_public_date_on_a_holiday(people, draft, as_person):
    # Scheduled for National Day: the clerk's tools read the same warning as the console.
    d = approved(people, draft, None)
    workflow.publish(
        d,
        actor=people.clerk,
        publish_from=dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
    )
    body = as_person("clerk").get(f"/disclosures/{d.pk}/working").json()
    assert body["date_warnings"] == ["对外公开日期 2026年10月1日 是非工作日（国庆节）。"]
