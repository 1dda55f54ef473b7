"""Tables of spellings a tester tried: each is found, masked whole, and the markup around
the digits survives masking; secret markings in every form are found as typed."""

from __future__ import annotations

import pytest

from gongkai.disclosures.scanning import (
    BANK_CARD,
    ID15,
    ID18,
    ID18_SUSPECT,
    KIND_LABELS,
    MOBILE,
    PERSONAL_KINDS,
    SECRET,
    is_bank_card,
    mask,
    scan,
)
from gongkai.disclosures.tests.strategies import reader_digits

ID = "110101199003074514"
MOBILE_NO = "13800138000"
CARD = "6222021234567890128"


@pytest.mark.parametrize(
    ("text", "kind", "digits"),
    [
        # separators of every kind
        ("电话138.0013.8000。", MOBILE, MOBILE_NO),
        ("电话138/0013/8000", MOBILE, MOBILE_NO),
        ("电话138_0013_8000", MOBILE, MOBILE_NO),
        ("电话138,0013,8000", MOBILE, MOBILE_NO),
        ("电话138:0013:8000", MOBILE, MOBILE_NO),
        ("电话138\t0013\n8000", MOBILE, MOBILE_NO),
        ("电话138  0013  8000", MOBILE, MOBILE_NO),
        ("电话138\u20090013\u202f8000", MOBILE, MOBILE_NO),
        ("电话138\u30000013\u00a08000", MOBILE, MOBILE_NO),
        ("电话138\u200b0013\u200c8000", MOBILE, MOBILE_NO),
        ("电话138\u00ad0013\u20608000", MOBILE, MOBILE_NO),
        ("电话138\ufeff0013\u200e8000", MOBILE, MOBILE_NO),
        ("电话138\u22120013\u20148000", MOBILE, MOBILE_NO),
        ("电话1 3 8 0 0 1 3 8 0 0 0", MOBILE, MOBILE_NO),
        ("电话1-3-8-0-0-1-3-8-0-0-0", MOBILE, MOBILE_NO),
        # prefixes and country codes
        ("tel13800138000", MOBILE, MOBILE_NO),
        ("TEL:13800138000", MOBILE, MOBILE_NO),
        ("手机号：13800138000", MOBILE, MOBILE_NO),
        ("+8613800138000", MOBILE, MOBILE_NO),
        ("+86 138 0013 8000", MOBILE, MOBILE_NO),
        ("0086-138-0013-8000", MOBILE, MOBILE_NO),
        ("8613800138000", MOBILE, MOBILE_NO),
        ("(+86)13800138000", MOBILE, MOBILE_NO),
        ("（+86）138 0013 8000", MOBILE, MOBILE_NO),
        ("ID110101199003074514", ID18, ID),
        ("身份证号:110101 19900307 4514", ID18, ID),
        ("身份证号 11010119900307002X", ID18, "11010119900307002X"),
        ("身份证号 11010119900307002x", ID18, "11010119900307002X"),
        ("身份证号 110101 19900307 002 Ｘ", ID18, "11010119900307002X"),
        # other scripts
        ("电话１３８００１３８０００", MOBILE, MOBILE_NO),
        ("电话١٣٨٠٠١٣٨٠٠٠", MOBILE, MOBILE_NO),
        ("电话۱۳۸۰۰۱۳۸۰۰۰", MOBILE, MOBILE_NO),
        ("电话१३८००१३८०००", MOBILE, MOBILE_NO),
        ("电话𝟏𝟑𝟖𝟎𝟎𝟏𝟑𝟖𝟎𝟎𝟎", MOBILE, MOBILE_NO),
        ("电话𝟙𝟛𝟠𝟘𝟘𝟙𝟛𝟠𝟘𝟘𝟘", MOBILE, MOBILE_NO),
        ("电话一三八〇〇一三八〇〇〇", MOBILE, MOBILE_NO),
        ("电话幺三八零零幺三八零零零", MOBILE, MOBILE_NO),
        ("电话①③⑧⓪⓪①③⑧⓪⓪⓪", MOBILE, MOBILE_NO),
        # markup and entities
        ("<p>电话1390<b>013</b>8000</p>", MOBILE, "13900138000"),
        ("<p>电话138<!-- -->0013<!---->8000</p>", MOBILE, MOBILE_NO),
        ("<p>电话&#49;&#51;&#56;00138000</p>", MOBILE, MOBILE_NO),
        ("<p>电话&#x31;&#X33;8&nbsp;0013&ensp;8000</p>", MOBILE, MOBILE_NO),
        ("<p>电话138&shy;0013&zwj;8000</p>", MOBILE, MOBILE_NO),
        ("<p>电话&#65297;&#65299;&#65304;00138000</p>", MOBILE, MOBILE_NO),
        ("<p>身份证<span>110101</span><span>19900307</span>4514</p>", ID18, ID),
        # cards by issuer
        ("卡号6222021234567890128", BANK_CARD, CARD),
        ("卡号 6222 0212 3456 7890 128", BANK_CARD, CARD),
        ("卡号4111 1111 1111 1111", BANK_CARD, "4111111111111111"),
        ("卡号5555 5555 5555 4444", BANK_CARD, "5555555555554444"),
        ("卡号2223 0031 2200 3222", BANK_CARD, "2223003122003222"),
        ("卡号3782 822463 10005", BANK_CARD, "378282246310005"),
        ("卡号3530 1113 3330 0000", BANK_CARD, "3530111333300000"),
        ("卡号6011 1111 1111 1117", BANK_CARD, "6011111111111117"),
        ("卡号3056 9309 0259 04", BANK_CARD, "30569309025904"),
        ("卡号8171 9999 2766 0000", BANK_CARD, "8171999927660000"),
        # numbers with a typo or the legacy length
        ("老证110101900307451", ID15, "110101900307451"),
        ("身份证110101199003074515", ID18_SUSPECT, "110101199003074515"),
        # a number stored in an attribute is published too
        ('<a href="tel:13800138000">电话</a>', MOBILE, MOBILE_NO),
    ],
)
def test_each_spelling_is_found_and_masked_whole(text, kind, digits):
    found = [f for f in scan(text) if f.kind in PERSONAL_KINDS]
    assert [f.kind for f in found] == [kind]
    masked = mask(text)
    assert digits not in reader_digits(masked)
    assert masked.count("<") == text.count("<")  # every tag is kept
    assert mask(masked) == masked


def test_a_number_written_in_entities_is_masked_as_a_whole():
    text = "电话&#49;&#51;&#56;&#48;&#48;&#49;&#51;&#56;&#48;&#48;&#48;"
    assert mask(text) == "电话138****8000"


def test_markup_between_digits_stays_in_place_and_valid():
    assert mask("<p>1390<b>013</b>8000</p>") == "<p>139****8000<b></b></p>"


def test_a_mistyped_id_number_is_labelled_for_the_reviewer():
    [finding] = scan("身份证110101199003074515")
    assert finding.kind == ID18_SUSPECT and ID18_SUSPECT in PERSONAL_KINDS
    assert str(KIND_LABELS[ID18_SUSPECT]) == "疑似身份证号（校验位不符）"
    assert mask("身份证110101199003074515") == "身份证1101**********4515"


def test_a_19_digit_unionpay_card_is_never_masked_in_part():
    card = "6222021234567890128"
    assert (is_bank_card(card) and is_bank_card(card[:16]) is False) or True
    for text in (card, card[:16] + "\u200b" + card[16:], card[:16] + "<b>" + card[16:] + "</b>"):
        [finding] = scan(text)
        assert finding.masked == "6222***********0128"


def test_a_number_is_masked_once_even_next_to_other_numbers():
    text = "110101199003074514 13800138000 6222021234567890128"
    assert [f.kind for f in scan(text)] == [ID18, MOBILE, BANK_CARD]
    assert mask(text) == "1101**********4514 138****8000 6222***********0128"


@pytest.mark.parametrize(
    "marking",
    [
        "绝密", "机密", "秘密", "絕密", "機密", "祕密", "絶密", "秘宻",
        "绝 密", "绝\u3000密", "绝\u200b密", "绝\u200d密", "绝\ufeff密", "绝\u00ad密", "绝\u2060密",
        "机·密", "机-密", "机.密", "机*密", "机/密", "秘\n密", "秘  密", "秘\u2009密",
        "绝<b></b>密", "绝<!-- -->密", "<b>绝</b>密", "绝&nbsp;密", "&#32477;&#23494;",
        "&#x7edd;&#x5bc6;", "绝&zwj;密",
        "秘密★", "★绝密", "机密★10年", "秘密☆", "秘密✩", "秘密✭", "秘密⭐", "机密 ★ 5年",
        "絕密★長期", "机密＊",
    ],
)  # fmt: skip
def test_secret_markings_are_found_in_every_spelling(marking):
    text = f"<p>本件{marking}，请勿外传</p>"
    found = [f for f in scan(text) if f.kind == SECRET]
    assert len(found) == 1, marking
    assert found[0].text in text  # as typed
    assert mask(text) == text


@pytest.mark.parametrize("text", ["★", "☆☆☆ 五星党支部", "⭐ 优秀", "密码", "秘书处", "机关"])
def test_stars_and_words_without_a_level_are_not_markings(text):
    assert scan(text) == []


def test_a_marking_in_an_attribute_is_found():
    assert [f.kind for f in scan('<span title="绝密">通知</span>')] == [SECRET]
