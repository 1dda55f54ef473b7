"""The State Council's holiday notice, pasted as text, becomes the calendar's days."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.workdays import notice
from gongkai.workdays.notice import HOLIDAY, WORKDAY, parse
from gongkai.workdays.tests.conftest import d

NOTICES = Path(__file__).with_name("notices")
ONE_DAY = dt.timedelta(days=1)

# In 2020 the Spring Festival holiday was extended to February 2 after the notice, because
# of the epidemic (国办发明电〔2020〕1号): the package has the extension, the notice does not.
EXTENSIONS = {2020: {d("2020-01-31"), d("2020-02-01")}}


def days_of(year: int) -> list[dt.date]:
    day, out = dt.date(year, 1, 1), []
    while day.year == year:
        out.append(day)
        day += ONE_DAY
    return out


@pytest.mark.parametrize("year", range(2020, 2027))
def test_each_real_notice_gives_the_packages_working_days(year: int) -> None:
    parsed = parse((NOTICES / f"{year}.txt").read_text(encoding="utf-8"))
    assert parsed.problems == []
    assert parsed.year == year
    assert parsed.ok
    status = {day.date: day.kind == WORKDAY for day in parsed.days}
    differ = {
        day
        for day in days_of(year)
        if status.get(day, day.weekday() < 5) != chinese_calendar.is_workday(day)
    }
    assert differ == EXTENSIONS.get(year, set())
    # Every day off the notice names is a holiday in the package, under the same name.
    for day in parsed.days:
        if day.kind == HOLIDAY and day.date.year == year and day.date not in differ:
            assert chinese_calendar.is_holiday(day.date), day


def test_the_2026_notice_in_detail() -> None:
    parsed = parse((NOTICES / "2026.txt").read_text(encoding="utf-8"))
    table = [(day.date.isoformat(), day.kind, day.name) for day in parsed.days]
    assert table[:4] == [
        ("2026-01-01", HOLIDAY, "元旦"),
        ("2026-01-02", HOLIDAY, "元旦"),
        ("2026-01-03", HOLIDAY, "元旦"),
        ("2026-01-04", WORKDAY, "元旦调休"),
    ]
    spring = [(t[0], t[1]) for t in table if t[2].startswith("春节")]
    assert spring == [
        ("2026-02-14", WORKDAY),
        *[(f"2026-02-{n}", HOLIDAY) for n in range(15, 24)],
        ("2026-02-28", WORKDAY),
    ]
    assert parsed.reference == "国办发明电〔2025〕7号"
    schedule = parsed.schedule()
    assert schedule.year == 2026
    assert schedule.complete
    assert schedule.days[d("2026-10-10")] == (WORKDAY, "国庆节调休", "国办发明电〔2025〕7号")


def test_a_range_across_new_year_keeps_its_written_years() -> None:
    parsed = parse((NOTICES / "2023.txt").read_text(encoding="utf-8"))
    new_year = [day.date.isoformat() for day in parsed.days if day.name == "元旦"]
    assert new_year == ["2022-12-31", "2023-01-01", "2023-01-02"]


def test_a_date_only_mentioned_in_brackets_is_listed_as_skipped() -> None:
    parsed = parse((NOTICES / "2024.txt").read_text(encoding="utf-8"))
    assert [remark.line for remark in parsed.skipped] == [6]
    assert "除夕（2月9日）" in parsed.skipped[0].sentence
    assert parsed.skipped[0].message == "仅在括号中提及：通知未把它定为放假日或上班日。"
    assert d("2024-02-09") not in {day.date for day in parsed.days}


def test_the_brief_one_line_form_and_full_width_digits_parse_alike() -> None:
    one_line = (
        "关于２０２６年部分节假日安排的通知 一、元旦：１月１日（周四）至３日（周六）放假调休，共３天。"
        "１月４日（周日）上班。二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）"
        "放假调休，共9天。2月14日（周六）、2月28日（周六）上班。"
    )
    parsed = parse(one_line)
    assert parsed.problems == []
    assert len(parsed.days) == 3 + 1 + 9 + 2


def test_a_sentence_wrapped_over_two_lines_is_read_as_one() -> None:
    parsed = parse(
        "一、春节：2月10日至17日放假调休，共8天。2月4日（星期日）、\n2月18日（星期日）上班。",
        year=2024,
    )
    assert parsed.problems == []
    assert [day.date for day in parsed.days if day.kind == WORKDAY] == [
        d("2024-02-04"),
        d("2024-02-18"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "一、元旦：1月1日（周四）放假，共1天。",
            "“1月1日（周四）”标注为周四，但 2027-01-01 是周五。",
        ),
        ("一、春节：2月5日至11日放假调休，共8天。", "该句说共 8 天，但所列日期共 7 天。"),
        ("一、元旦：2月30日放假。", "“2月30日”不是 2027 年的日期。"),
        ("一、元旦：1月3日至1日放假。", "所列日期止于 2027-01-01，早于起始日 2027-01-03。"),
        ("一、元旦：1月1日（周五）。", "该句有日期，但既未写“放假”，也未写“上班”。"),
        ("一、元旦：3日放假。", "“3日”没有月份。"),
        (
            "一、元旦：1月1日放假，1月9日上班。",
            "该句同时写了“放假”和“上班”：请在放假日期与上班日期之间用句号（。）隔开。",
        ),
        (
            "一、元旦：1月1日、1月2日、1月3日放假。",
            "放假日期应写作一天或一个区间（“某日至某日”）。",
        ),
        (
            "一、元旦：1月1日放假。二、春节：1月1日上班。",
            "2027-01-01 既被列为放假日，又被列为上班日。",
        ),
    ],
)
def test_it_names_what_it_cannot_read_in_chinese(text: str, message: str) -> None:
    parsed = parse(text, year=2027)
    assert [remark.message for remark in parsed.problems] == [message]
    assert not parsed.ok


def test_it_asks_for_the_year_when_the_text_does_not_say() -> None:
    parsed = parse("一、元旦：1月1日放假。")
    assert parsed.year is None
    assert [remark.message for remark in parsed.problems] == [
        "文本中没有写明年份（如“关于2027年部分节假日安排的通知”），请填写年份。"
    ]


def test_text_without_items_is_refused() -> None:
    parsed = parse("今天天气很好。", year=2027)
    assert [remark.message for remark in parsed.problems] == [
        "没有找到“一、元旦：1月1日……放假……”这样的编号条目。"
    ]


def test_an_item_without_days_off_is_a_problem() -> None:
    parsed = parse("一、元旦：1月4日（周一）上班。", year=2027)
    assert [remark.message for remark in parsed.problems] == ["该条目没有列出放假日期。"]


# --- properties ------------------------------------------------------------------------------

WEEKDAYS_CN = "一二三四五六日"


@st.composite
def schedules(draw: st.DrawFn) -> tuple[int, list[tuple[str, list[dt.date], list[dt.date]]]]:
    """A year and its holidays: each a name, a run of days off, and make-up days nearby,
    never overlapping another holiday's days."""
    year = draw(st.integers(2027, 2040))
    names = draw(
        st.lists(
            st.sampled_from(["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]),
            min_size=1,
            max_size=7,
            unique=True,
        )
    )
    taken: set[dt.date] = set()
    items = []
    for name in names:
        start = dt.date(year, 1, 1) + dt.timedelta(days=draw(st.integers(0, 350)))
        length = draw(st.integers(1, 9))
        off = [start + dt.timedelta(days=i) for i in range(length)]
        off = [day for day in off if day.year == year]
        work = [
            start + dt.timedelta(days=delta)
            for delta in draw(st.lists(st.integers(-10, 20), max_size=2, unique=True))
        ]
        work = sorted(day for day in work if day.year == year and day not in off)
        if taken & {*off, *work} or not off:
            continue
        taken |= {*off, *work}
        items.append((name, off, work))
    return year, items


def write_date(
    day: dt.date, previous: dt.date | None, *, weekday: str, lunar: bool, full_month: bool
) -> str:
    text = f"{day.day}日"
    if previous is None or previous.month != day.month or full_month:
        text = f"{day.month}月{text}"
    mark = []
    if lunar:
        mark.append("农历初一")
    if weekday:
        mark.append(f"{weekday}{WEEKDAYS_CN[day.weekday()]}")
    return text + (f"（{'、'.join(mark)}）" if mark else "")


@settings(max_examples=60, deadline=None)
@given(
    schedule=schedules(),
    weekday=st.sampled_from(["", "周", "星期"]),
    lunar=st.booleans(),
    full_month=st.booleans(),
    one_line=st.booleans(),
    full_width=st.booleans(),
)
def test_a_notice_written_in_any_of_its_styles_reads_back_as_written(
    schedule: tuple[int, list[tuple[str, list[dt.date], list[dt.date]]]],
    weekday: str,
    lunar: bool,
    full_month: bool,
    one_line: bool,
    full_width: bool,
) -> None:
    year, items = schedule
    numerals = "一二三四五六七"
    lines = [f"国务院办公厅关于{year}年部分节假日安排的通知"]
    for number, (name, off, work) in zip(numerals, items, strict=False):
        first = write_date(off[0], None, weekday=weekday, lunar=lunar, full_month=True)
        if len(off) == 1:
            sentence = f"{first}放假，共1天。"
        else:
            last = write_date(off[-1], off[0], weekday=weekday, lunar=lunar, full_month=full_month)
            sentence = f"{first}至{last}放假调休，共{len(off)}天。"
        if work:
            written = [
                write_date(day, None, weekday=weekday, lunar=False, full_month=True) for day in work
            ]
            sentence += "、".join(written) + "上班。"
        lines.append(f"{number}、{name}：{sentence}")
    text = ("" if one_line else "\n").join(lines)
    if full_width:
        text = text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    parsed = parse(text)
    assert parsed.problems == []
    expected = {day: (HOLIDAY, name) for name, off, _work in items for day in off}
    expected |= {day: (WORKDAY, f"{name}调休") for name, _off, work in items for day in work}
    assert {day.date: (day.kind, day.name) for day in parsed.days} == expected


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_anything_pasted_gives_an_answer_never_an_exception(text: str) -> None:
    parsed = parse(text, year=2027)
    assert parsed.ok or parsed.problems
    for day in parsed.days:
        assert abs(day.date.year - 2027) <= 1


def test_a_huge_paste_is_refused_before_reading() -> None:
    parsed = parse("一、元旦：1月1日放假。" * 5_000, year=2027)
    assert [remark.message for remark in parsed.problems] == [
        "文本超过 20000 个字符：请只粘贴通知正文。"
    ]
    assert notice.MAX_NOTICE_CHARS == 20_000
