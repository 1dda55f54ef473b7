"""Properties of the scan over every way of typing a number: whatever the spelling, the
number is found and cannot be read back after masking; masking is idempotent, leaves text
without digits alone and leaves nothing for a second scan to find."""

from __future__ import annotations

import random
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.disclosures.scanning import (
    BANK_CARD,
    ID18,
    PERSONAL_KINDS,
    is_id18,
    mask,
    scan,
)
from gongkai.disclosures.tests import strategies as gs

SLOW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def personal(text: str) -> list[str]:
    return [f.kind for f in scan(text) if f.kind in PERSONAL_KINDS]


@SLOW
@given(case=gs.texts_with_numbers(html=True))
def test_no_number_can_be_read_back_from_masked_html(case):
    text, numbers = case
    masked = mask(text)
    assert gs.leaked(numbers, masked) == [], masked


@SLOW
@given(case=gs.texts_with_numbers(html=False))
def test_no_number_can_be_read_back_from_masked_plain_text(case):
    text, numbers = case
    masked = mask(text)
    assert gs.leaked(numbers, masked) == [], masked


@SLOW
@given(case=gs.texts_with_numbers(html=True))
def test_masking_is_idempotent_and_leaves_nothing_to_find(case):
    text, _ = case
    once = mask(text)
    assert mask(once) == once
    assert personal(once) == []


@SLOW
@given(data=st.data(), kind_number=gs.personal_numbers(), before=gs.filler(), after=gs.filler())
def test_each_number_is_one_finding_whatever_its_spelling(data, kind_number, before, after):
    _, digits = kind_number
    spelled = data.draw(gs.spellings(digits))
    text = before + spelled + after
    found = [f for f in scan(text) if f.kind in PERSONAL_KINDS]
    # One finding, never a number split into parts; it starts at or after the prefix and
    # covers the last digit of the number.
    assert len(found) == 1, (text, found)
    assert found[0].end == len(before) + len(spelled) - _trailing_markup(spelled)


def _trailing_markup(spelled: str) -> int:
    tail = re.search(r"(?:<[^<>]*>)*$", spelled)
    return len(tail.group()) if tail else 0


@SLOW
@given(data=st.data(), number=gs.unionpay_19_with_luhn_16())
def test_a_19_digit_card_whose_first_16_digits_pass_luhn_is_masked_whole(data, number):
    spelled = data.draw(gs.spellings(number))
    found = [f for f in scan(f"卡号{spelled}。") if f.kind in PERSONAL_KINDS]
    assert [f.kind for f in found] == [BANK_CARD]
    assert gs.reader_digits(found[0].masked) == number[:4] + number[-4:]


@SLOW
@given(data=st.data(), number=gs.id18_numbers())
def test_an_id_number_is_never_split_into_a_mobile_and_the_rest(data, number):
    spelled = data.draw(gs.spellings(number))
    assert [f.kind for f in scan(f"身份证{spelled}号")] == [ID18]


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(
        st.characters(
            blacklist_categories=("Nd", "No", "Nl", "Cs"), blacklist_characters="&"
        ).filter(lambda c: c not in gs._CHINESE)
    )
)
def test_text_without_digits_is_never_changed(text):
    assert mask(text) == text


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_any_text_masks_idempotently_and_scans_clean(text):
    once = mask(text)
    assert mask(once) == once
    assert personal(once) == []


@settings(max_examples=200, deadline=None)
@given(case=gs.texts_with_numbers(html=True), level_marking=gs.secret_markings())
def test_masking_never_hides_a_secret_marking(case, level_marking):
    text, _ = case
    _, marking = level_marking
    masked = mask(text + marking)
    assert any(f.kind == "secret" for f in scan(masked))


def _flag_rate(numbers: list[str]) -> float:
    return sum(1 for n in numbers if scan(f"编号{n}号")) / len(numbers)


def test_fewer_than_one_in_a_hundred_18_digit_numbers_with_an_impossible_date_are_flagged():
    rng = random.Random(20261202)
    numbers = [gs.impossible_date_18(rng) for _ in range(20_000)]
    assert not any(is_id18(n) for n in numbers)
    assert _flag_rate(numbers) < 0.01


def test_fewer_than_one_in_a_hundred_id_like_numbers_with_an_impossible_date_are_flagged():
    # Real province codes in front, as an ID number with a typo in its date would have.
    rng = random.Random(7)
    provinces = sorted({code[:2] for code in gs.REGION_CODES})
    numbers = []
    for _ in range(20_000):
        n = gs.impossible_date_18(rng)
        numbers.append(rng.choice(provinces) + n[2:])
    assert _flag_rate(numbers) < 0.01
