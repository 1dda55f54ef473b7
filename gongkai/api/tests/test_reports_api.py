"""GET /api/v1/reports, a report and its files; GET /api/v1/assessments and one with its
result: the same rules as the console pages (gongkai.reports.access)."""

from __future__ import annotations

import io

import pytest
import time_machine
from pypdf import PdfReader

from gongkai.compliance import figures
from gongkai.reports import assessment, documents, windows
from gongkai.reports.assessment import Spec
from gongkai.reports.tests.conftest import SEEN_AT, catalogs, season  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def report(tree, people, season):  # noqa: F811
    with time_machine.travel(SEEN_AT, tick=False):
        return documents.produce(tree.town, actor=people.office, window=season.window)


@pytest.fixture
def plan(tree, people, season):  # noqa: F811
    with time_machine.travel(SEEN_AT, tick=False):
        made = assessment.create_plan(
            tree.town,
            actor=people.office,
            title="上半年考核",
            window=season.window,
            criteria=[Spec("on_time_rate", 60), Spec("effect", 40, 10)],
        )
        assessment.add_assessor(made, actor=people.office, user=people.superior_reviewer)
        assessment.open_scoring(made, actor=people.office)
    return made


def test_the_office_lists_reads_and_downloads_its_summaries(report, as_person, tree, season):  # noqa: F811
    office = as_person("office")
    listed = office.get("/reports")
    assert listed.status_code == 200
    body = listed.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["title"] == "青石镇党委2026年上半年党务公开工作情况报告"
    assert row["status"] == "ready" and row["period"] == "2026年上半年"
    assert row["files"]["pdf"] == f"/api/v1/reports/{report.pk}/files/pdf"
    detail = office.get(f"/reports/{report.pk}").json()
    total = figures.subtree(tree.town, season.first, season.last)
    assert detail["figures"]["totals"]["due"] == total.due
    assert detail["figures"]["totals"]["on_time_rate"] == str(total.on_time_rate)
    pdf = office.get(row["files"]["pdf"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages
    )
    assert "青石镇党委" in text
    assert office.get(row["files"]["docx"]).status_code == 200
    assert office.get(f"/reports/{report.pk}/files/exe").status_code == 422
    assert office.get("/reports", organization="QS-01").json()["count"] == 0


@pytest.mark.parametrize(
    ("persona", "count"),
    [("office", 1), ("superior_reviewer", 1), ("reviewer", 0), ("clerk", 0), ("outsider", 0)],
)
def test_others_do_not_see_a_summary(report, as_person, persona, count):
    client = as_person(persona)
    assert client.get("/reports").json()["count"] == count
    status = 200 if count else 404
    assert client.get(f"/reports/{report.pk}").status_code == status
    assert client.get(f"/reports/{report.pk}/files/pdf").status_code == status


def test_the_api_needs_a_token(report, plan, anonymous):
    for path in ("/reports", f"/reports/{report.pk}", "/assessments", f"/assessments/{plan.pk}"):
        answer = anonymous.get(path)
        assert answer.status_code == 401 and "令牌" in answer.json()["detail"]


def test_an_assessment_with_its_result_and_sources(plan, as_person, people, tree):
    office = as_person("office")
    listed = office.get("/assessments").json()
    assert [p["title"] for p in listed["results"]] == ["上半年考核"]
    assert listed["results"][0]["criteria"][1] == {
        "kind": "effect",
        "label": "效果",
        "weight": 40,
        "max_score": 10,
        "source": "panel",
    }
    detail = office.get(f"/assessments/{plan.pk}").json()
    assert detail["status"] == "scoring" and detail["result"]["pending"] == 2
    row = detail["result"]["rows"][0]
    assert row["rank"] is None and row["total"] is None
    measured, panel = row["parts"]
    assert measured["source"] == "measured" and "× 权重60 ÷ 100" in measured["formula"]
    assert panel["pending"] and panel["panel"] == [{"assessor": "赵委员", "score": None}]
    # The village's clerk sees nothing before publication, the result after.
    clerk = as_person("clerk")
    assert clerk.get("/assessments").json()["count"] == 0
    assert clerk.get(f"/assessments/{plan.pk}").status_code == 404
    assessment.enter_scores(
        plan,
        actor=people.superior_reviewer,
        scores={(tree.village.pk, "effect"): "9", (tree.sibling_village.pk, "effect"): "7.5"},
    )
    assessment.publish(plan, actor=people.office)
    assert clerk.get("/assessments", status="published").json()["count"] == 1
    result = clerk.get(f"/assessments/{plan.pk}").json()["result"]
    assert [r["rank"] for r in result["rows"]] == [1, 2]
    assert result["rows"][0]["parts"][1]["panel"] == [{"assessor": "赵委员", "score": "9.0"}]
    assert as_person("outsider").get(f"/assessments/{plan.pk}").status_code == 404
    assert office.get("/assessments", status="draft").json()["count"] == 0
    assert office.get("/assessments", status="bogus").status_code == 422


def test_an_assessment_within_windows_of_any_length(tree, people, as_person):
    made = assessment.create_plan(
        tree.county,
        actor=people.admin,
        title="县级考核",
        window=windows.months(windows.year(2026).first, windows.year(2026).last),
        criteria=[Spec("coverage", 100)],
    )
    detail = as_person("admin").get(f"/assessments/{made.pk}").json()
    assert detail["period"] == "2026年度"
    assert [r["organization"]["code"] for r in detail["result"]["rows"]] == ["QS", "BS"]
