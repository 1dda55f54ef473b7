"""Hypothesis strategies for personal numbers and secret markings, and the many ways a person
(or a tester) types them. Shared by the scanner's tests and by the tests of every surface
that publishes text: draw a text with numbers in it, publish it, and check with
`reader_digits` that none of the numbers can be read back.

    numbers:    id18_numbers(), id18_suspects(), id15_numbers(), mobiles(),
                bank_cards(issuer=None), personal_numbers() -> (kind, digits),
                impossible_date_18() (an 18-digit number no one was born on)
    spelling:   spellings(digits, html=True) -> one way of typing the number;
                filler() -> text without any digit; texts_with_numbers(html=True) ->
                (text, [(kind, digits), ...]); secret_markings(html=True) -> (level, text)
    checking:   reader_digits(text) -> the digits a reader sees, in order (tags and comments
                dropped, entities resolved, NFKC, every script's digits as ASCII, Chinese
                numerals as digits); leaked(numbers, text) -> the numbers still readable.

The reader in `reader_digits` is written independently of the scanner on purpose: a test
that used the scanner's own reading to check the scanner would prove nothing.
"""

from __future__ import annotations

import html
import re
import unicodedata

from hypothesis import strategies as st

from gongkai.disclosures.scanning import (
    BANK_CARD,
    ID15,
    ID18,
    ID18_SUSPECT,
    MOBILE,
    id18_check_digit,
    luhn_valid,
)

#: Real county-level codes (GB/T 2260) from every province, and HK/Macao/Taiwan.
REGION_CODES = tuple(
    [
        "110101",
        "110102",
        "110105",
        "110108",
        "120101",
        "120104",
        "130102",
        "130104",
        "140105",
        "140107",
        "150102",
        "150104",
        "210102",
        "210106",
        "220102",
        "220104",
        "230102",
        "230103",
        "310101",
        "310104",
        "310115",
        "320102",
        "320106",
        "330102",
        "330106",
        "340102",
        "340104",
        "350102",
        "350203",
        "360102",
        "360103",
        "370102",
        "370202",
        "410102",
        "410105",
        "420102",
        "420106",
        "430102",
        "430104",
        "440103",
        "440305",
        "440106",
        "450102",
        "450103",
        "460105",
        "460106",
        "500101",
        "500103",
        "510104",
        "510107",
        "520102",
        "520103",
        "530102",
        "530103",
        "540102",
        "610102",
        "610113",
        "620102",
        "620104",
        "630102",
        "640104",
        "650102",
        "650103",
        "710000",
        "810000",
        "820000",
    ]
)

#: Issuer → (prefixes, lengths), from the schemes' published IIN ranges.
ISSUERS: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "unionpay": (("62", "81"), (16, 17, 19)),
    "unionpay18": (("62",), (18,)),
    "visa": (("4",), (13, 16, 19)),
    "mastercard": (
        ("51", "52", "53", "54", "55", "2221", "2300", "2500", "2720"),
        (16,),
    ),
    "amex": (("34", "37"), (15,)),
    "jcb": (("3528", "3550", "3589"), (16, 19)),
    "discover": (("6011", "644", "649", "65"), (16, 19)),
    "diners": (("36", "300", "305"), (14,)),
    "cn_legacy": (("9558", "95599", "9555", "601382", "601428", "90030", "84301"), (16, 19)),
}

_DIGIT_SCRIPTS = (
    "0123456789",
    "０１２３４５６７８９",  # full width
    "٠١٢٣٤٥٦٧٨٩",  # Arabic-Indic
    "۰۱۲۳۴۵۶۷۸۹",  # extended Arabic-Indic
    "०१२३४५६७८९",  # Devanagari
    "০১২৩৪৫৬৭৮৯",  # Bengali
    "๐๑๒๓๔๕๖๗๘๙",  # Thai
    "၀၁၂၃၄၅၆၇၈၉",  # Myanmar
    "᠐᠑᠒᠓᠔᠕᠖᠗᠘᠙",  # Mongolian
    "".join(chr(0x1D7CE + i) for i in range(10)),  # mathematical bold
    "".join(chr(0x1D7D8 + i) for i in range(10)),  # double-struck
    "".join(chr(0x1D7F6 + i) for i in range(10)),  # monospace
    "〇一二三四五六七八九",  # Chinese numerals, digit by digit
    "零幺二三四五六七八九",
    "⓪①②③④⑤⑥⑦⑧⑨",  # circled
    "⁰¹²³⁴⁵⁶⁷⁸⁹",  # superscript
)

_PLAIN_SEPARATORS = (
    " ", "  ", "\t", "\n", "\r\n", "-", "--", ".", "/", "_", ",", ":", "·",
    "\u2009", "\u202f", "\u3000", "\u00a0", "\u2002", "\u2003", "\u205f",  # spaces
    "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\ufe63", "－",
    "\u00ad", "\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\u200e", "\u200f",
    "\u202a", "\u202c", "\u2066", "\u2069", "\u180e", "\u0301",
    "，", "：", "、", "．", "／", "＿", "。", "(", ")", "（", "）", "+",
    "=", "#", "*", "~", "|", "★", "😀", "→", "¥",
)  # fmt: skip
_ENTITY_SEPARATORS = (
    "&nbsp;", "&ensp;", "&emsp;", "&thinsp;", "&zwnj;", "&zwj;", "&shy;", "&hyphen;",
    "&dash;", "&minus;", "&period;", "&sol;", "&lowbar;", "&comma;", "&colon;",
    "&NewLine;", "&Tab;", "&ZeroWidthSpace;", "&lrm;", "&#8203;", "&#x200B;", "&#32;",
    "&#x2d;", "&#173;",
)  # fmt: skip
_MARKUP_SEPARATORS = ("<!-- -->", "<!--x-->", "<span></span>", "<wbr>", "<br>", "<b></b>")
_PREFIXES = (
    "", "ID", "id:", "tel", "TEL:", "No.", "手机号：", "手机", "电话", "身份证号", "卡号", "Tel.",
    "号码", "a",
)  # fmt: skip
_COUNTRY_CODES = ("+86", "0086", "86", "(+86)", "＋８６", "+86-", "+86 ", "0086 ", "86-")
_X_FORMS = ("X", "x", "Ｘ", "ｘ")
_X_ENTITIES = ("&#88;", "&#x78;", "&#X58;")

_FILLER = "党务公开名单户主张王李赵村委会联系人姓名：，。；（）、 \n!?abcdefghijklmnopqrstuvwyz"


def _with_check(first17: str) -> str:
    return first17 + id18_check_digit(first17)


def _birth_dates() -> st.SearchStrategy[str]:
    import datetime as dt

    return st.dates(dt.date(1920, 1, 1), dt.date(2020, 12, 31)).map(lambda d: f"{d:%Y%m%d}")


def id18_numbers() -> st.SearchStrategy[str]:
    """Valid resident ID numbers: a real region, a real birth date, the right check digit."""
    return st.builds(
        lambda region, born, seq: _with_check(f"{region}{born}{seq:03d}"),
        st.sampled_from(REGION_CODES),
        _birth_dates(),
        st.integers(0, 999),
    )


def id18_suspects() -> st.SearchStrategy[str]:
    """ID numbers with a typo in the check digit (region and date real)."""

    def wrong(number: str, pick: int) -> str:
        others = [c for c in "0123456789X" if c != number[17]]
        return number[:17] + others[pick % len(others)]

    return st.builds(wrong, id18_numbers(), st.integers(0, 9))


def id15_numbers() -> st.SearchStrategy[str]:
    import datetime as dt

    return st.builds(
        lambda region, born, seq: f"{region}{born:%y%m%d}{seq:03d}",
        st.sampled_from(REGION_CODES),
        st.dates(dt.date(1920, 1, 1), dt.date(1999, 12, 31)),
        st.integers(0, 999),
    )


def mobiles() -> st.SearchStrategy[str]:
    return st.builds(
        lambda second, rest: f"1{second}{rest:09d}",
        st.integers(3, 9),
        st.integers(0, 10**9 - 1),
    )


def _luhn_complete(body: str) -> str:
    for check in "0123456789":
        if luhn_valid(body + check):
            return body + check
    raise AssertionError("unreachable")


def bank_cards(issuer: str | None = None) -> st.SearchStrategy[str]:
    """Luhn-valid card numbers of one issuer (or any issuer)."""
    names = [issuer] if issuer else sorted(ISSUERS)

    @st.composite
    def card(draw: st.DrawFn) -> str:
        prefixes, lengths = ISSUERS[draw(st.sampled_from(names))]
        prefix = draw(st.sampled_from(prefixes))
        length = draw(st.sampled_from(lengths))
        body = prefix + "".join(
            draw(st.lists(st.sampled_from("0123456789"), min_size=length - len(prefix) - 1,
                          max_size=length - len(prefix) - 1))
        )  # fmt: skip
        return _luhn_complete(body)

    return card()


def unionpay_19_with_luhn_16() -> st.SearchStrategy[str]:
    """A 19-digit UnionPay number whose first 16 digits pass Luhn too: masked as a whole."""
    return st.builds(
        lambda mid, tail: _luhn_complete(_luhn_complete(f"62{mid:013d}") + f"{tail:02d}"),
        st.integers(0, 10**13 - 1),
        st.integers(0, 99),
    )


def personal_numbers() -> st.SearchStrategy[tuple[str, str]]:
    return st.one_of(
        id18_numbers().map(lambda n: (ID18, n)),
        id18_suspects().map(lambda n: (ID18_SUSPECT, n)),
        id15_numbers().map(lambda n: (ID15, n)),
        mobiles().map(lambda n: (MOBILE, n)),
        bank_cards().map(lambda n: (BANK_CARD, n)),
        unionpay_19_with_luhn_16().map(lambda n: (BANK_CARD, n)),
    )


def impossible_date_18(rng: object) -> str:
    """An 18-digit number whose date part cannot be a birth date (month 00 or 13–99, day 00
    or 32–99, or a day past the month's end), everything else random. `rng` is a
    random.Random, so a fixed seed gives a fixed sample."""
    import random

    assert isinstance(rng, random.Random)
    region = rng.choice([str(rng.randint(100000, 999999)), rng.choice(REGION_CODES)])
    year = rng.randint(0, 9999)
    flaw = rng.randrange(3)
    if flaw == 0:
        month, day = rng.choice([0, *range(13, 100)]), rng.randint(0, 99)
    elif flaw == 1:
        month, day = rng.randint(1, 12), rng.choice([0, *range(32, 100)])
    else:
        month, day = rng.choice([(2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31)])
    tail = f"{rng.randint(0, 999):03d}{rng.choice('0123456789X')}"
    return f"{region}{year:04d}{month:02d}{day:02d}{tail}"


# --- spelling -----------------------------------------------------------------------------


@st.composite
def _digit(draw: st.DrawFn, digit: str, script: str, html_ok: bool) -> str:
    if digit in "Xx":
        forms = _X_FORMS + (_X_ENTITIES if html_ok else ())
        return draw(st.sampled_from(forms))
    char = script[int(digit)]
    if html_ok and draw(st.integers(0, 5)) == 0:
        form = draw(st.sampled_from(["&#{};", "&#x{:x};", "&#X{:X};", "&#000{};"]))
        return form.format(ord(char))
    return char


@st.composite
def spellings(draw: st.DrawFn, digits: str, html: bool = True) -> str:
    """`digits` as a person or tester might type it: digits of one script or of several,
    runs of separators and invisible characters at random places, entities and markup (when
    `html`), a glued letter prefix, a country code before a mobile number."""
    scripts = draw(st.lists(st.sampled_from(_DIGIT_SCRIPTS), min_size=1, max_size=3))
    separators = _PLAIN_SEPARATORS + ((_ENTITY_SEPARATORS + _MARKUP_SEPARATORS) if html else ())
    cuts = draw(st.sets(st.integers(1, len(digits) - 1), max_size=6))
    parts: list[str] = []
    for i, digit in enumerate(digits):
        if i in cuts:
            parts.append(
                "".join(draw(st.lists(st.sampled_from(separators), min_size=1, max_size=3)))
            )
        parts.append(draw(_digit(digit, draw(st.sampled_from(scripts)), html)))
    if html and len(digits) > 2 and draw(st.booleans()):
        # Wrap some digits in an element: 1390<b>013</b>8000.
        i = draw(st.integers(1, len(parts) - 2))
        j = draw(st.integers(i, len(parts) - 1))
        parts[i] = "<b>" + parts[i]
        parts[j] = parts[j] + "</b>"
    text = "".join(parts)
    if not html and draw(st.integers(0, 7)) == 0:
        # Typed backwards under a right-to-left override, so that it shows forwards.
        text = "\u202e" + text[::-1] + "\u202c"
    if len(digits) == 11 and digits.startswith("1") and draw(st.booleans()):
        text = draw(st.sampled_from(_COUNTRY_CODES)) + text
    return draw(st.sampled_from(_PREFIXES)) + text


def filler(min_size: int = 0) -> st.SearchStrategy[str]:
    """Text around numbers: Chinese, Latin letters (no x) and punctuation, never a digit."""
    return st.text(alphabet=_FILLER, min_size=min_size, max_size=12)


@st.composite
def texts_with_numbers(
    draw: st.DrawFn, html: bool = True, max_numbers: int = 4
) -> tuple[str, list[tuple[str, str]]]:
    """A text with personal numbers in it, each typed its own way, with text between them
    (a word, so two numbers are never one run of digits)."""
    numbers = draw(st.lists(personal_numbers(), min_size=1, max_size=max_numbers))
    parts = [draw(filler())]
    for _, digits in numbers:
        parts.append(draw(spellings(digits, html=html)))
        parts.append(draw(st.sampled_from(["，联系人", "。户主", "；备注", " 王 ", "<p>张</p>"]))
                     if html else draw(st.sampled_from(["，联系人", "。户主", " 王 "])))  # fmt: skip
        parts.append(draw(filler()))
    return "".join(parts), numbers


_LEVELS = {
    "绝密": ("绝密", "絕密", "絶密"),
    "机密": ("机密", "機密"),
    "秘密": ("秘密", "祕密", "秘宻"),
}
_SECRET_GAPS = (
    "", " ", "  ", "\u3000", "\u200b", "\u200d", "\ufeff", "\u00ad", "\u2060", "·", "-", "*",
    "\u2009", ".", "_", "/", "\n",
)  # fmt: skip
_SECRET_HTML_GAPS = ("<b></b>", "<!-- -->", "&nbsp;", "&#8203;", "<span>", "</span>", "&zwj;")
_STAR_FORMS = ("★", "☆", "✩", "✭", "✮", "✯", "⭐", "✪", "*")


@st.composite
def secret_markings(draw: st.DrawFn, html: bool = True) -> tuple[str, str]:
    """(level, a spelling of a marking at that level): simplified or traditional, anything
    invisible or spacing between its characters, entities, a star and a period."""
    level = draw(st.sampled_from(sorted(_LEVELS)))
    word = draw(st.sampled_from(_LEVELS[level]))
    first, second = word[0], word[1]
    gaps = _SECRET_GAPS + (_SECRET_HTML_GAPS if html else ())
    gap = "".join(draw(st.lists(st.sampled_from(gaps), max_size=3)))
    if html and draw(st.integers(0, 4)) == 0:
        first = f"&#{ord(first)};"
    if html and draw(st.integers(0, 4)) == 0:
        second = f"&#x{ord(second):x};"
    marking = first + gap + second
    star = draw(st.sampled_from(("", *_STAR_FORMS)))
    if star and draw(st.booleans()):
        marking = star + marking
    elif star:
        marking += star + draw(st.sampled_from(["", "10年", "1年", "长期"]))
    return level, marking


# --- checking -----------------------------------------------------------------------------

_TAGS = re.compile(r"<!--.*?-->|<[A-Za-z/!?][^<>]*>", re.S)
_CHINESE = dict(zip("〇○零一幺壹二贰貳三叁參四肆五伍六陆陸七柒八捌九玖", "0001112223334455666778899", strict=True))  # fmt: skip


_OVERRIDE = re.compile("\u202e([^\u202c]*)(?:\u202c|$)")


def reader_digits(text: str) -> str:
    """The digits (and X) a reader sees in `text`, in order, everything else dropped."""
    seen = html.unescape(_TAGS.sub("", text))
    seen = _OVERRIDE.sub(lambda m: m.group(1)[::-1], seen)
    out = []
    for char in unicodedata.normalize("NFKC", seen):
        if char in _CHINESE:
            out.append(_CHINESE[char])
        elif char.isdecimal():
            out.append(str(unicodedata.decimal(char)))
        elif char in "Xx":
            out.append("X")
    return "".join(out)


def leaked(numbers: list[tuple[str, str]], text: str) -> list[str]:
    """The numbers a reader can still read in `text`, whatever is between their digits."""
    seen = reader_digits(text)
    return [digits for _, digits in numbers if digits.upper() in seen]
