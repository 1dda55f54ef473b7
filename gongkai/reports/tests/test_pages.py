"""The console pages of summaries and assessments, and the public summary: who gets what,
and what anything typed into them gets back (a Chinese message, never a 500)."""

from __future__ import annotations

import io

import pytest
import time_machine
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from gongkai.conftest import client_for, make_user
from gongkai.reports import assessment, documents
from gongkai.reports.assessment import Spec
from gongkai.reports.models import AssessmentPlan, PanelScore, Report

from .conftest import SEEN_AT

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


# --- summaries ----------------------------------------------------------------------------------


def test_the_office_produces_a_half_year_summary_and_downloads_it(tree, people, season):
    client = client_for(people.office)
    page = client.get(reverse("console:reports"))
    assert page.status_code == 200 and "生成报告" in html(page)
    assert "工作情况报告" in html(page)  # the menu's link
    with time_machine.travel(SEEN_AT, tick=False):
        answer = client.post(
            reverse("console:reports"), {"period": "half_year", "year": "2026", "half": "1"}
        )
    report = Report.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "console:report", args=[report.pk]
    )
    detail = client.get(answer["Location"])
    assert "青石镇党委2026年上半年党务公开工作情况报告" in html(detail)
    assert "下载Word文档" in html(detail)
    word = client.get(reverse("console:report_file", args=[report.pk, "docx"]))
    assert word.status_code == 200
    assert (
        "attachment" in word["Content-Disposition"]
        and "filename*=utf-8''" in word["Content-Disposition"]
    )
    text = "\n".join(p.text for p in Document(io.BytesIO(word.getvalue())).paragraphs)
    assert "青石镇党委2026年上半年党务公开工作情况报告" in text
    pdf = client.get(reverse("console:report_file", args=[report.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert client.get(reverse("console:report_file", args=[report.pk, "exe"])).status_code == 404
    rendered = client.post(reverse("console:report_render", args=[report.pk]))
    assert rendered.status_code == 302 and Report.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"period": "months", "first_month": "2026-13", "last_month": "2026-02"},
            "请按年-月填写月份",
        ),
        (
            {"period": "months", "first_month": "2026-05", "last_month": "2026-02"},
            "起始月份不能晚于截止月份。",
        ),
        ({"period": "months", "first_month": "2026-01"}, "请选择起始月份和截止月份。"),
        ({"period": "months", "first_month": "2026\x00-01", "last_month": "2026-02"}, "空字符"),
        ({"period": "half_year", "year": "99999", "half": "1"}, "2099"),
        ({"period": "half_year", "year": "", "half": "1"}, "请填写年份。"),
        ({"period": "half_year", "year": "2026", "half": "3"}, "选择一个有效的选项"),
        ({"period": "decade", "year": "2026"}, "选择一个有效的选项"),
        ({"period": "year", "year": "1e9"}, "整数"),
    ],
)
def test_a_bad_period_gets_a_chinese_message_and_nothing_is_produced(tree, people, data, message):
    answer = client_for(people.office).post(reverse("console:reports"), data)
    assert answer.status_code == 200
    assert message in html(answer)
    assert not Report.objects.exists()


def test_summaries_are_for_the_leading_group_and_the_superior(tree, people):
    with time_machine.travel(SEEN_AT, tick=False):
        from gongkai.reports import windows

        village = documents.produce(
            tree.village, actor=people.reviewer, window=windows.half_year(2026, 1)
        )
    url = reverse("console:report", args=[village.pk])
    assert client_for(people.reviewer).get(url).status_code == 200
    assert client_for(people.superior_reviewer).get(url).status_code == 200  # the town's
    assert client_for(people.office).get(url).status_code == 200  # reaches the village
    assert client_for(people.clerk).get(url).status_code == 404
    assert client_for(people.clerk).get(reverse("console:reports")).status_code == 403
    assert client_for(people.outsider).get(reverse("console:reports")).status_code == 403
    file_url = reverse("console:report_file", args=[village.pk, "pdf"])
    assert client_for(people.clerk).get(file_url).status_code == 404
    anonymous = client_for(people.clerk)
    anonymous.logout()
    assert anonymous.get(file_url).status_code == 302


# --- assessments --------------------------------------------------------------------------------

GOOD_PLAN = {
    "title": "2026年上半年党务公开工作考核",
    "reach": "children",
    "period": "half_year",
    "year": "2026",
    "half": "1",
    "weight_on_time_rate": "50",
    "weight_coverage": "20",
    "weight_content": "30",
    "max_content": "100",
}


def test_the_office_defines_a_plan_and_sees_what_cannot_be_chosen_yet(tree, people):
    client = client_for(people.office)
    form = client.get(reverse("console:assessment_new"))
    assert form.status_code == 200
    assert "满意度" in html(form) and "待意见建议、回音壁和满意度测评功能上线后可用" in html(form)
    assert 'name="weight_satisfaction"' not in html(form)
    answer = client.post(reverse("console:assessment_new"), GOOD_PLAN)
    plan = AssessmentPlan.objects.get()
    assert answer.status_code == 302 and plan.title == GOOD_PLAN["title"]
    assert [(c.kind, c.weight) for c in plan.criteria.all()] == [
        ("coverage", 20),
        ("on_time_rate", 50),
        ("content", 30),
    ]
    edit = client.post(
        reverse("console:assessment_edit", args=[plan.pk]), {**GOOD_PLAN, "title": "改名"}
    )
    assert edit.status_code == 302
    plan.refresh_from_db()
    assert plan.title == "改名"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"weight_content": "20"}, "各项权重之和须为100（现为90）。"),
        (
            {"weight_content": "", "weight_coverage": "", "weight_on_time_rate": ""},
            "请至少选择一项考核指标。",
        ),
        ({"weight_content": "abc"}, "输入整数"),
        ({"weight_content": "101"}, "100"),
        ({"max_content": "0"}, "1"),
        ({"title": "考核\x00"}, "空字符"),
        ({"title": "  "}, "这个字段是必填项"),
        ({"weight_satisfaction": "30", "weight_content": ""}, "各项权重之和须为100（现为70）。"),
        ({"reach": "everyone"}, "选择一个有效的选项"),
    ],
)
def test_a_bad_plan_gets_a_chinese_message_and_nothing_is_saved(tree, people, change, message):
    answer = client_for(people.office).post(
        reverse("console:assessment_new"), {**GOOD_PLAN, **change}
    )
    assert answer.status_code == 200, answer.status_code
    assert message in html(answer)
    assert not AssessmentPlan.objects.exists()


@pytest.fixture
def assessor(people):  # type: ignore[no-untyped-def]
    return make_user("assessor", "杨代表", mobile="13900000009")


@pytest.fixture
def plan(tree, people, assessor):  # type: ignore[no-untyped-def]
    client = client_for(people.office)
    client.post(reverse("console:assessment_new"), GOOD_PLAN)
    made = AssessmentPlan.objects.get()
    added = client.post(
        reverse("console:assessment_assessor_add", args=[made.pk]), {"login": "13900000009"}
    )
    assert added.status_code == 302
    assert list(made.assessors.values_list("user__username", flat=True)) == ["assessor"]
    return made


def test_assessors_are_granted_by_user_name_or_mobile(tree, people, plan):
    client = client_for(people.office)
    for login, message in (
        ("nobody", "没有使用该用户名或手机号的有效账号。"),
        ("assessor", "杨代表已是本考核的评议人员。"),
        ("a\x00b", "空字符"),
    ):
        answer = client.post(
            reverse("console:assessment_assessor_add", args=[plan.pk]),
            {"login": login},
            follow=True,
        )
        assert answer.status_code == 200 and message in html(answer)
    refused = client_for(people.clerk).post(
        reverse("console:assessment_assessor_add", args=[plan.pk]), {"login": "clerk"}
    )
    assert refused.status_code == 404  # the clerk does not see the draft at all


def test_an_assessor_without_any_role_scores_and_the_office_publishes(tree, people, plan, assessor):
    office, panel = client_for(people.office), client_for(assessor)
    assert panel.get(reverse("console:assessments")).status_code == 200
    assert (
        panel.get(reverse("console:assessment_score", args=[plan.pk])).status_code == 403
    )  # draft
    office.post(reverse("console:assessment_move", args=[plan.pk, "open"]))
    plan.refresh_from_db()
    assert plan.status == AssessmentPlan.Status.SCORING
    page = panel.get(reverse("console:assessment_score", args=[plan.pk]))
    assert page.status_code == 200 and "东岭村党支部" in html(page)
    village, sibling = f"s_{tree.village.pk}_content", f"s_{tree.sibling_village.pk}_content"
    for bad, message in (
        ("101", "100"),
        ("abc", "输入一个数字"),
        ("8\x00", "数字"),
        ("85.25", "1 位"),
    ):
        answer = panel.post(
            reverse("console:assessment_score", args=[plan.pk]), {village: bad, sibling: "80"}
        )
        assert answer.status_code == 200 and message in html(answer), bad
    assert not PanelScore.objects.exists()
    early = office.post(reverse("console:assessment_move", args=[plan.pk, "publish"]), follow=True)
    assert "待评议" in html(early)
    saved = panel.post(
        reverse("console:assessment_score", args=[plan.pk]), {village: "90", sibling: "80.5"}
    )
    assert saved.status_code == 302 and PanelScore.objects.count() == 2
    detail = office.get(reverse("console:assessment", args=[plan.pk]))
    assert "平均分90.00" in html(detail)
    office.post(reverse("console:assessment_move", args=[plan.pk, "publish"]))
    plan.refresh_from_db()
    assert plan.status == AssessmentPlan.Status.PUBLISHED
    # Published: the village's clerk sees it, and the exports.
    clerk = client_for(people.clerk)
    assert clerk.get(reverse("console:assessment", args=[plan.pk])).status_code == 200
    workbook = clerk.get(reverse("console:assessment_export", args=[plan.pk, "xlsx"]))
    book = load_workbook(io.BytesIO(workbook.getvalue()))
    assert book["排名"]["A4"].value == "排名"
    assert clerk.get(reverse("console:assessment_export", args=[plan.pk, "pdf"])).status_code == 200
    assert clerk.get(reverse("console:assessment_export", args=[plan.pk, "doc"])).status_code == 404
    assert (
        client_for(people.outsider).get(reverse("console:assessment", args=[plan.pk])).status_code
        == 403
    )


def test_the_public_summary_shows_only_published_plans_that_say_so(tree, people, season):
    with time_machine.travel(SEEN_AT, tick=False):
        shown = assessment.create_plan(
            tree.town,
            actor=people.office,
            title="公开的考核",
            window=season.window,
            criteria=[Spec("on_time_rate", 100)],
            public_summary=True,
        )
        hidden = assessment.create_plan(
            tree.town,
            actor=people.office,
            title="内部考核",
            window=season.window,
            criteria=[Spec("on_time_rate", 100)],
        )
    anonymous = client_for(people.outsider)
    anonymous.logout()
    assert anonymous.get(reverse("assessments:detail", args=[shown.pk])).status_code == 404
    for plan in (shown, hidden):
        assessment.open_scoring(plan, actor=people.office)
        assessment.publish(plan, actor=people.office)
    page = anonymous.get(reverse("assessments:detail", args=[shown.pk]))
    assert page.status_code == 200 and "东岭村党支部" in html(page) and "公开的考核" in html(page)
    assert "赵委员" not in html(page)
    assert anonymous.get(reverse("assessments:detail", args=[hidden.pk])).status_code == 404
    listing = html(anonymous.get(reverse("assessments:list")))
    assert "公开的考核" in listing and "内部考核" not in listing
    assert (
        client_for(people.clerk).get(reverse("console:assessment", args=[hidden.pk])).status_code
        == 200
    )
    assert (
        client_for(people.outsider).get(reverse("console:assessment", args=[hidden.pk])).status_code
        == 403
    )


def test_the_admin_shows_summaries_and_plans_read_only(tree, people, season):
    with time_machine.travel(SEEN_AT, tick=False):
        report = documents.produce(tree.town, actor=people.office, window=season.window)
    admin = client_for(people.admin)
    listing = admin.get("/admin/reports/report/")
    assert listing.status_code == 200 and report.title in html(listing)
    assert admin.get("/admin/reports/assessmentplan/").status_code == 200
    assert admin.get("/admin/reports/report/add/").status_code == 403


def test_the_public_summary_shows_what_the_office_typed_masked(tree, people, season):
    with time_machine.travel(SEEN_AT, tick=False):
        plan = assessment.create_plan(
            tree.town,
            actor=people.office,
            title="考核（联系电话13912345678）",
            window=season.window,
            criteria=[Spec("on_time_rate", 100)],
            public_summary=True,
        )
    assessment.open_scoring(plan, actor=people.office)
    assessment.publish(plan, actor=people.office)
    anonymous = client_for(people.outsider)
    anonymous.logout()
    for page in (
        html(anonymous.get(reverse("assessments:detail", args=[plan.pk]))),
        html(anonymous.get(reverse("assessments:list"))),
    ):
        assert "考核（联系电话" in page and "13912345678" not in page
