"""The self-hosted challenge asked after the soft limit: a sum of two small numbers in plain
Chinese text ("三加五等于几？请填写数字。"), which a screen reader reads aloud and an elderly
person answers without seeing distorted letters or clicking pictures; no outside service.

The form carries a token signed with Django's signing (the site's SECRET_KEY): a random
nonce and a keyed digest of the answer, never the answer itself, and its time. A token is
good once: checking it claims its nonce in the guard's store (database or Redis, shared by
every process), so an answer cannot be replayed; it expires after
GUARD_CHALLENGE_SECONDS. A wrong answer uses the token up too, and a new question is shown.
The answer may be written in Arabic digits (half or full width) or Chinese numerals
(八, 十二, 捌).

Views never call this module: `limits.check` asks and verifies, `limits.refused` shows it.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from gongkai.guard.stores import get_store

SALT = "gongkai.guard.challenge"
DEFAULT_SECONDS = 900
TOKEN_MAX = 400
ANSWER_MAX = 20

DIGITS = "零一二三四五六七八九"
_NUMERALS = {**{c: i for i, c in enumerate(DIGITS)}, "〇": 0, "两": 2}
_NUMERALS.update({c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")})


@dataclass(frozen=True)
class Question:
    text: str
    token: str


class Outcome:
    PASSED = "passed"
    MISSING = "missing"
    WRONG = "wrong"
    EXPIRED = "expired"
    REPLAYED = "replayed"


def seconds() -> int:
    return int(getattr(settings, "GUARD_CHALLENGE_SECONDS", DEFAULT_SECONDS))


def chinese(number: int) -> str:
    """0..99 in Chinese numerals: 三, 十二, 二十."""
    if number < 10:
        return DIGITS[number]
    tens, ones = divmod(number, 10)
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")


def read_number(text: str) -> int | None:
    """What a person wrote as a number 0..99: "8", "８", "八", "十二", "一十二", "拾贰"."""
    if len(text) > ANSWER_MAX:
        return None
    folded = unicodedata.normalize("NFKC", text)
    folded = "".join(c for c in folded if not c.isspace()).rstrip("。.")
    if not folded:
        return None
    if folded.isascii() and folded.isdigit():
        return int(folded) if len(folded) <= 3 else None
    folded = folded.replace("拾", "十")
    if "十" in folded:
        head, _sep, tail = folded.partition("十")
        if "十" in tail or len(head) > 1 or len(tail) > 1:
            return None
        tens = 1 if head == "" else _NUMERALS.get(head)
        ones = 0 if tail == "" else _NUMERALS.get(tail)
        if tens is None or ones is None:
            return None
        return tens * 10 + ones
    if len(folded) == 1 and folded in _NUMERALS:
        return _NUMERALS[folded]
    return None


def _digest(nonce: str, answer: int) -> str:
    return salted_hmac(SALT, f"{nonce}:{answer}").hexdigest()[:32]


def new_question() -> Question:
    a, b = 1 + secrets.randbelow(9), 1 + secrets.randbelow(9)
    if secrets.randbelow(2) and a != b:
        a, b = max(a, b), min(a, b)
        text = _("What is %(a)s minus %(b)s? Please write the number.")
        answer = a - b
    else:
        text = _("What is %(a)s plus %(b)s? Please write the number.")
        answer = a + b
    nonce = secrets.token_urlsafe(12)
    token = signing.dumps({"n": nonce, "d": _digest(nonce, answer)}, salt=SALT)
    return Question(text % {"a": chinese(a), "b": chinese(b)}, token)


def verify(token: str, answer: str) -> str:
    """An `Outcome`: the token is checked, used up (whatever the answer), then the answer."""
    if not token:
        return Outcome.MISSING
    if len(token) > TOKEN_MAX:
        return Outcome.WRONG
    try:
        payload = signing.loads(token, salt=SALT, max_age=seconds())
    except signing.SignatureExpired:
        return Outcome.EXPIRED
    except signing.BadSignature:
        return Outcome.WRONG
    if not isinstance(payload, dict):
        return Outcome.WRONG
    nonce, digest = str(payload.get("n", "")), str(payload.get("d", ""))
    marker = secrets.token_hex(8)
    # Kept a little longer than the token lives, so it cannot come back after the mark goes.
    if get_store().claim(f"challenge:{nonce}", marker, seconds() + 60) != marker:
        return Outcome.REPLAYED
    number = read_number(answer)
    if number is None or not constant_time_compare(_digest(nonce, number), digest):
        return Outcome.WRONG
    return Outcome.PASSED


def message(outcome: str) -> str:
    if outcome == Outcome.WRONG:
        return _(
            "The answer was not right. Please answer the new question below; what you typed "
            "is kept."
        )
    if outcome == Outcome.EXPIRED:
        return _(
            "The question had expired. Please answer the new question below; what you typed "
            "is kept."
        )
    if outcome == Outcome.REPLAYED:
        return _(
            "That question has already been answered. Please answer the new question below; "
            "what you typed is kept."
        )
    return _(
        "Many submissions have come from your network in a short time. To confirm that a "
        "person is sending this, please answer the question below and send again; what you "
        "typed is kept."
    )
