"""Duplicate detection: the same text to the same organization within the window is one
submission; the first one's reference comes back."""

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.guard import duplicates, tracking

pytestmark = pytest.mark.django_db


def test_the_same_text_again_returns_the_first_reference():
    first = duplicates.claim("opinion", 1, "村口路灯坏了，请修理。", "AAAA")
    assert first == "AAAA"
    assert duplicates.is_duplicate("opinion", 1, "村口 路灯坏了 请修理", "BBBB") == "AAAA"
    # Another organization or another kind of submission is not a duplicate.
    assert duplicates.is_duplicate("opinion", 2, "村口路灯坏了，请修理。", "CCCC") is None
    assert duplicates.is_duplicate("request", 1, "村口路灯坏了，请修理。", "DDDD") is None


def test_forget_lets_the_text_be_sent_again():
    duplicates.claim("topic", 5, "办公经费", "X1")
    duplicates.forget("topic", 5, "办公经费")
    assert duplicates.claim("topic", 5, "办公经费", "X2") == "X2"


def test_after_the_window_the_text_is_new():
    with override_settings(GUARD_DUPLICATE_SECONDS=-1):
        duplicates.claim("opinion", 3, "同一句话", "OLD")
    assert duplicates.claim("opinion", 3, "同一句话", "NEW") == "NEW"


SPACING = st.sampled_from([" ", "", "\u3000", "，", "！", "\n"])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(alphabet="路灯坏了村口修理水渠ABCabc123", min_size=1, max_size=5),
        min_size=1,
        max_size=6,
    ),
    st.data(),
)
def test_spacing_width_case_and_punctuation_do_not_make_a_new_text(words, data):
    original = " ".join(words)
    variant = "".join(w + data.draw(SPACING) for w in words).upper()
    variant = "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in variant)
    assert duplicates.fingerprint(original.lower()) == duplicates.fingerprint(variant.lower())
    assert duplicates.fingerprint(original) == duplicates.fingerprint(variant)


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_a_claim_returns_the_first_reference_exactly_when_the_texts_read_the_same(a, b):
    org = tracking.new_code()  # a fresh organization key for every example
    first, second = tracking.new_code(), tracking.new_code()
    assert duplicates.claim("opinion", org, a, first) == first
    same = duplicates.fingerprint(a) == duplicates.fingerprint(b)
    assert (duplicates.claim("opinion", org, b, second) == first) is same
