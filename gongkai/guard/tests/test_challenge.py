"""The self-hosted challenge: asked past the soft limit, passed with a right answer in
digits or Chinese numerals, refused (with a new question and a Chinese message) when wrong,
replayed or expired."""

from __future__ import annotations

import re
import time

import pytest
from django.core import signing
from django.test import RequestFactory, override_settings
from hypothesis import given
from hypothesis import strategies as st

from gongkai.guard import challenge, limits

pytestmark = pytest.mark.django_db

ONE_FREE = override_settings(GUARD_LIMITS={"opinion": limits.Limit(50, 1, 1000, 3600)})
_NUM = "[零一二三四五六七八九十]+"


def solve(question: str) -> int:
    a, b = (challenge.read_number(n) for n in re.findall(_NUM, question))
    assert a is not None and b is not None
    return a - b if ("减" in question or "minus" in question) else a + b


def attempt(**post: str) -> limits.Verdict:
    return limits.check(RequestFactory().post("/", post, REMOTE_ADDR="10.9.9.9"), "opinion")


def challenged() -> limits.Verdict:
    attempt()  # the free one
    verdict = attempt()
    assert not verdict.allowed and verdict.challenge
    return verdict


@ONE_FREE
def test_the_question_is_plain_chinese_and_a_right_answer_passes():
    verdict = challenged()
    assert re.fullmatch(f"{_NUM}[加减]{_NUM}等于几？请填写数字。", verdict.question)
    assert "请回答" in verdict.message
    answer = solve(verdict.question)
    assert attempt(guard_token=verdict.token, guard_answer=str(answer)).allowed


@ONE_FREE
def test_an_answer_in_chinese_numerals_passes():
    verdict = challenged()
    answer = challenge.chinese(solve(verdict.question))
    assert attempt(guard_token=verdict.token, guard_answer=f" {answer} ").allowed


@ONE_FREE
def test_a_wrong_answer_is_refused_with_a_new_question():
    verdict = challenged()
    wrong = attempt(guard_token=verdict.token, guard_answer=str(solve(verdict.question) + 1))
    assert not wrong.allowed and wrong.challenge
    assert "不对" in wrong.message
    assert wrong.token and wrong.token != verdict.token
    # The token is used up by the wrong answer: the right one does not pass on it afterwards.
    again = attempt(guard_token=verdict.token, guard_answer=str(solve(verdict.question)))
    assert not again.allowed and "已经回答" in again.message


@ONE_FREE
def test_a_replayed_answer_is_refused():
    verdict = challenged()
    right = str(solve(verdict.question))
    assert attempt(guard_token=verdict.token, guard_answer=right).allowed
    replay = attempt(guard_token=verdict.token, guard_answer=right)
    assert not replay.allowed and replay.challenge and "已经回答" in replay.message


@ONE_FREE
def test_an_expired_question_is_refused(monkeypatch):
    verdict = challenged()
    right = str(solve(verdict.question))
    with override_settings(GUARD_CHALLENGE_SECONDS=0):
        real = time.time
        monkeypatch.setattr(time, "time", lambda: real() + 5)
        expired = attempt(guard_token=verdict.token, guard_answer=right)
    assert not expired.allowed and expired.challenge and "过期" in expired.message


@ONE_FREE
def test_a_forged_token_is_refused():
    challenged()
    forged = signing.dumps({"n": "x", "d": "0" * 32}, salt="other")
    assert not attempt(guard_token=forged, guard_answer="3").allowed
    assert not attempt(guard_token="x" * 5000, guard_answer="3").allowed


@given(st.integers(0, 99))
def test_chinese_numerals_read_back(n):
    assert challenge.read_number(challenge.chinese(n)) == n
    assert challenge.read_number(str(n)) == n
    assert challenge.read_number(chr(0xFF10 + n % 10)) == n % 10


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("八", 8),
        ("捌", 8),
        ("十二", 12),
        ("一十二", 12),
        ("拾贰", 12),
        ("两", 2),
        ("８", 8),
        ("8。", 8),
    ],
)
def test_ways_of_writing_a_number(typed, number):
    assert challenge.read_number(typed) == number


@given(st.text(max_size=30))
def test_reading_never_raises(text):
    n = challenge.read_number(text)
    assert n is None or 0 <= n <= 999


@ONE_FREE
def test_an_api_client_answers_in_headers():
    verdict = challenged()
    answer = str(solve(verdict.question))
    request = RequestFactory().post(
        "/", "{}", content_type="application/json", REMOTE_ADDR="10.9.9.9",
        headers={"X-Guard-Token": verdict.token, "X-Guard-Answer": answer},
    )  # fmt: skip
    assert limits.check(request, "opinion").allowed
