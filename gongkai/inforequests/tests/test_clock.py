"""The request clock as pure functions: tables over 国庆 2026 and 春节 2027, and properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongkai.inforequests import clock
from gongkai.inforequests.clock import Policy, Step
from gongkai.workdays.services import WorkingCalendar

D = dt.date
PACKAGE = WorkingCalendar()
# 春节 2027 as a test's administrator would enter it before the package knows it.
SPRING_2027 = {D(2027, 1, 1): False, D(2027, 2, 20): True} | {
    D(2027, 2, day): False for day in range(6, 15)
}
WITH_2027 = WorkingCalendar(overrides=SPRING_2027, complete_years=frozenset({2027}))


def test_twenty_working_days_skip_the_national_day_holiday_and_count_the_make_up_saturday():
    c = clock.compute(D(2026, 9, 21), [Step(clock.RECEIVED, D(2026, 9, 21))], PACKAGE)
    assert c.due_on == D(2026, 10, 26)
    assert c.supplement_notice_by == D(2026, 10, 8)
    assert not c.provisional


def test_one_extension_of_twenty_days_runs_from_the_old_deadline():
    steps = [Step(clock.RECEIVED, D(2026, 9, 21)), Step(clock.EXTENDED, D(2026, 10, 20), 20)]
    c = clock.compute(D(2026, 9, 21), steps, PACKAGE)
    assert c.due_before_extension == D(2026, 10, 26)
    assert c.due_on == D(2026, 11, 23)


def test_the_clock_stands_still_while_the_applicant_completes_the_request():
    steps = [
        Step(clock.RECEIVED, D(2026, 9, 21)),
        Step(clock.SUPPLEMENT_REQUESTED, D(2026, 9, 28)),
    ]
    c = clock.compute(D(2026, 9, 21), steps, PACKAGE)
    assert c.due_on is None
    assert c.stopped == clock.STOPPED_SUPPLEMENT
    assert c.stopped_since == D(2026, 9, 28)


def test_counting_restarts_from_the_day_the_completed_request_arrives():
    steps = [
        Step(clock.RECEIVED, D(2026, 9, 21)),
        Step(clock.SUPPLEMENT_REQUESTED, D(2026, 9, 28)),
        Step(clock.SUPPLEMENT_RECEIVED, D(2026, 10, 9)),
    ]
    c = clock.compute(D(2026, 9, 21), steps, PACKAGE)
    assert c.counting_from == D(2026, 10, 9)
    assert c.due_on == D(2026, 11, 5)


def test_days_spent_consulting_a_third_party_are_not_counted():
    steps = [
        Step(clock.RECEIVED, D(2026, 9, 21)),
        Step(clock.THIRD_PARTY_ASKED, D(2026, 9, 24)),
        Step(clock.THIRD_PARTY_ANSWERED, D(2026, 10, 12)),
    ]
    c = clock.compute(D(2026, 9, 21), steps, PACKAGE)
    # Sep 28, 29, 30, Oct 8, 9, the make-up Saturday Oct 10, and Oct 12.
    assert c.paused_days == 7
    assert c.due_on == D(2026, 11, 4)


def test_while_a_third_party_is_consulted_the_deadline_is_the_latest_it_can_be():
    steps = [Step(clock.RECEIVED, D(2026, 9, 21)), Step(clock.THIRD_PARTY_ASKED, D(2026, 9, 24))]
    c = clock.compute(D(2026, 9, 21), steps, PACKAGE)
    assert c.stopped == clock.STOPPED_THIRD_PARTY
    assert c.third_party_by == D(2026, 10, 22)
    assert c.due_on == PACKAGE.add_working_days(D(2026, 9, 21), 35)


def test_a_late_third_party_answer_stops_the_clock_for_fifteen_days_at_most():
    steps = [
        Step(clock.RECEIVED, D(2026, 9, 21)),
        Step(clock.THIRD_PARTY_ASKED, D(2026, 9, 24)),
        Step(clock.THIRD_PARTY_ANSWERED, D(2026, 12, 1)),
    ]
    assert clock.compute(D(2026, 9, 21), steps, PACKAGE).paused_days == 15


def test_spring_festival_2027_counts_the_holidays_an_administrator_entered():
    c = clock.compute(D(2027, 1, 25), [Step(clock.RECEIVED, D(2027, 1, 25))], WITH_2027)
    assert c.due_on == D(2027, 2, 26)
    assert not c.provisional


def test_without_2027_in_any_calendar_the_deadline_is_provisional_monday_to_friday():
    c = clock.compute(D(2027, 1, 25), [Step(clock.RECEIVED, D(2027, 1, 25))], PACKAGE)
    assert c.due_on == D(2027, 2, 22)
    assert c.provisional and c.missing_years == (2027,)


def test_notice_across_new_year_restart_across_spring_festival_and_an_extension():
    steps = [
        Step(clock.RECEIVED, D(2026, 12, 28)),
        Step(clock.SUPPLEMENT_REQUESTED, D(2027, 1, 5)),
        Step(clock.SUPPLEMENT_RECEIVED, D(2027, 2, 3)),
        Step(clock.EXTENDED, D(2027, 3, 1), 10),
    ]
    c = clock.compute(D(2026, 12, 28), steps, WITH_2027)
    assert c.supplement_notice_by == D(2027, 1, 7)
    assert c.due_before_extension == D(2027, 3, 9)
    assert c.due_on == D(2027, 3, 23)


def test_an_organization_may_set_its_own_period():
    c = clock.compute(
        D(2026, 9, 21), [Step(clock.RECEIVED, D(2026, 9, 21))], PACKAGE, Policy(answer_days=15)
    )
    assert c.due_on == D(2026, 10, 19)


@pytest.mark.parametrize(
    ("on", "left"),
    [(D(2026, 10, 22), 2), (D(2026, 10, 26), 0), (D(2026, 10, 27), -1), (D(2026, 9, 30), 14)],
)
def test_remaining_working_days(on, left):
    c = clock.compute(D(2026, 9, 21), [Step(clock.RECEIVED, D(2026, 9, 21))], PACKAGE)
    assert clock.remaining(c, on, PACKAGE) == left
    assert clock.is_overdue(c, on) == (left < 0)


days_2026 = st.dates(min_value=D(2026, 1, 5), max_value=D(2026, 6, 30))


@given(received=days_2026, extension=st.integers(0, 20), answer=st.integers(1, 40))
def test_the_deadline_is_always_the_period_plus_extension_in_working_days(
    received, extension, answer
):
    steps = [Step(clock.RECEIVED, received)]
    if extension:
        steps.append(Step(clock.EXTENDED, received, extension))
    c = clock.compute(received, steps, PACKAGE, Policy(answer_days=answer))
    assert c.due_on is not None
    assert PACKAGE.count_working_days(received, c.due_on) == answer + extension
    assert PACKAGE.is_working_day(c.due_on)


@given(received=days_2026, asked_after=st.integers(0, 60), took=st.integers(0, 60))
def test_consulting_adds_exactly_the_working_days_it_took_up_to_its_limit(
    received, asked_after, took
):
    asked = received + dt.timedelta(days=asked_after)
    answered = asked + dt.timedelta(days=took)
    steps = [
        Step(clock.RECEIVED, received),
        Step(clock.THIRD_PARTY_ASKED, asked),
        Step(clock.THIRD_PARTY_ANSWERED, answered),
    ]
    c = clock.compute(received, steps, PACKAGE)
    spent = min(PACKAGE.count_working_days(asked, answered), 15)
    assert c.paused_days == spent
    assert c.due_on is not None
    assert PACKAGE.count_working_days(received, c.due_on) == 20 + spent


@given(received=days_2026, completed_after=st.integers(1, 90))
def test_after_completion_the_count_starts_afresh(received, completed_after):
    completed = received + dt.timedelta(days=completed_after)
    steps = [
        Step(clock.RECEIVED, received),
        Step(clock.SUPPLEMENT_REQUESTED, received),
        Step(clock.SUPPLEMENT_RECEIVED, completed),
    ]
    c = clock.compute(received, steps, PACKAGE)
    assert c.due_on is not None
    assert PACKAGE.count_working_days(completed, c.due_on) == 20
