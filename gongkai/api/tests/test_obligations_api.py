"""The compliance endpoints: obligations, exemptions and deferrals, recorded events. The same
reads and functions as the console's pages, the same permissions (table below), Chinese
refusals, and never a 5xx."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from gongkai.compliance import exemptions
from gongkai.compliance.models import Exemption, Obligation, RecordedEvent, State
from gongkai.console.tests.obligation_fixtures import (
    at,
    generate,
    key_of,
    owed,
    travel,
)

from .conftest import ApiClient

pytestmark = pytest.mark.django_db

PERSONAS = ("clerk", "reviewer", "superior_reviewer", "office", "member", "outsider", "anonymous")
ON = dt.date(2026, 7, 2)


@pytest.fixture
def world(tree, people, catalogs):  # type: ignore[no-untyped-def]
    with travel(at(2026, 7, 2)):
        generate(ON)
        dues = owed(tree.village, "dues", "2026-H1")
        asked = exemptions.request(
            dues,
            actor=people.clerk,
            kind="exempt",
            reason_category="personal_privacy",
            reason="仅一名党员",
            legal_basis="条例第十一条",
        )
        yield {
            "obligation": owed(tree.village, "meetings", "2026-Q2"),
            "exemption": asked,
            "event_key": key_of(tree.village, "appointment"),
        }


def caller(people: Any, persona: str) -> ApiClient:
    return ApiClient() if persona == "anonymous" else ApiClient(getattr(people, persona))


def table(**statuses: int) -> list[tuple[str, int]]:
    assert set(statuses) == set(PERSONAS)
    return list(statuses.items())


@pytest.mark.parametrize(
    ("persona", "codes"),
    [
        ("clerk", {"QS-01"}),
        ("reviewer", {"QS-01"}),
        ("superior_reviewer", {"QS", "QS-01", "QS-02"}),
        ("office", {"QS", "QS-01", "QS-02"}),
        ("member", set()),
        ("outsider", set()),
    ],
)
def test_each_caller_lists_the_obligations_they_see_in_the_console(people, world, persona, codes):
    with travel(at(2026, 7, 2)):
        response = caller(people, persona).get("/obligations/", page_size=100)
    assert response.status_code == 200
    got = {row["organization"]["code"] for row in response.json()["results"]}
    assert got == codes


def test_the_list_needs_a_token(world):
    response = ApiClient().get("/obligations/")
    assert response.status_code == 401 and "令牌" in response.json()["detail"]


@pytest.mark.parametrize(
    ("persona", "status"),
    table(
        clerk=200,
        reviewer=200,
        superior_reviewer=200,
        office=200,
        member=404,
        outsider=404,
        anonymous=401,
    ),
)
def test_who_reads_an_obligation(people, world, persona, status):
    with travel(at(2026, 7, 2)):
        response = caller(people, persona).get(f"/obligations/{world['obligation'].pk}")
    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert body["period_key"] == "2026-Q2" and body["rules"]["period"] == "quarterly"


@pytest.mark.parametrize(
    ("persona", "status"),
    table(
        clerk=201,
        reviewer=403,
        superior_reviewer=403,
        office=201,
        member=404,
        outsider=404,
        anonymous=401,
    ),
)
def test_who_asks_for_an_exemption(people, world, persona, status):
    payload = {
        "kind": "defer",
        "reason_category": "process",
        "reason": "尚在研究",
        "legal_basis": "条例第十一条",
        "defer_until": "2026-09-30",
    }
    with travel(at(2026, 7, 2)):
        response = caller(people, persona).post(
            f"/obligations/{world['obligation'].pk}/exemptions", payload
        )
    assert response.status_code == status
    made = Exemption.objects.filter(obligation=world["obligation"])
    assert made.exists() == (status == 201)
    if status == 403:
        assert response.json()["detail"] == "只有本组织的工作人员可以提出申请。"


@pytest.mark.parametrize(
    ("persona", "status"),
    table(
        clerk=403,
        reviewer=403,
        superior_reviewer=200,
        office=403,
        member=404,
        outsider=404,
        anonymous=401,
    ),
)
def test_only_the_superiors_leading_group_decides(people, world, persona, status):
    with travel(at(2026, 7, 2)):
        response = caller(people, persona).post(
            f"/exemptions/{world['exemption'].pk}/decision",
            {"approve": True, "reason": "同意", "shown_scope": "public"},
        )
    assert response.status_code == status
    world["exemption"].refresh_from_db()
    assert (world["exemption"].status == Exemption.Status.APPROVED) == (status == 200)
    if status == 200:
        assert response.json()["status"] == "approved"
        assert (
            owed(world["exemption"].obligation.organization, "dues", "2026-H1").state
            == State.EXEMPTED
        )


@pytest.mark.parametrize(
    ("persona", "status"),
    table(
        clerk=201,
        reviewer=403,
        superior_reviewer=403,
        office=201,
        member=404,
        outsider=404,
        anonymous=401,
    ),
)
def test_who_records_an_event(people, world, persona, status):
    with travel(at(2026, 7, 2)):
        response = caller(people, persona).post(
            "/organizations/QS-01/events",
            {"item_key": world["event_key"], "title": "任前公示", "happened_on": "2026-07-01"},
        )
    assert response.status_code == status
    assert RecordedEvent.objects.exists() == (status == 201)
    if status == 201:
        owes = response.json()["obligation"]
        assert owes["period_label"] == "任前公示" and owes["state"] in ("upcoming", "due_soon")


@pytest.mark.parametrize(
    ("persona", "count"),
    [("clerk", 1), ("reviewer", 1), ("superior_reviewer", 1), ("office", 1), ("member", 0)],
)
def test_the_requests_list_and_what_the_caller_may_decide(people, world, persona, count):
    with travel(at(2026, 7, 2)):
        api = caller(people, persona)
        listed = api.get("/exemptions/").json()
        to_decide = api.get("/exemptions/", to_decide="true").json()
    assert listed["count"] == count
    assert to_decide["count"] == (1 if persona == "superior_reviewer" else 0)
    if count:
        assert listed["results"][0]["can_decide"] == (persona == "superior_reviewer")


def test_filters_by_state_period_due_range_and_subtree(people, world, tree):
    office = ApiClient(people.office)
    with travel(at(2026, 7, 2)):
        overdue = office.get("/obligations/", state="overdue", page_size=100).json()["results"]
        assert overdue and all(row["state"] == "overdue" for row in overdue)
        assert all(dt.date.fromisoformat(r["due_date"]) < ON for r in overdue)
        quarter = office.get("/obligations/", period="2026-Q2", organization="QS-01").json()
        labels = sorted(row["period_label"] for row in quarter["results"])
        assert labels == ["2026年4月", "2026年5月", "2026年6月", "2026年第二季度"]
        window = office.get(
            "/obligations/", due_from="2026-07-01", due_to="2026-07-31", page_size=100
        ).json()["results"]
        assert window and all("2026-07-01" <= r["due_date"] <= "2026-07-31" for r in window)
        first = office.get("/obligations/", page_size=2).json()
        second = office.get("/obligations/", page_size=2, page=2).json()
        assert first["count"] == Obligation.objects.filter(path__startswith=tree.town.path).count()
        assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})
        # An organization outside the caller's reach is not found (its existence stays hidden).
        assert office.get("/obligations/", organization="BS-01").status_code == 404


def test_the_state_shown_is_the_state_now_even_before_the_daily_run(people, world):
    with travel(at(2026, 7, 2)):
        q2 = owed(world["obligation"].organization, "meetings", "2026-Q2")
        assert q2.state in (State.UPCOMING, State.DUE_SOON)
    late = q2.due_date + dt.timedelta(days=3)
    with travel(at(late.year, late.month, late.day)):  # no refresh has run
        body = ApiClient(people.clerk).get(f"/obligations/{q2.pk}").json()
    assert body["state"] == "overdue" and body["remaining_working_days"] < 0
    assert body["due_text"].startswith("已逾期")


@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        ("/obligations/", {"period": "2026-Q5"}, 422, "不是有效的期间"),
        ("/obligations/", {"state": "lost"}, 422, "state"),
        ("/obligations/", {"due_from": "99999-01-01"}, 422, "due_from"),
        ("/obligations/", {"organization": "Q\x00S"}, 422, "organization"),
        ("/obligations/", {"page": "0"}, 422, "page"),
    ],
)
def test_bad_queries_are_refused_in_chinese(people, world, path, params, status, words):
    response = ApiClient(people.clerk).get(path, **params)
    assert response.status_code == status and words in response.json()["detail"]


@pytest.mark.parametrize(
    ("payload", "status", "words"),
    [
        ({"kind": "exempt", "reason_category": "other", "reason": "理由"}, 400, "依据"),
        (
            {"kind": "defer", "reason_category": "other", "reason": "x", "legal_basis": "y"},
            400,
            "暂缓至哪一天",
        ),
        ({"kind": "later", "reason_category": "other"}, 422, "kind"),
        ({"kind": "exempt", "reason_category": "other", "reason": "a\x00b"}, 422, "reason"),
        ({"kind": "exempt", "reason_category": "other", "reason": "长" * 5000}, 422, "reason"),
        (
            {"kind": "defer", "reason_category": "other", "defer_until": "9999-12-31"},
            422,
            "defer_until",
        ),
        ({"kind": "exempt", "reason_category": "other", "extra": 1}, 422, "extra"),
    ],
)
def test_bad_requests_are_refused_in_chinese_and_change_nothing(
    people, world, payload, status, words
):
    with travel(at(2026, 7, 2)):
        response = ApiClient(people.clerk).post(
            f"/obligations/{world['obligation'].pk}/exemptions", payload
        )
    assert response.status_code == status and words in response.json()["detail"]
    assert not Exemption.objects.filter(obligation=world["obligation"]).exists()


def test_an_event_in_the_future_or_of_another_kind_of_item_is_refused(people, world, tree):
    api = ApiClient(people.clerk)
    with travel(at(2026, 7, 2)):
        future = api.post(
            "/organizations/QS-01/events",
            {"item_key": world["event_key"], "title": "任前", "happened_on": "2026-07-03"},
        )
        periodic = api.post(
            "/organizations/QS-01/events",
            {
                "item_key": key_of(tree.village, "meetings"),
                "title": "会议",
                "happened_on": "2026-07-01",
            },
        )
    assert future.status_code == 400 and "不能晚于今天" in future.json()["detail"]
    assert periodic.status_code == 400 and "随事项发生而公开" in periodic.json()["detail"]
    assert not RecordedEvent.objects.exists()


def test_the_list_reads_a_bounded_number_of_queries(people, world, django_assert_max_num_queries):
    api = ApiClient(people.office)
    with travel(at(2026, 7, 2)):
        api.get("/obligations/")
        with django_assert_max_num_queries(5):  # token, roles, count, page (+ calendar)
            api.get("/obligations/", page_size=100)
        with django_assert_max_num_queries(6):
            api.get("/exemptions/", page_size=100)
