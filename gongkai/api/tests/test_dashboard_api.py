"""GET /api/v1/organizations/{code}/dashboard: the dashboard's figures for the people who see
the page, windows in whole months, refusals in Chinese."""

from __future__ import annotations

import datetime as dt

import pytest

from gongkai.compliance import figures, obligations
from gongkai.disclosures import clock

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 9, 1, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def _on_the_first_of_september():  # type: ignore[no-untyped-def]
    with clock.clock(TODAY):
        yield


@pytest.fixture
def year(tree, catalogs):  # type: ignore[no-untyped-def]
    obligations.generate(dt.date(2026, 9, 1))
    obligations.refresh(dt.date(2026, 9, 1))


def test_the_dashboard_holds_the_figures_of_the_page(as_person, tree, year):
    response = as_person("office").get(
        "/organizations/QS/dashboard", first="2026-01-01", last="2026-12-31"
    )
    assert response.status_code == 200
    body = response.json()
    stored = figures.subtree(tree.town, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert body["organization"] == {"code": "QS", "name": "青石镇党委"}
    assert body["window"] == {
        "first": "2026-01-01",
        "last": "2026-12-31",
        "label": "2026年1月至2026年12月",
    }
    assert body["organizations"] == 3
    headline = body["headline"]
    assert (headline["due"], headline["overdue"], headline["pending"]) == (
        stored.due,
        stored.overdue,
        stored.pending,
    )
    assert stored.on_time_rate is not None
    assert headline["on_time_rate"] == float(stored.on_time_rate)
    assert [r["organization"]["code"] for r in body["ranking"]] == ["QS-01", "QS-02"]
    assert [m["month"] for m in body["trend"]] == [f"2026-M{m:02d}" for m in range(1, 13)]
    assert sum(m["due"] for m in body["trend"]) == stored.due
    assert body["overdue_total"] == stored.overdue
    assert 0 < len(body["overdue"]) <= stored.overdue
    first = body["overdue"][0]
    assert first["working_days_overdue"] > 0 and first["period_label"]


def test_the_window_defaults_to_the_year_to_date(as_person, year):
    body = as_person("office").get("/organizations/QS/dashboard").json()
    assert body["window"]["first"] == "2026-01-01" and body["window"]["label"] == "2026年初至今"


@pytest.mark.parametrize(
    ("persona", "code", "status"),
    [
        ("anonymous", "QS", 401),
        ("outsider", "QS", 403),
        ("member", "QS-01", 403),
        ("clerk", "QS", 403),
        ("clerk", "QS-01", 200),
        ("superior_reviewer", "QS-01", 200),
        ("admin", "YL", 200),
        ("office", "NOPE", 404),
    ],
)
def test_the_dashboard_answers_the_people_who_see_the_page(as_person, year, persona, code, status):
    response = as_person(persona).get(f"/organizations/{code}/dashboard")
    assert response.status_code == status
    if status != 200:
        assert response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"first": "2026-02-30"}, 422, "日期"),
        ({"first": "yesterday"}, 422, "日期"),
        ({"first": "2026-09-01", "last": "2026-01-01"}, 400, "开始日期必须早于结束日期"),
        ({"first": "1999-01-01", "last": "1999-12-31"}, 400, "2000年至2099年"),
        ({"first": "2000-01-01", "last": "2026-12-31"}, 400, "最长120个月"),
        ({"last": "0001-01-01"}, 400, "2000年至2099年"),
    ],
)
def test_bad_windows_are_refused_in_chinese(as_person, year, params, status, words):
    response = as_person("office").get("/organizations/QS/dashboard", **params)
    assert response.status_code == status
    assert words in response.json()["detail"]
