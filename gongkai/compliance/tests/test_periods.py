from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from gongkai.catalog.models import Period
from gongkai.compliance import periods

days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31))


@given(day=days, period=st.sampled_from(Period.values))
def test_the_period_holding_a_day_holds_it_and_its_key_reads_back(day, period):
    span = periods.containing(period, day)
    assert span.start <= day <= span.end
    assert periods.span(span.key) == span
    after = periods.following(period, span)
    assert after.start == span.end + dt.timedelta(days=1)


@given(first=days, length=st.integers(0, 800), period=st.sampled_from(Period.values))
def test_between_lists_consecutive_periods_starting_in_the_window(first, length, period):
    last = first + dt.timedelta(days=length)
    spans = periods.between(period, first, last)
    assert all(first <= s.start <= last for s in spans)
    for a, b in itertools.pairwise(spans):
        assert b.start == a.end + dt.timedelta(days=1)
    # Nothing that starts in the window is missing.
    if spans:
        assert periods.following(period, spans[-1]).start > last
        assert periods.containing(period, first).start in (
            spans[0].start,
            *([periods.containing(period, first).start] if spans[0].start > first else []),
        )


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("2026", "2026年度"),
        ("2026-M03", "2026年3月"),
        ("2026-Q1", "2026年第一季度"),
        ("2026-Q4", "2026年第四季度"),
        ("2026-H1", "2026年上半年"),
        ("2026-H2", "2026年下半年"),
        ("2026-Q1~1", "2026年第一季度"),
    ],
)
def test_labels_in_chinese(key, label):
    assert periods.label(key) == label


@pytest.mark.parametrize(
    "key",
    ["2026-Q5", "2026-M13", "2026-M3", "2026-H3", "1800", "Q1", "2026Q1", "x" * 50, "E", "S26"],
)
def test_a_bad_key_is_refused_in_chinese(key):
    with pytest.raises(ValidationError) as raised:
        periods.check_key(key)
    assert "不是" in raised.value.messages[0] or "期" in raised.value.messages[0]


@pytest.mark.parametrize(
    "key", ["2026", "2026-M12", "2026-Q2", "2026-H1", "S2026", "E12", "C3", "P4-0", ""]
)
def test_good_keys_pass(key):
    assert periods.check_key(key) == key
