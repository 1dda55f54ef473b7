"""Bounded input types: every string, number, time and JSON document the API accepts has a
limit, so no request can reach the database with a value it would choke on (and answer 500).

- Text has a maximum length and holds no NUL character and no lone surrogate: PostgreSQL
  text cannot store NUL, and a lone surrogate cannot be encoded as UTF-8 at all.
- Ids and page numbers stay inside the 64-bit integers both databases store.
- Times lie in 2000-2099 (a working-day count from year 9999 would overflow the calendar);
  a time without a zone is read as local time.
- JSON documents (a disclosure's structured data) are size- and depth-limited, with finite
  numbers only (NaN would be refused by PostgreSQL's jsonb and by the ledger's hashing).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Annotated, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import AfterValidator, Field, StringConstraints

NUL_CHARACTER = _("The text contains a NUL character.")
NOT_UNICODE = _("The text is not valid Unicode.")
TIME_OUT_OF_RANGE = _("The time must lie between the years 2000 and 2099.")
DOCUMENT_TOO_LARGE = _("The structured data is larger than %(max)d characters.")
DOCUMENT_TOO_DEEP = _("The structured data is nested deeper than %(max)d levels.")
NUMBER_OUT_OF_RANGE = _("The structured data holds a number that is not finite or too large.")

#: The largest id either database stores in a (big) integer key.
MAX_ID = 2**63 - 1
#: Pages beyond this are not served: a client walking further should filter instead.
MAX_PAGE = 10_000
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

MAX_DOCUMENT_CHARS = 1_000_000
MAX_DOCUMENT_DEPTH = 8
#: Integers JSON readers everywhere agree on (IEEE double precision).
MAX_SAFE_INTEGER = 2**53 - 1

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def plain_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError(str(NUL_CHARACTER))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(str(NOT_UNICODE)) from None
    return value


def _in_range(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if not EARLIEST <= value < LATEST:
        raise ValueError(str(TIME_OUT_OF_RANGE))
    return value


def _check_document(value: Any, depth: int = 0) -> None:
    if depth > MAX_DOCUMENT_DEPTH:
        raise ValueError(str(DOCUMENT_TOO_DEEP % {"max": MAX_DOCUMENT_DEPTH}))
    if isinstance(value, str):
        plain_text(value)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise ValueError(str(NUMBER_OUT_OF_RANGE))
    elif isinstance(value, float):
        if not math.isfinite(value) or abs(value) > MAX_SAFE_INTEGER:
            raise ValueError(str(NUMBER_OUT_OF_RANGE))
    elif isinstance(value, dict):
        for key, item in value.items():
            plain_text(str(key))
            _check_document(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_document(item, depth + 1)


def _bounded_document(value: dict[str, Any]) -> dict[str, Any]:
    _check_document(value)
    if len(json.dumps(value, ensure_ascii=False)) > MAX_DOCUMENT_CHARS:
        raise ValueError(str(DOCUMENT_TOO_LARGE % {"max": MAX_DOCUMENT_CHARS}))
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Page = Annotated[int, Field(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]
Moment = Annotated[dt.datetime, AfterValidator(_in_range)]
Document = Annotated[dict[str, Any], AfterValidator(_bounded_document)]


def _text(max_length: int, min_length: int = 0, strip: bool = False) -> StringConstraints:
    return StringConstraints(strip_whitespace=strip, min_length=min_length, max_length=max_length)


# Text, by purpose. Lengths follow the model fields they end up in.
OrganizationCode = Annotated[str, _text(32, 1), AfterValidator(plain_text)]
ItemKey = Annotated[str, _text(64, 1), AfterValidator(plain_text)]
Search = Annotated[str, _text(50, 1, strip=True), AfterValidator(plain_text)]
Title = Annotated[str, _text(200, 1, strip=True), AfterValidator(plain_text)]
Body = Annotated[str, _text(200_000), AfterValidator(plain_text)]
PeriodText = Annotated[str, _text(100, strip=True), AfterValidator(plain_text)]
#: A reason that stays on record (a return, correction, withdrawal, an opinion's handling).
#: Not required here: whether one is needed is the workflow's rule, and it says so (400).
Reason = Annotated[str, _text(2000, strip=True), AfterValidator(plain_text)]
Note = Annotated[str, _text(2000, strip=True), AfterValidator(plain_text)]
