"""The bounds themselves: each check either returns a value both databases store and every
reader reads back, or raises ValidationError with a Chinese sentence. Nothing else escapes
(no InvalidOperation, OverflowError, RecursionError, yaml.YAMLError)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from gongkai import validation
from gongkai.disclosures import data as structured
from gongkai.validation.tests.strategies import (
    FUZZ,
    chinese,
    hostile_date,
    hostile_number,
    hostile_structure,
    hostile_text,
)
from gongkai.workdays.services import WorkingCalendar


@FUZZ
@given(text=hostile_number())
def test_a_number_is_finite_and_bounded_or_refused_in_chinese(text):
    try:
        number = validation.parse_number(text)
    except ValidationError as exc:
        assert all(chinese(m) for m in exc.messages)
        return
    assert number.is_finite()
    assert abs(number) < Decimal(10) ** validation.NUMBER_MAX_DIGITS
    assert float(number) == float(str(number))  # a JSON reader reads it back


@pytest.mark.parametrize(
    "text", ["1e30", "Infinity", "-Infinity", "NaN", "sNaN", "1E+999999999", "1" * 16]
)
def test_the_numbers_that_used_to_crash_are_refused(text):
    with pytest.raises(ValidationError):
        validation.parse_number(text)


@pytest.mark.parametrize(
    ("kind", "typed"),
    [
        ("number", "1e30"),
        ("number", "sNaN"),
        ("money", "Infinity"),
        ("money", "1e30"),
        ("date", "9999-12-31"),
        ("date", "0000-01-01"),
        ("month", "9999-12"),
    ],
)
def test_a_structured_value_out_of_bounds_is_a_cell_problem(kind, typed):
    value, problem = structured.clean_value(kind, typed, [])
    assert problem and chinese(problem)
    assert value == typed  # what was typed is kept


@FUZZ
@given(
    kind=st.sampled_from(["number", "money", "date", "month", "boolean", "text"]),
    typed=st.one_of(hostile_number(), hostile_date(), hostile_text()),
)
def test_a_structured_value_is_stored_or_explained(kind, typed):
    value, problem = structured.clean_value(kind, typed, [])
    if problem is None:
        validation.check_document({"v": value})
        json.dumps(value, allow_nan=False)


@FUZZ
@given(value=hostile_structure())
def test_a_document_is_storable_or_refused(value):
    try:
        validation.check_document(value)
    except ValidationError as exc:
        assert all(chinese(m) for m in exc.messages)
        return
    # PostgreSQL's jsonb refuses \u0000 and NaN; both would have been refused above.
    assert "\\u0000" not in json.dumps(value, allow_nan=False)


@FUZZ
@given(
    text=st.one_of(hostile_text(300), st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
)
def test_yaml_loads_or_is_refused_in_chinese(text):
    try:
        validation.load_yaml(text)
    except ValidationError as exc:
        assert all(chinese(m) for m in exc.messages)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: b: c", "YAML 第 1 行第 5 列无法读取：此处不能出现冒号（请给值加引号，或检查缩进）"),
        ("a:\n\t- b", "YAML 第 2 行第 1 列无法读取：出现了 Tab 字符，请只用空格缩进"),
        ("[" * 100 + "]" * 100, "YAML 嵌套超过 20 层（第 1 行）。"),
        (
            "a: &a [1,2,3,4,5,6,7,8,9,10]\n"
            + "".join(
                f"b{i}: &b{i} ["
                + ",".join([f"*{'a' if i == 0 else 'b' + str(i - 1)}"] * 10)
                + "]\n"
                for i in range(6)
            ),
            "YAML 展开后超过 200000 个值。",
        ),
        ('a: "\\0"', "文本中含有空字符（NUL）。"),
        ("a: .nan", "“nan”不是有限的数值。"),
    ],
)
def test_yaml_problems_read_in_chinese(text, expected):
    with pytest.raises(ValidationError) as caught:
        validation.load_yaml(text)
    assert caught.value.messages == [expected]


def test_yaml_wrong_shapes_are_named():
    with pytest.raises(ValidationError) as caught:
        validation.expect_mapping([1, 2], "defaults")
    assert caught.value.messages == ["defaults 应为映射（“键: 值”的若干行），而不是列表。"]


@FUZZ
@given(text=hostile_text())
def test_text_is_storable_or_refused(text):
    try:
        checked = validation.check_text(text, max_length=validation.TITLE_MAX)
    except ValidationError as exc:
        assert all(chinese(m) for m in exc.messages)
        return
    assert "\x00" not in checked and len(checked) <= validation.TITLE_MAX
    checked.encode("utf-8")


@pytest.mark.parametrize("year", [1, 1899, 2100, 9999])
def test_dates_outside_the_years_are_refused(year):
    with pytest.raises(ValidationError):
        validation.check_date(dt.date(year, 1, 1))


def test_counting_working_days_past_the_calendar_is_a_refusal_not_a_crash():
    calendar = WorkingCalendar(complete_years=frozenset({9999}))
    with pytest.raises(ValidationError):
        calendar.deadline(dt.date(9999, 12, 30), 5)


def test_nothing_finite_is_refused_for_being_a_float():
    document = {"a": 1.5, "b": [True, None, "x", 2**53 - 1]}
    assert validation.check_document(document) is document
