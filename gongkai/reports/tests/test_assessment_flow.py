"""An assessment plan from definition to publication, on the town's first half of 2026: the
measured values equal the compliance figures, panel scores make the mean, 待评议 blocks
publication, the published result is frozen, and the exports read back."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook
from pypdf import PdfReader

from gongkai import validation
from gongkai.compliance import figures
from gongkai.conftest import make_org, make_user
from gongkai.organizations.models import Organization
from gongkai.reports import access, assessment, exports, windows
from gongkai.reports.assessment import Spec
from gongkai.reports.models import AssessmentPlan, PlanEvent

from .conftest import SEEN_AT, at, publish

pytestmark = pytest.mark.django_db

CRITERIA = [
    Spec("on_time_rate", 40),
    Spec("coverage", 20),
    Spec("content", 20, 100),
    Spec("procedure", 10, 10),
    Spec("effect", 10, 100),
]


@pytest.fixture
def panel(people):  # type: ignore[no-untyped-def]
    """Two assessors: the county's 杨代表 holds no role at all; the town's reviewer."""
    return [make_user("assessor", "杨代表"), people.superior_reviewer]


@pytest.fixture
def plan(tree, people, season, panel) -> AssessmentPlan:  # type: ignore[no-untyped-def]
    with time_machine.travel(SEEN_AT, tick=False):
        made = assessment.create_plan(
            tree.town,
            actor=people.office,
            title="2026年上半年党务公开工作考核",
            window=season.window,
            criteria=CRITERIA,
            public_summary=True,
        )
        for person in panel:
            assessment.add_assessor(made, actor=people.office, user=person)
    return made


def score_all(plan, person, tree, values):  # type: ignore[no-untyped-def]
    """values: {organization: (content, procedure, effect)}"""
    scores = {}
    for org, (content, procedure, effect) in values.items():
        scores[(org.pk, "content")] = content
        scores[(org.pk, "procedure")] = procedure
        scores[(org.pk, "effect")] = effect
    return assessment.enter_scores(plan, actor=person, scores=scores)


def test_measured_values_are_the_figures_and_panel_scores_are_pending_at_first(
    tree, people, season, plan
):
    with time_machine.travel(SEEN_AT, tick=False):
        assessment.open_scoring(plan, actor=people.office)
        result = assessment.compute(plan)
    assert [r["organization"]["name"] for r in result["rows"]] == ["东岭村党支部", "西岭村党支部"]
    for row in result["rows"]:
        org = Organization.objects.get(code=row["organization"]["code"])
        f = figures.subtree(org, season.first, season.last)
        parts = {p["kind"]: p for p in row["parts"]}
        assert parts["on_time_rate"]["value"] == str(f.on_time_rate)
        assert parts["coverage"]["value"] == str(f.coverage)
        expected = (Decimal(40) * f.on_time_rate / 100).quantize(Decimal("0.01"))
        assert parts["on_time_rate"]["score"] == str(expected)
        assert f"按时公开{f.on_time}项 ÷ 应公开{f.due}项" in parts["on_time_rate"]["formula"]
        assert parts["content"]["pending"] and parts["content"]["formula"].startswith("待评议")
        assert row["total"] is None and row["rank"] is None
    assert result["pending"] == 2 * 3  # two organizations × three panel criteria


def test_publication_waits_for_every_assessor_then_freezes_the_result(
    tree, people, season, plan, panel
):
    village, sibling = tree.village, tree.sibling_village
    with time_machine.travel(SEEN_AT, tick=False):
        assessment.open_scoring(plan, actor=people.office)
        score_all(plan, panel[0], tree, {village: ("90", "8", "80"), sibling: ("70", "9", "60")})
        with pytest.raises(ValidationError) as caught:
            assessment.publish(plan, actor=people.office)
        assert caught.value.messages == [
            "还有6项评议指标待评议（尚有评议人员未打分），暂不能发布结果。"
        ]
        score_all(plan, panel[1], tree, {village: ("80", "9", "90"), sibling: ("60", "7", "80")})
        with pytest.raises(PermissionDenied):
            assessment.publish(plan, actor=people.clerk)
        published = assessment.publish(plan, actor=people.office)
    frozen: Any = published.result
    rows = {r["organization"]["name"]: r for r in frozen["rows"]}
    content = next(p for p in rows["东岭村党支部"]["parts"] if p["kind"] == "content")
    assert content["mean"] == "85.00" and content["score"] == "17.00"
    assert [e["score"] for e in content["panel"]] == ["90.0", "80.0"]
    assert [e["assessor"] for e in content["panel"]] == ["杨代表", "赵委员"]
    procedure = next(p for p in rows["西岭村党支部"]["parts"] if p["kind"] == "procedure")
    assert procedure["score"] == "8.00"  # mean 8 of full marks 10 × weight 10
    totals = {name: Decimal(r["total"]) for name, r in rows.items()}
    assert totals["东岭村党支部"] == sum(Decimal(p["score"]) for p in rows["东岭村党支部"]["parts"])
    assert rows["东岭村党支部"]["rank"] == 1 and rows["西岭村党支部"]["rank"] == 2
    # Frozen: a later publication does not move the published ranking.
    publish(people, tree.sibling_village, "monthly", "2026-M03", at(2026, 7, 21))
    published.refresh_from_db()
    assert assessment.result(published) == published.result
    assert assessment.compute(published)["rows"] != published.result["rows"]
    assert list(published.events.values_list("kind", flat=True)) == [
        PlanEvent.Kind.CREATED,
        PlanEvent.Kind.ASSESSOR_ADDED,
        PlanEvent.Kind.ASSESSOR_ADDED,
        PlanEvent.Kind.OPENED,
        PlanEvent.Kind.PUBLISHED,
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("101", "“内容”的分数须在0到100之间。"),
        ("-1", "“内容”的分数须在0到100之间。"),
        ("85.25", "分数最多保留一位小数。"),
        ("abc", "“abc”不是数字。"),
        ("NaN", "“NaN”不是有限的数值。"),
        ("1e400", "“1e400”过大"),
        ("8\x005", "“8\x005”不是数字。"),
    ],
)
def test_scores_out_of_range_are_refused_all_or_nothing(tree, people, plan, panel, raw, message):
    assessment.open_scoring(plan, actor=people.office)
    with pytest.raises(ValidationError) as caught:
        assessment.enter_scores(
            plan,
            actor=panel[0],
            scores={(tree.village.pk, "effect"): "80", (tree.village.pk, "content"): raw},
        )
    assert any(message in m for m in caught.value.messages), caught.value.messages
    assert not plan.criteria.get(kind="effect").scores.exists()


def test_only_assessors_score_and_only_while_scoring(tree, people, plan, panel):
    scores = {(tree.village.pk, "content"): "80"}
    with pytest.raises(ValidationError):  # still a draft
        assessment.enter_scores(plan, actor=panel[0], scores=scores)
    assessment.open_scoring(plan, actor=people.office)
    for outsider in (people.office, people.clerk, people.outsider):
        with pytest.raises(PermissionDenied):
            assessment.enter_scores(plan, actor=outsider, scores=scores)
    with pytest.raises(ValidationError) as caught:
        assessment.enter_scores(
            plan, actor=panel[0], scores={(tree.unrelated_village.pk, "content"): "80"}
        )
    assert "不是本考核的考核对象" in caught.value.messages[0]
    with pytest.raises(ValidationError):  # a measured criterion is not the panel's
        assessment.enter_scores(plan, actor=panel[0], scores={(tree.village.pk, "coverage"): "80"})
    assert assessment.enter_scores(plan, actor=panel[0], scores=scores) == 1
    assert assessment.enter_scores(plan, actor=panel[0], scores=scores) == 0
    assert (
        assessment.enter_scores(plan, actor=panel[0], scores={(tree.village.pk, "content"): ""})
        == 1
    )


def test_ties_share_a_rank_in_tree_order(tree, people, season, panel):
    """Both villages scored only by the panel, equally: 并列第1, the village listed first."""
    with time_machine.travel(SEEN_AT, tick=False):
        plan = assessment.create_plan(
            tree.town,
            actor=people.office,
            title="评议",
            window=season.window,
            criteria=[Spec("form", 100)],
        )
        assessment.add_assessor(plan, actor=people.office, user=panel[0])
        assessment.open_scoring(plan, actor=people.office)
        assessment.enter_scores(
            plan,
            actor=panel[0],
            scores={(tree.sibling_village.pk, "form"): "88", (tree.village.pk, "form"): "88.0"},
        )
        rows = assessment.compute(plan)["rows"]
    assert [(r["organization"]["name"], r["rank"], r["tied"]) for r in rows] == [
        ("东岭村党支部", 1, True),
        ("西岭村党支部", 1, True),
    ]


def test_a_plan_can_reach_all_branches_below(tree, people, season):
    general = make_org("QS-03", "南岭社区党总支", Organization.Kind.GENERAL_BRANCH, tree.town)
    make_org("QS-03-1", "南岭社区第一党支部", Organization.Kind.BRANCH, general)
    with time_machine.travel(SEEN_AT, tick=False):
        plan = assessment.create_plan(
            tree.town,
            actor=people.office,
            title="支部考核",
            window=season.window,
            criteria=[Spec("on_time_rate", 100)],
            reach=AssessmentPlan.Reach.BRANCHES,
        )
    assert [o.code for o in assessment.assessed(plan)] == ["QS-01", "QS-02", "QS-03-1"]
    plan.reach = AssessmentPlan.Reach.CHILDREN
    assert [o.code for o in assessment.assessed(plan)] == ["QS-01", "QS-02", "QS-03"]
    # Nothing fell due for the new branch: full marks, and the result says so.
    plan.reach = AssessmentPlan.Reach.BRANCHES
    row = assessment.compute(plan)["rows"][0]
    assert row["organization"]["code"] == "QS-03-1" and row["total"] == "100.00"
    assert "本期无到期事项" in row["parts"][0]["formula"]


def test_who_sees_a_plan_before_and_after_publication(tree, people, season, plan, panel):
    village_clerk, outsider = people.clerk, people.outsider
    other_town_clerk = make_user("bs-clerk", "白沙文书")
    from gongkai.conftest import grant
    from gongkai.organizations.models import Role

    grant(other_town_clerk, tree.unrelated_village, Role.Kind.CLERK)
    assert access.can_view_plan(people.office, plan) and access.can_view_plan(panel[0], plan)
    assert not access.can_view_plan(village_clerk, plan)
    assert plan not in access.plans_for(village_clerk)
    assert plan in access.plans_for(panel[0]) and plan in access.plans_for(people.office)
    with time_machine.travel(SEEN_AT, tick=False):
        assessment.open_scoring(plan, actor=people.office)
        for person, base in zip(panel, (80, 70), strict=True):
            score_all(
                plan,
                person,
                tree,
                {tree.village: (base, 8, base), tree.sibling_village: (base, 8, base)},
            )
        assessment.publish(plan, actor=people.office)
    plan.refresh_from_db()
    for person in (village_clerk, people.reviewer, people.supervisor):
        assert access.can_view_plan(person, plan)
        assert plan in access.plans_for(person)
    for person in (outsider, other_town_clerk, people.member):
        assert not access.can_view_plan(person, plan)
        assert plan not in access.plans_for(person)
    assert plan in access.public_plans()


def test_definitions_are_refused_to_others_and_frozen_after_the_draft(tree, people, season, plan):
    with pytest.raises(PermissionDenied):
        assessment.create_plan(
            tree.town, actor=people.clerk, title="x", window=season.window, criteria=CRITERIA
        )
    with pytest.raises(ValidationError) as caught:
        assessment.create_plan(
            tree.town, actor=people.office, title=" \x00 ", window=season.window, criteria=CRITERIA
        )
    assert caught.value.messages == [str(validation.NUL_CHARACTER)]
    assessment.open_scoring(plan, actor=people.office)
    with pytest.raises(ValidationError):
        assessment.change_plan(
            plan,
            actor=people.office,
            title="改",
            window=windows.year(2026),
            criteria=CRITERIA,
            reach="children",
            public_summary=False,
        )
    with pytest.raises(ValidationError):
        assessment.open_scoring(plan, actor=people.office)


def test_scoring_cannot_open_without_assessors_for_panel_criteria(tree, people, season):
    plan = assessment.create_plan(
        tree.town, actor=people.office, title="无评议人员", window=season.window, criteria=CRITERIA
    )
    with pytest.raises(ValidationError) as caught:
        assessment.open_scoring(plan, actor=people.office)
    assert caught.value.messages == ["本考核含评议指标，开始评分前请至少添加一名评议人员。"]


# --- exports ----------------------------------------------------------------------------------


@pytest.fixture
def published(tree, people, season, plan, panel):  # type: ignore[no-untyped-def]
    with time_machine.travel(SEEN_AT, tick=False):
        assessment.open_scoring(plan, actor=people.office)
        score_all(
            plan,
            panel[0],
            tree,
            {tree.village: ("90", "8", "80"), tree.sibling_village: ("70", "9", "60")},
        )
        score_all(
            plan,
            panel[1],
            tree,
            {tree.village: ("80", "9", "90"), tree.sibling_village: ("60", "7", "80")},
        )
        return assessment.publish(plan, actor=people.office)


def test_the_excel_export_reads_back_with_chinese_headers(published):
    data = assessment.result(published)
    book = load_workbook(io.BytesIO(exports.xlsx(published, data)))
    assert book.sheetnames == ["排名", "得分来源"]
    ranking = [list(r) for r in book["排名"].iter_rows(values_only=True)]
    assert ranking[0][0] == "2026年上半年党务公开工作考核"
    assert ranking[1][0] == "青石镇党委，2026年上半年"
    assert ranking[3] == [
        "排名",
        "党组织",
        "公开覆盖率（权重20）",
        "按时公开率（权重40）",
        "内容（权重20）",
        "程序（权重10）",
        "效果（权重10）",
        "总分",
    ]
    for line, row in zip(ranking[4:], data["rows"], strict=True):
        assert line[0] == str(row["rank"]) and line[1] == row["organization"]["name"]
        assert line[-1] == pytest.approx(float(row["total"]))
        assert line[2:-1] == [pytest.approx(float(p["score"])) for p in row["parts"]]
    sources = [list(r) for r in book["得分来源"].iter_rows(values_only=True)]
    assert sources[0] == [
        "党组织", "考核指标", "来源", "权重", "数值", "评议人员", "评议分数", "得分", "计算方法",
    ]  # fmt: skip
    village_content = [r for r in sources if r[0] == "东岭村党支部" and r[1] == "内容"]
    assert [(r[5], r[6]) for r in village_content] == [("杨代表", 90.0), ("赵委员", 80.0)]
    assert village_content[0][7] == 17.0 and "平均分85.00" in village_content[0][8]
    measured = next(r for r in sources if r[0] == "东岭村党支部" and r[1] == "按时公开率")
    assert measured[2] == "数据测算" and "× 权重40 ÷ 100" in measured[8]


def test_the_pdf_export_reads_back(published):
    data = assessment.result(published)
    reader = PdfReader(io.BytesIO(exports.pdf(published, data)))
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
    assert "2026年上半年党务公开工作考核" in text
    for row in data["rows"]:
        assert row["organization"]["name"] in text and row["total"] in text
    assert "杨代表" in text and "各项得分来源" in text
