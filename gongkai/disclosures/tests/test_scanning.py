"""Personal numbers are found however they are typed and never published unmasked; secret
markings are found; random numbers are rarely mistaken for ID numbers."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.disclosures.scanning import (
    BANK_CARD,
    ID15,
    ID18,
    MOBILE,
    SECRET,
    id18_check_digit,
    is_id18,
    luhn_valid,
    mask,
    mask_data,
    scan,
    scan_data,
)

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
# Text around a number: Chinese and punctuation, never a digit or an ASCII letter.
filler = st.text(alphabet="党务公开名单户主张王李：，。（）、 \n", max_size=12)


@st.composite
def id_numbers(draw) -> str:  # type: ignore[no-untyped-def]
    region = draw(st.integers(110000, 659999))
    born = draw(st.dates(dt.date(1920, 1, 1), dt.date(2020, 12, 31)))
    sequence = draw(st.integers(0, 999))
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + id18_check_digit(first17)


@st.composite
def spellings(draw, number: str) -> str:  # type: ignore[no-untyped-def]
    """The number as a person might type it: full-width, a lower-case x, single spaces or
    hyphens between some digits."""
    text = number
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    if text.endswith("X") and draw(st.booleans()):
        text = text[:-1] + "x"
    cuts = draw(st.sets(st.integers(1, len(text) - 1), max_size=4))
    out = []
    for i, char in enumerate(text):
        if i in cuts:
            out.append(draw(st.sampled_from([" ", "-", "\u3000", "－"])))
        out.append(char)
    return "".join(out)


@given(data=st.data(), number=id_numbers(), before=filler, after=filler)
@settings(max_examples=300)
def test_a_valid_id_number_is_found_in_every_spelling(data, number, before, after):
    spelled = data.draw(spellings(number))
    text = before + spelled + after
    findings = [f for f in scan(text) if f.kind == ID18]
    assert [(f.start, f.end) for f in findings] == [(len(before), len(before) + len(spelled))]
    masked = mask(text)
    assert spelled not in masked
    assert number not in masked.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    assert number[:4] + "*" * 10 + number[-4:] in masked


@given(data=st.data(), numbers=st.lists(id_numbers(), min_size=1, max_size=5))
@settings(max_examples=100)
def test_id_numbers_inside_a_table_are_masked_in_every_cell(data, numbers):
    rows = [
        {"姓名": f"户主{i}", "身份证号": data.draw(spellings(n)), "备注": "困难户"}
        for i, n in enumerate(numbers)
    ]
    assert len([f for f in scan_data(rows) if f.kind == ID18]) == len(numbers)
    masked = mask_data(rows)
    flat = repr(masked)
    for number in numbers:
        assert number not in flat
    assert isinstance(masked, list)
    assert [row["姓名"] for row in masked] == [row["姓名"] for row in rows]


@given(number=id_numbers())
def test_a_reviewer_may_keep_id_numbers_on_show(number):
    text = f"公示：{number}"
    assert mask(text, keep=[ID18]) == text


def test_fewer_than_one_in_a_hundred_random_18_digit_numbers_with_a_wrong_checksum_are_flagged():
    rng = random.Random(20261121)
    flagged = 0
    samples = 20_000
    for _ in range(samples):
        first17 = str(rng.randint(10**16, 10**17 - 1))
        wrong = rng.choice([c for c in "0123456789X" if c != id18_check_digit(first17)])
        assert not is_id18(first17 + wrong)
        if scan(f"编号{first17}{wrong}号"):
            flagged += 1
    assert flagged / samples < 0.01


@pytest.mark.parametrize(
    ("text", "kind", "masked"),
    [
        ("电话13800138000", MOBILE, "电话138****8000"),
        ("电话 138-0013-8000 。", MOBILE, "电话 138****8000 。"),
        ("电话１３８００１３８０００", MOBILE, "电话138****8000"),
        ("老证110101900307451", ID15, "老证1101*******7451"),
        ("卡号6222021234567890128", BANK_CARD, "卡号6222***********0128"),
        ("卡号 6222 0212 3456 7890 128", BANK_CARD, "卡号 6222***********0128"),
    ],
)
def test_each_kind_of_personal_number_is_found_and_masked(text, kind, masked):
    assert [f.kind for f in scan(text)] == [kind]
    assert mask(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "2026年上半年共收缴党费12860元",  # amounts and years
        "会议于2026-07-01召开",  # dates
        "文号青组发〔2026〕15号",
        "13800138000123",  # longer than a mobile number
        "6222021234567890123",  # fails Luhn
        "编号110101201399074515",  # an 18-digit number with an impossible date
        "监督电话：0871-6123401",  # a landline
        "时间 08:30-12:00，14:30-17:30",
        "党费收缴：12,860.50元、3,500.00元",
        "<p>第1页</p><p>第2页</p>",
        "★ 优秀党员 ★",  # a lone star is decoration, not a marking
    ],
)
def test_ordinary_numbers_are_left_alone(text):
    assert scan(text) == []
    assert mask(text) == text


@pytest.mark.parametrize("marking", ["绝密", "机密", "秘密", "秘密★", "★机密", "绝密★10年"])
def test_secret_markings_are_found_and_not_masked_away(marking):
    text = f"本文件{marking}，不得外传"
    assert [(f.kind, f.text) for f in scan(text)] == [(SECRET, marking)]
    assert mask(text) == text  # they block publication; hiding them would hide the problem


def test_the_luhn_check_agrees_with_known_numbers():
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
