"""The scoring rules, table by table: criteria a plan may have, points per criterion,
待评议 while a panel score is missing, and ranks with ties."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from gongkai.reports import assessment, windows
from gongkai.reports.assessment import Measured, Spec

D = Decimal


# --- which criteria a plan may have -----------------------------------------------------------

CRITERIA_REFUSED = [
    ([], "请至少选择一项考核指标。"),
    ([Spec("on_time_rate", 60), Spec("content", 30)], "各项权重之和须为100（现为90）。"),
    ([Spec("on_time_rate", 60), Spec("content", 50)], "各项权重之和须为100（现为110）。"),
    ([Spec("on_time_rate", 50), Spec("on_time_rate", 50)], "“按时公开率”重复了。"),
    ([Spec("coverage", 0), Spec("content", 100)], "“公开覆盖率”的权重须为1到100之间的整数。"),
    ([Spec("coverage", 101)], "“公开覆盖率”的权重须为1到100之间的整数。"),
    ([Spec("content", 100, 0)], "“内容”的满分须为1到1000之间的整数。"),
    ([Spec("content", 100, 1001)], "“内容”的满分须为1到1000之间的整数。"),
    ([Spec("no such\x00", 100)], "“no such\x00”不是考核指标。"),
    (
        [Spec("satisfaction", 100)],
        "“满意度”暂不能选择。待意见建议、回音壁和满意度测评功能上线后可用",
    ),
    ([Spec("answer_time", 100)], "“意见答复时效”暂不能选择。"),
]


@pytest.mark.parametrize(("specs", "message"), CRITERIA_REFUSED)
def test_it_refuses_criteria_that_do_not_make_a_plan(specs, message):
    with pytest.raises(ValidationError) as caught:
        assessment.check_criteria(specs)
    assert any(m.startswith(message) for m in caught.value.messages), caught.value.messages


def test_criteria_come_back_in_their_fixed_order_and_measured_ones_out_of_100():
    specs = assessment.check_criteria(
        [Spec("effect", 10, 20), Spec("content", 20, 50), Spec("on_time_rate", 40, 7),
         Spec("coverage", 30)]
    )  # fmt: skip
    assert [(s.kind, s.weight, s.max_score) for s in specs] == [
        ("coverage", 30, 100),
        ("on_time_rate", 40, 100),
        ("content", 20, 50),
        ("effect", 10, 20),
    ]


# --- points per criterion ---------------------------------------------------------------------

MEASURED_TABLE = [
    # weight, measured %, points, the formula says
    (40, D("87.5"), "35.00", "按时公开率 87.5%（按时公开7项 ÷ 应公开8项）× 权重40 ÷ 100 = 35.00"),
    (40, D("0.0"), "0.00", "按时公开率 0.0%"),
    (40, D("100.0"), "40.00", "= 40.00"),
    (33, D("66.7"), "22.01", "× 权重33 ÷ 100 = 22.01"),  # 22.011 rounds half up to 2 places
    (40, None, "40.00", "本期无到期事项，无遗漏，按满分计40.00分。"),
]


@pytest.mark.parametrize(("weight", "value", "points", "formula"), MEASURED_TABLE)
def test_a_measured_criterion_scores_its_percentage_of_the_weight(weight, value, points, formula):
    part = assessment.score_part(
        Spec("on_time_rate", weight), measured=Measured(value, 7, 8 if value is not None else 0)
    )
    assert part["score"] == points and not part["pending"]
    assert part["value"] == (None if value is None else str(value))
    assert formula in part["formula"]


PANEL_TABLE = [
    # weight, full marks, scores of the assessors, points (None: 待评议), mean
    (20, 100, [D(90), D(80)], "17.00", "85.00"),
    (20, 10, [D("9.5"), D(8)], "17.50", "8.75"),
    (25, 100, [D("88.8"), D("77.7"), D("66.6")], "19.43", "77.70"),
    (20, 100, [D(0)], "0.00", "0.00"),
    (20, 100, [D(90), None], None, None),  # one assessor has not scored
    (20, 100, [], None, None),  # no assessor at all
]


@pytest.mark.parametrize(("weight", "full", "scores", "points", "mean"), PANEL_TABLE)
def test_a_panel_criterion_scores_the_mean_of_every_assessor(weight, full, scores, points, mean):
    panel = [(f"评议人{i}", s) for i, s in enumerate(scores)]
    part = assessment.score_part(Spec("content", weight, full), panel=panel)
    assert part["score"] == points and part["mean"] == mean
    assert part["pending"] is (points is None)
    assert [p["score"] for p in part["panel"]] == [None if s is None else str(s) for s in scores]
    if points is None:
        assert part["formula"].startswith("待评议：")
    else:
        assert part["formula"].endswith(f"= {points}")


# --- ranks --------------------------------------------------------------------------------------

RANK_TABLE = [
    # totals in tree order → ranks in the order the rows come back
    (["80.00", "90.00", "70.00"], [("B", 1), ("A", 2), ("C", 3)]),
    (["80.00", "90.00", "80.00"], [("B", 1), ("A", 2), ("C", 2)]),
    (["90.00", "90.00", "70.00"], [("A", 1), ("B", 1), ("C", 3)]),
    (["90.00", None, "90.00"], [("A", 1), ("C", 1), ("B", None)]),
    ([None, None], [("A", None), ("B", None)]),
    (["85.50", "85.49"], [("A", 1), ("B", 2)]),
]


@pytest.mark.parametrize(("totals", "expected"), RANK_TABLE)
def test_ranks_share_ties_in_tree_order_and_leave_pending_last(totals, expected):
    rows = [
        {"organization": {"name": name}, "total": total}
        for name, total in zip("ABC", totals, strict=False)
    ]
    ranked = assessment.rank(rows)
    assert [(r["organization"]["name"], r["rank"]) for r in ranked] == expected
    for r in ranked:
        assert r["tied"] == (
            r["rank"] is not None and [x["rank"] for x in ranked].count(r["rank"]) > 1
        )


@given(
    weights=st.lists(st.integers(1, 100), min_size=1, max_size=6),
    values=st.lists(
        st.one_of(st.none(), st.decimals(0, 100, places=1, allow_nan=False)), min_size=6, max_size=6
    ),
)
def test_points_never_exceed_the_weight_and_a_plan_never_exceeds_100(weights, values):
    kinds = ["coverage", "on_time_rate", "content", "procedure", "form", "effect"]
    weights = weights[: len(kinds)]
    scale = D(100) / sum(weights)
    total = D(0)
    for kind, weight, value in zip(kinds, weights, values, strict=False):
        spec = Spec(kind, weight)
        if spec.measured:
            part = assessment.score_part(spec, measured=Measured(value, 0, 0))
        else:
            part = assessment.score_part(spec, panel=[("甲", value if value is not None else D(0))])
        assert D(0) <= D(part["score"]) <= weight
        total += D(part["score"]) * scale
    assert total <= D("100.5")  # scaled to weights of 100, with rounding of each part


@given(st.lists(st.one_of(st.none(), st.decimals(0, 100, places=2, allow_nan=False)), max_size=12))
def test_ranking_is_deterministic_and_orders_by_total(totals):
    rows = [
        {"organization": {"name": str(i)}, "total": None if t is None else str(t)}
        for i, t in enumerate(totals)
    ]
    first = [
        (r["organization"]["name"], r["rank"]) for r in assessment.rank([dict(r) for r in rows])
    ]
    again = [
        (r["organization"]["name"], r["rank"]) for r in assessment.rank([dict(r) for r in rows])
    ]
    assert first == again
    ranked = [r for r in assessment.rank(rows) if r["rank"] is not None]
    assert all(D(a["total"]) >= D(b["total"]) for a, b in itertools.pairwise(ranked))
    assert all(
        (a["rank"] == b["rank"]) == (D(a["total"]) == D(b["total"]))
        for a, b in itertools.pairwise(ranked)
    )


# --- windows ------------------------------------------------------------------------------------

WINDOW_LABELS = [
    (windows.half_year(2026, 1), "2026年上半年"),
    (windows.half_year(2026, 2), "2026年下半年"),
    (windows.year(2026), "2026年度"),
    (windows.months(dt.date(2026, 3, 5), dt.date(2026, 3, 20)), "2026年3月"),
    (windows.months(dt.date(2026, 1, 1), dt.date(2026, 9, 1)), "2026年1月至9月"),
    (windows.months(dt.date(2025, 11, 1), dt.date(2026, 2, 1)), "2025年11月至2026年2月"),
]


@pytest.mark.parametrize(("window", "label"), WINDOW_LABELS)
def test_windows_are_whole_months_with_chinese_labels(window, label):
    assert window.label == label
    assert window.first.day == 1
    assert (window.last + dt.timedelta(days=1)).day == 1


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (dt.date(2026, 5, 1), dt.date(2026, 4, 1), "起始月份不能晚于截止月份。"),
        (dt.date(2020, 1, 1), dt.date(2026, 1, 1), "一次最多60个月。"),
        (dt.date(1999, 1, 1), dt.date(2000, 1, 1), "年份须在2000到2099之间。"),
    ],
)
def test_a_window_refuses_months_out_of_order_or_too_many(first, last, message):
    with pytest.raises(ValidationError) as caught:
        windows.months(first, last)
    assert caught.value.messages == [message]
