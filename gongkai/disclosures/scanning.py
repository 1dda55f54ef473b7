"""The privacy and secrecy scan: finds personal numbers and secret markings in what is about
to be published, and masks the numbers.

Found: 18-digit resident ID numbers (valid GB 11643 checksum and a real birth date), 15-digit
legacy ID numbers (a real birth date), mainland mobile numbers, bank card numbers (Luhn), and
secret markings (绝密, 机密, 秘密, ★). Numbers are found however they are typed: with
full-width digits, or with spaces or hyphens inside (a "digit run" may hold single
separators). Each finding keeps its place in the original text, so masking replaces exactly
what was typed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

ID18 = "id18"
ID15 = "id15"
MOBILE = "mobile"
BANK_CARD = "bank_card"
SECRET = "secret"

KIND_LABELS = {
    ID18: _("ID number"),
    ID15: _("ID number (15 digits)"),
    MOBILE: _("mobile number"),
    BANK_CARD: _("bank card number"),
    SECRET: _("secret marking"),
}
#: Kinds that are masked in what is published; a secret marking blocks publication instead.
PERSONAL_KINDS = (ID18, ID15, MOBILE, BANK_CARD)

_FULL_WIDTH = {chr(0xFF10 + d): str(d) for d in range(10)} | {"Ｘ": "X", "ｘ": "X", "x": "X"}
_SEPARATORS = {" ", "-", "\u3000", "－", "‐", "‑", "–", "—", "\u00a0"}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_SECRET_RE = re.compile(r"绝密|机密|秘密|★")
_MOBILE_RE = re.compile(r"1[3-9]\d{9}")


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int
    text: str
    masked: str

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])


def id18_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        born = dt.date(year, month, day)
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= born <= dt.date.today()


def is_id18(digits: str) -> bool:
    if len(digits) != 18 or not digits[:17].isdigit() or digits[0] == "0":
        return False
    if not _real_date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14])):
        return False
    return id18_check_digit(digits[:17]) == digits[17]


def is_id15(digits: str) -> bool:
    if len(digits) != 15 or not digits.isdigit() or digits[0] == "0":
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


#: Issuer prefixes of cards issued in China by length (UnionPay 62, older debit 60; Visa 4,
#: Mastercard 5, JCB 35 at 16 digits). Restricting prefixes keeps random long numbers, such
#: as an ID number with a typo, from passing as cards one time in ten on Luhn alone.
_CARD_PREFIXES = {16: ("62", "60", "4", "5", "35"), 17: ("62",), 18: ("62", "60"), 19: ("62", "60")}


def is_bank_card(digits: str) -> bool:
    prefixes = _CARD_PREFIXES.get(len(digits))
    if prefixes is None or not digits.isdigit():
        return False
    return digits.startswith(prefixes) and luhn_valid(digits)


def is_mobile(digits: str) -> bool:
    return bool(_MOBILE_RE.fullmatch(digits))


# (kind, lengths, test), most specific first: an 18-character ID is tried before a card.
_RULES = (
    (ID18, (18,), is_id18),
    (BANK_CARD, (19, 18, 17, 16), is_bank_card),
    (ID15, (15,), is_id15),
    (MOBILE, (11,), is_mobile),
)


def _mask(kind: str, digits: str) -> str:
    if kind == MOBILE:
        return digits[:3] + "****" + digits[-4:]
    if kind in (ID18, ID15):
        return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def _digit(char: str) -> str | None:
    normal = _FULL_WIDTH.get(char, char)
    return normal if normal.isascii() and normal.isdigit() else None


def _runs(text: str) -> Iterable[list[tuple[str, int, int]]]:
    """Runs of digit groups, each group (normalised digits, start, end) in `text`. A run goes
    on across one separator between two groups ("110101 1990-0307 4514"). A group may end in
    an ID number's check character X."""
    i, n = 0, len(text)
    run: list[tuple[str, int, int]] = []
    while i < n:
        if _digit(text[i]) is None and not (run and _is_check_x(text[i])):
            i += 1
            continue
        start, digits = i, []
        while i < n and (d := _digit(text[i])) is not None:
            digits.append(d)
            i += 1
        if i < n and _is_check_x(text[i]):
            digits.append("X")
            i += 1
        run.append(("".join(digits), start, i))
        if (
            i + 1 < n
            and text[i] in _SEPARATORS
            and (_digit(text[i + 1]) is not None or _is_check_x(text[i + 1]))
        ):
            i += 1  # the run goes on after the separator
            continue
        yield run
        run = []
    if run:
        yield run


def _is_check_x(char: str) -> bool:
    return _FULL_WIDTH.get(char, char) == "X"


def _preceded_by_word(text: str, start: int) -> bool:
    # "ABC12345678901" is a code, not a mobile number; an ASCII letter right before a run
    # means it is part of something longer.
    return start > 0 and text[start - 1].isascii() and text[start - 1].isalpha()


def scan(text: str) -> list[Finding]:
    """Every personal number and secret marking in `text`, in order of appearance."""
    if not text:
        return []
    findings: list[Finding] = []
    for run in _runs(text):
        index = 0
        while index < len(run):
            matched = False
            for kind, lengths, test in _RULES:
                # Join consecutive groups while the digit count fits a length of this kind.
                digits = ""
                for stop in range(index, len(run)):
                    digits += run[stop][0]
                    if len(digits) > max(lengths):
                        break
                    if len(digits) in lengths and test(digits):
                        start, end = run[index][1], run[stop][2]
                        if not _preceded_by_word(text, start):
                            findings.append(
                                Finding(kind, start, end, text[start:end], _mask(kind, digits))
                            )
                            index = stop + 1
                            matched = True
                        break
                if matched:
                    break
            if not matched:
                index += 1
    findings += [
        Finding(SECRET, m.start(), m.end(), m.group(0), m.group(0))
        for m in _SECRET_RE.finditer(text)
    ]
    return sorted(findings, key=lambda f: f.start)


def scan_data(value: object) -> list[Finding]:
    """Findings in structured data (form fields and table rows): every string inside."""
    return [finding for text in _strings(value) for finding in scan(text)]


def mask_data(value: object, *, keep: Iterable[str] = ()) -> object:
    """The same structure with every string masked (tables, fields, nested lists)."""
    kept = tuple(keep)
    if isinstance(value, str):
        return mask(value, keep=kept)
    if isinstance(value, dict):
        return {key: mask_data(item, keep=kept) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_data(item, keep=kept) for item in value]
    return value


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def mask(text: str, *, keep: Iterable[str] = ()) -> str:
    """`text` with every personal number masked, except the kinds listed in `keep` (a
    reviewer recorded why those must show). Secret markings are left as they are: they block
    publication rather than being hidden."""
    kept = set(keep)
    out, last = [], 0
    for finding in scan(text):
        if finding.kind not in PERSONAL_KINDS or finding.kind in kept:
            continue
        out.append(text[last : finding.start])
        out.append(finding.masked)
        last = finding.end
    out.append(text[last:])
    return "".join(out)
