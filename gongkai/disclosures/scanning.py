"""The privacy and secrecy scan: finds personal numbers and secret markings in what is about
to be published, and masks the numbers.

Found: 18-digit resident ID numbers (GB 11643 check digit and a real birth date), 18-digit
numbers that look like a mistyped ID number (a real province and birth date, a wrong check
digit), 15-digit legacy ID numbers, mainland mobile numbers (with or without +86/0086/86),
bank card numbers (issuer prefix and Luhn), and secret markings (绝密, 机密, 秘密 and their
traditional and variant characters, with the star and period that follow them).

Detection runs on what a reader sees, not on the bytes typed:

- HTML tags and comments are markup, not text: they join what is on either side of them,
  and what is inside them (an attribute, a comment) is scanned on its own, because it is
  still published. Character entities (named, decimal, hex) are resolved.
- Every character is read through NFKC, and every character a reader reads as a digit is a
  digit: all Unicode decimal digits, circled and parenthesised digits, superscripts, and the
  Chinese numerals used to spell numbers digit by digit (一三八〇…, 幺, 壹贰叁…).
- Between two groups of digits, any run of separators (spaces of every width, dashes,
  minus signs, dots, slashes, commas, colons, brackets, plus signs, any other punctuation
  or symbol, one to three asterisks), invisible characters (zero-width characters, soft
  hyphens, bidi marks, combining marks) and markup is ignored. Letters glued in front of a
  number ("ID", "tel", "手机号：") do not hide it. Where a right-to-left override is in the
  text, digit runs are also read backwards, as they are shown.
- A number is found as a whole: digits written without a separator between them (or only
  invisible characters or markup) are never split, so a 19-digit card is one finding even
  when its first 16 digits pass Luhn too. Where separated groups can be read several ways,
  the reading that covers the most digits wins, and any group that belongs to some valid
  reading is masked with its neighbour, so no part of a number is ever left on show.

Each finding is mapped back onto the original characters. Masking replaces what was typed
(digits, entities, separators) by the masked digits and keeps the markup in between, so the
HTML stays valid. Masked digits are written as "138****8000": the digits kept on either
side of the stars are never joined with neighbouring numbers again, so masking twice
changes nothing and masked text scans clean.

The cost of reading through any separator: a table of many small numbers separated by
spaces or tabs has some neighbouring cells that together read as a mobile number (about
one 4-digit cell in twenty-five in a random table), and those are masked. Masking a cell
too many is the safe side of that trade.

A lone star (★) is not a finding: notices use stars as decoration, and a marking is the
level word. A star next to a level word is part of the finding, so the reviewer sees the
marking as typed ("秘密★1年"). The level words are found wherever they stand, also in
prose ("保守国家秘密"): a reviewer clears those, which is cheaper than missing a marking.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import html
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

ID18 = "id18"
ID18_SUSPECT = "id18_suspect"
ID15 = "id15"
MOBILE = "mobile"
BANK_CARD = "bank_card"
SECRET = "secret"

KIND_LABELS = {
    ID18: _("ID number"),
    ID18_SUSPECT: _("likely a mistyped ID number"),
    ID15: _("ID number (15 digits)"),
    MOBILE: _("mobile number"),
    BANK_CARD: _("bank card number"),
    SECRET: _("secret marking"),
}
#: Kinds that are masked in what is published; a secret marking blocks publication instead.
PERSONAL_KINDS = (ID18, ID18_SUSPECT, ID15, MOBILE, BANK_CARD)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
#: Province-level codes of GB/T 2260 (and 71 Taiwan, 81 Hong Kong, 82 Macao, 83 residence
#: permits of Taiwan residents). Used where there is no check digit to lean on.
_PROVINCES = frozenset(
    str(n)
    for n in (
        11,
        12,
        13,
        14,
        15,
        21,
        22,
        23,
        31,
        32,
        33,
        34,
        35,
        36,
        37,
        41,
        42,
        43,
        44,
        45,
        46,
        50,
        51,
        52,
        53,
        54,
        61,
        62,
        63,
        64,
        65,
        71,
        81,
        82,
        83,
    )
)


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int
    text: str
    masked: str
    #: How `mask` rewrites the original: (start, end, replacement) pieces inside
    #: [start, end), leaving the markup between them untouched.
    edits: tuple[tuple[int, int, str], ...] = field(default=(), compare=False, repr=False)

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])


# --- the rules for one number, on its normalised digits ----------------------------------


def id18_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


_today: list[tuple[float, dt.date]] = []


def _latest_birth() -> dt.date:
    """Today, looked up at most once a minute: the scan tests many candidate dates."""
    now = time.monotonic()
    if not _today or now - _today[0][0] > 60:
        _today[:] = [(now, dt.date.today())]
    return _today[0][1]


def _real_date(year: int, month: int, day: int) -> bool:
    if not (1 <= month <= 12 and 1 <= day <= 31 and year >= 1900):
        return False
    try:
        born = dt.date(year, month, day)
    except ValueError:
        return False
    return born <= _latest_birth()


def _id18_shape(digits: str) -> bool:
    return (
        len(digits) == 18
        and digits[6:8] in ("19", "20")
        and digits[:17].isdigit()
        and digits[0] != "0"
        and (digits[17].isdigit() or digits[17] == "X")
        and _real_date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    )


def is_id18(digits: str) -> bool:
    """A resident ID number: a birth date that exists and a right check digit. Any leading
    region is accepted: with the check digit, a random number passes one time in ~20,000."""
    return _id18_shape(digits) and id18_check_digit(digits[:17]) == digits[17]


def is_id18_suspect(digits: str) -> bool:
    """An 18-character number with a real province and birth date whose check digit is
    wrong: most likely an ID number with a typo, so it is masked all the same."""
    return (
        _id18_shape(digits)
        and digits[:2] in _PROVINCES
        and id18_check_digit(digits[:17]) != digits[17]
    )


def is_id15(digits: str) -> bool:
    if len(digits) != 15 or not digits.isdigit() or digits[:2] not in _PROVINCES:
        return False
    return _real_date(1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12]))


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _ranges(lo: int, hi: int) -> tuple[str, ...]:
    return tuple(str(n) for n in range(lo, hi + 1))


#: Issuer identification numbers by card length (ISO/IEC 7812 ranges as published by the
#: schemes): UnionPay 62 and 81; Visa 4; Mastercard 51–55 and 2221–2720; American Express
#: 34/37; JCB 3528–3589; Discover 6011, 644–649, 65; Diners 300–305, 36, 38–39; and the
#: legacy domestic debit ranges of Chinese banks (60xxxx such as BOC 601382 and BoCom
#: 601428, ICBC 9558, ABC 95595–95599, CMB 9555, PSBC 955100, Everbright 90030, Industrial
#: 90592/966666, SPDB 84xxx/87xxx/9843xx, Ping An 9988xx, GDB 9111). A prefix is required,
#: not Luhn alone, so that random long numbers are not cards one time in ten. At 18 digits
#: only UnionPay 62, the legacy ranges and ranges outside province codes are kept: 65 and 81
#: are also province codes of ID numbers, and an ID with an impossible date must not pass
#: as a card one time in ten.
_CN_LEGACY = (
    "60",
    "9558",
    "9559",
    "9555",
    "955100",
    "90030",
    "90592",
    "966666",
    "84301",
    "84336",
    "84373",
    "84380",
    "84385",
    "84390",
    "87000",
    "87010",
    "87030",
    "87040",
    "984301",
    "984303",
    "998801",
    "998802",
    "9111",
)
_MASTERCARD = (*_ranges(51, 55), *_ranges(2221, 2720))
_JCB = _ranges(3528, 3589)
_DISCOVER = ("6011", *_ranges(644, 649), "65")
_CARD_PREFIXES: dict[int, tuple[str, ...]] = {
    13: ("4",),
    14: ("36", *_ranges(300, 305)),
    15: ("34", "37"),
    16: ("62", "81", "4", *_MASTERCARD, *_JCB, *_DISCOVER, "38", "39", *_CN_LEGACY),
    17: ("62", "81", *_JCB, *_DISCOVER, *_CN_LEGACY),
    18: ("62", *_JCB, "6011", *_ranges(644, 649), *_CN_LEGACY),
    19: ("62", "81", "4", *_JCB, *_DISCOVER, *_CN_LEGACY),
}


#: The same prefixes as sets by their length, and the first two digits they allow, so a
#: test is a few set lookups.
_CARD_PREFIX_SETS = {
    length: tuple((k, frozenset(p for p in prefixes if len(p) == k)) for k in range(1, 7))
    for length, prefixes in _CARD_PREFIXES.items()
}
_CARD_STARTS = {
    length: frozenset(
        f"{n:02d}" for n in range(100) for p in prefixes if f"{n:02d}".startswith(p[:2])
    )
    for length, prefixes in _CARD_PREFIXES.items()
}


def is_bank_card(digits: str) -> bool:
    starts = _CARD_STARTS.get(len(digits))
    if starts is None or digits[:2] not in starts or not digits.isdigit():
        return False
    for k, prefixes in _CARD_PREFIX_SETS[len(digits)]:
        if digits[:k] in prefixes:
            return luhn_valid(digits)
    return False


_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")


def is_mobile(digits: str) -> bool:
    return bool(_MOBILE_RE.fullmatch(digits))


# (kind, test, priority) by length; the priority breaks a tie between two readings of the
# same digits (an ID number before a card before a mistyped ID).
_PRIORITY = {ID18: 5, BANK_CARD: 4, ID15: 3, ID18_SUSPECT: 2, MOBILE: 1}
_TESTS: dict[int, tuple[tuple[str, Callable[[str], bool]], ...]] = {
    11: ((MOBILE, is_mobile),),
    13: ((BANK_CARD, is_bank_card),),
    14: ((BANK_CARD, is_bank_card),),
    15: ((ID15, is_id15), (BANK_CARD, is_bank_card)),
    16: ((BANK_CARD, is_bank_card),),
    17: ((BANK_CARD, is_bank_card),),
    18: ((ID18, is_id18), (BANK_CARD, is_bank_card), (ID18_SUSPECT, is_id18_suspect)),
    19: ((BANK_CARD, is_bank_card),),
}
_LENGTHS = tuple(sorted(_TESTS))


def _lengths_by_start() -> dict[str, tuple[int, ...]]:
    """For each first two digits, the lengths a number starting with them can have: most
    starting points of a long run of digits are dismissed by one lookup."""
    out: dict[str, tuple[int, ...]] = {}
    for n in range(100):
        start = f"{n:02d}"
        lengths = set()
        if start[0] == "1" and start[1] in "3456789":
            lengths.add(11)
        if start in _PROVINCES:
            lengths.add(15)
        if start[0] != "0":
            lengths.update((17, 18))  # 17 digits and an X, or 18 digits
        for length, prefixes in _CARD_PREFIXES.items():
            if any(p.startswith(start) or start.startswith(p) for p in prefixes):
                lengths.add(length)
        out[start] = tuple(sorted(lengths))
    return out


_LENGTHS_BY_START = _lengths_by_start()


def _kind_of(digits: str) -> str | None:
    for kind, test in _TESTS.get(len(digits), ()):
        if test(digits):
            return kind
    return None


def _mask_digits(kind: str, digits: str) -> str:
    if kind == MOBILE:
        return digits[:3] + "****" + digits[-4:]
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


# --- reading text as a reader sees it -----------------------------------------------------

# Each character of the reader's view is given one class, in a string as long as the view,
# so the searches below are regular expressions over classes and run in C.
_D = "\ue000"  # a digit (its value is in _values)
_X = "\ue001"  # X, the check character of an ID number
_S = "\ue002"  # a visible separator: space, dash, dot, slash, comma, colon, bracket…
_I = "\ue003"  # invisible: zero-width, soft hyphen, bidi mark, combining mark, control
_M = "\ue004"  # markup: a tag or comment
_P = "\ue005"  # other punctuation or symbol
_T = "\ue006"  # an asterisk, the masking character
_R = "\ue007"  # a star of a secret marking
_A = "\ue008"  # 绝, 机 or 秘, in any of their forms
_B = "\ue009"  # 密
_Y = "\ue00a"  # 年, of a secrecy period
#: The character that stands for a tag or comment in the view.
_MARKUP = "\uf8ff"

_CHINESE_DIGITS = dict(
    zip(
        "〇○零一幺壹二贰貳三叁參四肆五伍六陆陸七柒八捌九玖",
        "0001112223334455666778899",
        strict=True,
    )
)
_LEVEL_FIRST = set("绝絕絶机機秘祕")
_LEVEL_SECOND = set("密宻")
_STARS = set("★☆✩✪✫✬✭✮✯✰⭐⭑⭒✦✧✶✷✸✹⋆🌟")
_ASTERISKS = set("*＊﹡∗⁎✱")
_SEPARATORS = set(
    " \t\n\r\x0b\x0c\x85-_.,:;/\\|~+()[]{}'\"`´‘’‚“”„·•‧・･∙⋅。｡、､﹑﹐﹒﹔﹕∶⁄∕⧸−➖"
    "〜～〰⁓（）［］【】〔〕〈〉《》「」『』"
    # Bidi embeddings, overrides and isolates reorder what is around them: they end a
    # group, so a reading backwards can start there (see _reversed_readings).
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
#: Characters that render as nothing visible although they are letters or symbols.
_BLANKS = set("\u115f\u1160\u3164\uffa0\u2800\u180e")
_NON_DIGIT_IN_DIGIT_FORMS = set("().,")


def _classify(char: str, values: dict[str, str]) -> str | None:
    if char in _CHINESE_DIGITS:
        values[char] = _CHINESE_DIGITS[char]
        return _D
    if char in _LEVEL_FIRST:
        return _A
    if char in _LEVEL_SECOND:
        return _B
    if char == "年":
        return _Y
    category = unicodedata.category(char)
    if category == "Nd":
        values[char] = str(unicodedata.decimal(char))
        return _D
    if char in _STARS:
        return _R
    if char in _ASTERISKS:
        return _T
    if char in "Xx×":
        return _X
    normal = (
        char if unicodedata.is_normalized("NFKC", char) else unicodedata.normalize("NFKC", char)
    )
    if normal != char:
        digits = "".join(c for c in normal if c.isdecimal())
        if digits and all(c.isdecimal() or c in _NON_DIGIT_IN_DIGIT_FORMS for c in normal):
            values[char] = "".join(str(unicodedata.decimal(c)) for c in digits)
            return _D
        if len(normal) == 1:
            inner = _classify(normal, values)
            if inner is not None:
                if inner == _D:
                    values[char] = values[normal]
                return inner
        if normal.strip() == "" or all(c in _SEPARATORS for c in normal):
            return _S
    if char in _BLANKS:
        return _I
    if char in _SEPARATORS or category in ("Zs", "Zl", "Zp", "Pd"):
        return _S
    if category in ("Cf", "Mn", "Me", "Cc", "Co"):
        return _I
    if category[0] in "PS":
        return _P
    return None


def _build_table() -> tuple[dict[int, str], dict[str, str]]:
    """The class of every character that has one: planes 0 and 1, the CJK compatibility
    ideographs and the tag and variation-selector block (other planes hold letters only).
    Built once at import (about 0.2 s); letters that NFKC leaves alone are skipped early."""
    table: dict[int, str] = {}
    values: dict[str, str] = {}
    special = _CHINESE_DIGITS.keys() | _LEVEL_FIRST | _LEVEL_SECOND | {"年", "X", "x"} | _BLANKS
    category, normalized = unicodedata.category, unicodedata.is_normalized
    for lo, hi in ((0, 0xD800), (0xE000, 0x20000), (0x2F800, 0x2FA20), (0xE0000, 0xE1000)):
        for code in range(lo, hi):
            char = chr(code)
            kind = category(char)
            if kind == "Cn" or (
                kind[0] == "L" and char not in special and normalized("NFKC", char)
            ):
                continue
            cls = _classify(char, values)
            if cls is not None:
                table[code] = cls
    table[ord(_MARKUP)] = _M
    return table, values


_TABLE, _VALUES = _build_table()
#: Reads a group of digit characters (with invisible characters and markup among them) as
#: its ASCII digits.
_GROUP_TRANS: dict[int, str | None] = {ord(c): v for c, v in _VALUES.items()} | {
    code: None for code, cls in _TABLE.items() if cls in (_I, _M)
}


_ENTITY = r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;?)"
_TOKENS = re.compile(r"<!--|<[A-Za-z/!?][^<>]*>|" + _ENTITY)
_ENTITIES = re.compile(_ENTITY)


@functools.lru_cache(maxsize=4096)
def _unescape(entity: str) -> str:
    return html.unescape(entity)


class _View:
    """The text a reader sees, one character per view position, and where each came from.

    Pieces of the original: plain text (one view character per original character), an
    entity (its resolved characters, each mapped onto the whole entity) or markup (one
    _MARKUP character mapped onto the whole tag or comment)."""

    def __init__(self, text: str, *, markup: bool) -> None:
        self.text = text
        self.markup: list[tuple[int, int]] = []  # original ranges of tags and comments
        self._starts: list[int] = []  # view start of each special piece
        self._pieces: list[tuple[int, int, int]] = []  # (view length, orig start, orig end)
        if "&" not in text and (not markup or "<" not in text):
            self.view = text
            return
        tokens = _TOKENS if markup else _ENTITIES
        parts: list[str] = []
        view_len, last, pos = 0, 0, 0
        comments_close = True  # until a comment is found that never closes
        while (m := tokens.search(text, pos)) is not None:
            at, end = m.start(), m.end()
            token = m.group()
            if token == "<!--":
                close = text.find("-->", at + 4) if comments_close else -1
                if close < 0:
                    comments_close = False  # no later comment can close either
                    pos = end
                    continue
                end, resolved = close + 3, _MARKUP
            elif token[0] == "<":
                resolved = _MARKUP
            else:
                resolved = _unescape(token)
                if resolved == token:
                    pos = end
                    continue
            parts.append(text[last:at])
            view_len += at - last
            self._starts.append(view_len)
            self._pieces.append((len(resolved), at, end))
            if resolved == _MARKUP:
                self.markup.append((at, end))
            parts.append(resolved)
            view_len += len(resolved)
            last = pos = end
        parts.append(text[last:])
        self.view = "".join(parts)

    def origin(self, index: int) -> tuple[int, int]:
        """The original range the view character at `index` comes from."""
        if not self._starts:
            return index, index + 1
        k = bisect.bisect_right(self._starts, index) - 1
        if k < 0:
            return index, index + 1
        length, start, end = self._pieces[k]
        offset = index - self._starts[k]
        if offset < length:
            return start, end
        # plain text after piece k
        plain = end + (offset - length)
        return plain, plain + 1


# A run of digit groups with anything ignorable between them, maybe ending in an ID
# number's X; a group is digits with only invisible characters or markup among them. Runs of
# one class alternate with runs of another, so there is one way to match and backtracking
# goes no further than a trailing run of separators.
# Any punctuation or symbol separates digit groups too (138=0013#8000, 138😀0013), and so
# do one to three asterisks (138*0013*8000); four or more are what masking writes, and end
# a run (see _is_fragment).
_GAP = f"(?:[{_S}{_I}{_M}{_P}{_R}]|(?<!{_T}){_T}{{1,3}}(?!{_T}))"
# An X before the digits is an ID number's check character typed backwards (see _scan).
_RUN = re.compile(f"(?:{_X}{_GAP}*)?{_D}+(?:{_GAP}+{_D}+)*(?:{_GAP}*{_X})?")
_GROUP = re.compile(f"{_D}+(?:[{_I}{_M}]+{_D}+)*|{_X}")
_SECRET_GAP = f"[{_S}{_I}{_M}{_P}{_R}{_T}]"
_SECRET = re.compile(f"{_A}{_SECRET_GAP}*{_B}")
_AROUND = 12  # how far a star may stand from its level word, in view characters


@dataclass
class _Group:
    start: int  # view range
    end: int
    digits: str


@dataclass
class _Reading:
    first: int  # group index
    stop: int  # one past the last group
    offset: int  # digits of the first group left out (a country code)
    kind: str
    digits: str


def _groups(classes: str, view: str, lo: int, hi: int) -> list[_Group]:
    groups = []
    for m in _GROUP.finditer(classes, lo, hi):
        if classes[m.start()] == _X:
            groups.append(_Group(m.start(), m.end(), "X"))
            continue
        digits = view[m.start() : m.end()]
        if not (digits.isascii() and digits.isdigit()):
            digits = digits.translate(_GROUP_TRANS)
        groups.append(_Group(m.start(), m.end(), digits))
    return groups


def _is_fragment(classes: str, at: int, step: int) -> bool:
    """Whether the group edge at `at` touches four or more stars that touch digits:
    "138****8000" as masking writes it. Such a group is never joined with another one."""
    i = at + step
    seen = 0
    while 0 <= i < len(classes) and classes[i] == _T:
        i += step
        seen += 1
    return seen >= 4 and 0 <= i < len(classes) and classes[i] == _D


def _readings(groups: list[_Group], classes: str) -> list[_Reading]:
    """Every way some consecutive groups read as a personal number."""
    if groups[0].digits == "X":  # a check character read backwards; not one read forwards
        return (
            [
                _Reading(r.first + 1, r.stop + 1, r.offset, r.kind, r.digits)
                for r in _readings(groups[1:], classes)
            ]
            if len(groups) > 1
            else []
        )
    has_x = groups[-1].digits == "X"
    count = len(groups) - (1 if has_x else 0)
    if count == 0:
        return []
    head_alone = _is_fragment(classes, groups[0].start, -1)
    tail_alone = _is_fragment(classes, groups[count - 1].end - 1, 1)
    bounds = [0]
    for g in groups[:count]:
        bounds.append(bounds[-1] + len(g.digits))
    total = bounds[-1]
    at_bound = [-1] * (total + 1)  # the group that starts at each digit position, or -1
    for k, b in enumerate(bounds):
        at_bound[b] = k
    digits = "".join(g.digits for g in groups[:count])
    found: list[_Reading] = []
    for first in range(count):
        pos = bounds[first]
        for length in _LENGTHS_BY_START.get(digits[pos : pos + 2], ()):
            if pos + length > total:
                break
            stop = at_bound[pos + length]
            if stop < 0:
                continue
            if (head_alone and first == 0 and stop > 1) or (
                tail_alone and stop == count and first < count - 1
            ):
                continue
            number = digits[pos : pos + length]
            kind = _kind_of(number)
            if kind is not None:
                found.append(_Reading(first, stop, 0, kind, number))
            if has_x and stop == count and length == 17:
                number += "X"
                kind = (
                    ID18 if is_id18(number) else ID18_SUSPECT if is_id18_suspect(number) else None
                )
                if kind is not None:
                    found.append(_Reading(first, stop + 1, 0, kind, number))
        # A country code glued to a mobile number: 8613800138000, 0086 13800138000.
        group = groups[first].digits
        for code in ("86", "0086"):
            if group.startswith(code) and len(group) > len(code):
                start = pos + len(code)
                stop = at_bound[start + 11] if start + 11 <= total else -1
                if (
                    stop >= 0
                    and is_mobile(digits[start : start + 11])
                    and not (head_alone and first == 0 and stop > 1)
                ):
                    found.append(
                        _Reading(first, stop, len(code), MOBILE, digits[start : start + 11])
                    )
    return found


def _reversed_readings(groups: list[_Group], classes: str) -> list[_Reading]:
    """The readings of the run as displayed under a right-to-left override, in terms of the
    groups as typed."""
    typed = groups[:-1] if groups[-1].digits == "X" else groups
    shown = [_Group(g.start, g.end, g.digits[::-1]) for g in reversed(typed)]
    n = len(shown)
    return [
        _Reading(n - r.stop, n - r.first, 0, r.kind, r.digits)
        for r in _readings(shown, classes)
        if r.offset == 0 and r.stop <= n
    ]


def _choose(readings: list[_Reading], groups: list[_Group]) -> list[tuple[_Reading, int, int]]:
    """The readings that together cover the most digits, none overlapping; each is widened
    over the groups next to it that some other reading also claims, so that no group of a
    possible number stays unmasked. Returns (reading, first group, stop group)."""
    n = len(groups)
    best = [0] * (n + 1)
    choice: list[_Reading | None] = [None] * (n + 1)
    by_stop: dict[int, list[_Reading]] = {}
    for r in readings:
        by_stop.setdefault(r.stop, []).append(r)
    for stop in range(1, n + 1):
        best[stop], choice[stop] = best[stop - 1], None
        for r in by_stop.get(stop, ()):
            score = best[r.first] + len(r.digits) * 8 + _PRIORITY[r.kind]
            if score > best[stop]:
                best[stop], choice[stop] = score, r
    chosen: list[_Reading] = []
    stop = n
    while stop > 0:
        picked = choice[stop]
        if picked is None:
            stop -= 1
        else:
            chosen.append(picked)
            stop = picked.first
    chosen.reverse()
    claimed = [False] * n
    for r in readings:
        for k in range(r.first, r.stop):
            claimed[k] = True
    out = []
    floor = 0
    for k, r in enumerate(chosen):
        first, stop = r.first, r.stop
        while first > floor and claimed[first - 1] and r.offset == 0:
            first -= 1
        ceiling = chosen[k + 1].first if k + 1 < len(chosen) else n
        while stop < ceiling and claimed[stop]:
            stop += 1
        out.append((r, first, stop))
        floor = stop
    return out


def _digit_index(
    view: _View, classes: str, values: dict[str, str], group: _Group, skip: int
) -> int:
    """The view position of the digit after the first `skip` digits of `group`."""
    for i in range(group.start, group.end):
        if classes[i] == _D:
            if skip <= 0:
                return i
            skip -= len(values[view.view[i]])
    return group.start


def _number_finding(
    view: _View,
    classes: str,
    values: dict[str, str],
    groups: list[_Group],
    reading: _Reading,
    first: int,
    stop: int,
    base: int,
) -> Finding:
    start_v = groups[first].start
    if reading.offset:
        start_v = _digit_index(view, classes, values, groups[first], reading.offset)
    end_v = groups[stop - 1].end - 1
    before = "".join(g.digits for g in groups[first : reading.first])
    after = "".join(g.digits for g in groups[reading.stop : stop])
    masked = "*" * len(before) + _mask_digits(reading.kind, reading.digits) + "*" * len(after)
    start, end = view.origin(start_v)[0], view.origin(end_v)[1]
    # Keep the markup inside the number where it is, so the HTML stays valid.
    edits, at = [], start
    k = bisect.bisect_left(view.markup, (start, start))
    replacement = masked
    while k < len(view.markup) and view.markup[k][1] <= end:
        m_start, m_end = view.markup[k]
        edits.append((at, m_start, replacement))
        replacement, at = "", m_end
        k += 1
    edits.append((at, end, replacement))
    text = view.text
    return Finding(
        reading.kind,
        base + start,
        base + end,
        text[start:end],
        masked,
        tuple((base + a, base + b, r) for a, b, r in edits if a < b or r),
    )


def _secret_findings(view: _View, classes: str, base: int) -> Iterator[Finding]:
    for m in _SECRET.finditer(classes):
        first, last = m.start(), m.end() - 1
        # A star just before or after the level word, and a period after it: 秘密★1年.
        i = first - 1
        while i >= max(0, first - _AROUND) and classes[i] in (_S, _I, _M):
            i -= 1
        if i >= 0 and classes[i] in (_R, _T):
            first = i
        i = last + 1
        while i < min(len(classes), last + _AROUND) and classes[i] in (_S, _I, _M):
            i += 1
        if i < len(classes) and classes[i] in (_R, _T):
            last = i
            i += 1
            while i < len(classes) and classes[i] in (_S, _I, _M, _D):
                i += 1
            if i < len(classes) and classes[i] == _Y and _D in classes[last:i]:
                last = i
        start, end = view.origin(first)[0], view.origin(last)[1]
        marking = view.text[start:end]
        yield Finding(SECRET, base + start, base + end, marking, marking)


def _scan(text: str, *, markup: bool, base: int = 0) -> list[Finding]:
    table, values = _TABLE, _VALUES
    view = _View(text, markup=markup)
    classes = view.view.translate(table)
    findings: list[Finding] = []
    # A right-to-left override shows the digits after it in reverse: "\u202e0008310083"
    # reads 13800138000. Where there is one, runs are read backwards too.
    rtl = "\u202e" in view.view
    if _D in classes:
        for run in _RUN.finditer(classes):
            # Fewer than six digit characters cannot hold eleven digits.
            if run.end() - run.start() < 6 or classes.count(_D, run.start(), run.end()) < 6:
                continue
            groups = _groups(classes, view.view, run.start(), run.end())
            readings = _readings(groups, classes)
            if rtl:
                readings += _reversed_readings(groups, classes)
            if readings:
                for reading, first, stop in _choose(readings, groups):
                    findings.append(
                        _number_finding(view, classes, values, groups, reading, first, stop, base)
                    )
    if _A in classes:
        findings.extend(_secret_findings(view, classes, base))
    # What is inside a tag (an attribute) or a comment is published too: scan it on its own.
    for start, end in view.markup:
        lo, hi = (start + 4, end - 3) if text.startswith("<!--", start) else (start + 1, end - 1)
        inner = text[lo:hi]
        inner_classes = inner.translate(table)
        if _D in inner_classes or _A in inner_classes or "&" in inner:
            findings.extend(_scan(inner, markup=False, base=base + lo))
    return findings


def scan(text: str) -> list[Finding]:
    """Every personal number and secret marking in `text` (plain text or HTML), in order of
    appearance."""
    if not text:
        return []
    return sorted(_scan(text, markup=True), key=lambda f: (f.start, f.end))


def mask(text: str, *, keep: Iterable[str] = ()) -> str:
    """`text` with every personal number masked, except the kinds listed in `keep` (a
    reviewer recorded why those must show). Secret markings are left as they are: they block
    publication rather than being hidden."""
    if not text:
        return text
    kept = set(keep)
    edits = sorted(
        edit
        for finding in scan(text)
        if finding.kind in PERSONAL_KINDS and finding.kind not in kept
        for edit in finding.edits
    )
    if not edits:
        return text
    out, last = [], 0
    for start, end, replacement in edits:
        if start < last:  # never happens: findings do not overlap; be safe all the same
            start = last
        out.append(text[last:start])
        out.append(replacement)
        last = max(last, end)
    out.append(text[last:])
    return "".join(out)


# --- structured data ----------------------------------------------------------------------


def _number_text(value: object) -> str | None:
    """A number stored as a number is published as its digits: read it as text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        # repr writes 1.1010119900307451e+17; the reader of a table sees the digits.
        return format(value, ".0f") if value.is_integer() else repr(value)
    return None


def _leaves(value: object) -> Iterator[str]:
    """Every string (and number read as text) inside `value`, keys included, at any depth.
    Walked with an explicit stack, so deep nesting cannot exhaust Python's."""
    stack = [value]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            if id(item) in seen:
                continue
            seen.add(id(item))
            for key, inner in item.items():
                stack.append(inner)
                stack.append(key)
        elif isinstance(item, (list, tuple, set, frozenset)):
            if id(item) in seen:
                continue
            seen.add(id(item))
            stack.extend(reversed(list(item)))
        else:
            number = _number_text(item)
            if number is not None:
                yield number


def scan_data(value: object) -> list[Finding]:
    """Findings in structured data (form fields and table rows): every key and value, at any
    depth, numbers included. Positions are within the string each finding was found in."""
    return [finding for text in _leaves(value) for finding in scan(text)]


def mask_data(value: object, *, keep: Iterable[str] = ()) -> object:
    """The same structure with every key and value masked, at any depth (tuples and sets
    become lists; a number that holds a personal number becomes its masked text). Walked
    with an explicit stack: deep nesting cannot exhaust Python's."""
    kept = tuple(keep)
    root: list[object] = [None]
    # Work items: (source, destination, slot). A container is created empty, put in place,
    # and filled as its children are popped; an _EXIT item ends its stay on the path.
    stack: list[tuple[object, object, object]] = [(value, root, 0)]
    path: set[int] = set()
    while stack:
        item, dest, slot = stack.pop()
        if slot is _EXIT:
            path.discard(id(item))
            continue
        result: object
        if not isinstance(item, (dict, list, tuple, set, frozenset)):
            result = _mask_leaf(item, kept)
        elif id(item) in path:
            result = "…"  # a structure that contains itself: cut the cycle
        else:
            path.add(id(item))
            stack.append((item, None, _EXIT))
            if isinstance(item, dict):
                result = {}
                for key, inner in reversed(list(item.items())):
                    stack.append((inner, result, _Key(_mask_leaf(key, kept))))
            else:
                children = list(item)
                result = [None] * len(children)
                for i in reversed(range(len(children))):
                    stack.append((children[i], result, i))
        if isinstance(slot, _Key):
            assert isinstance(dest, dict)
            key = slot.key
            n = 2
            while key in dest:  # keys that differ only in masked digits stay apart
                key = f"{slot.key} ({n})"
                n += 1
            dest[key] = result
        else:
            assert isinstance(dest, list) and isinstance(slot, int)
            dest[slot] = result
    return root[0]


_EXIT = object()


class _Key:
    """The masked key of a dict entry, placed when its value is popped (keeps key order)."""

    __slots__ = ("key",)

    def __init__(self, key: object) -> None:
        self.key = key


def _mask_leaf(item: object, keep: tuple[str, ...]) -> object:
    if isinstance(item, str):
        return mask(item, keep=keep)
    number = _number_text(item)
    if number is not None:
        masked = mask(number, keep=keep)
        return item if masked == number else masked
    return item
