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
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import AfterValidator, Field, StringConstraints

from gongkai import validation

TIME_OUT_OF_RANGE = _("The time must lie between the years 2000 and 2099.")

#: The largest id either database stores in a (big) integer key.
MAX_ID = 2**63 - 1
#: Pages beyond this are not served: a client walking further should filter instead.
MAX_PAGE = 10_000
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

# The domain's bounds (gongkai.validation): the API refuses exactly what the workflow would.
MAX_DOCUMENT_CHARS = validation.DOCUMENT_MAX_CHARS
MAX_DOCUMENT_DEPTH = validation.DOCUMENT_MAX_DEPTH
MAX_SAFE_INTEGER = validation.MAX_SAFE_INTEGER

EARLIEST = dt.datetime(validation.MOMENT_YEAR_MIN, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(validation.YEAR_MAX + 1, 1, 1, tzinfo=dt.UTC)


def plain_text(value: str) -> str:
    problem = validation.text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _in_range(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if not EARLIEST <= value < LATEST:
        raise ValueError(str(TIME_OUT_OF_RANGE))
    return value


def _bounded_document(value: dict[str, Any]) -> dict[str, Any]:
    try:
        validation.check_document(value)
    except ValidationError as exc:
        raise ValueError(exc.messages[0]) from None
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
Title = Annotated[str, _text(validation.TITLE_MAX, 1, strip=True), AfterValidator(plain_text)]
Body = Annotated[str, _text(validation.BODY_MAX), AfterValidator(plain_text)]
PeriodText = Annotated[str, _text(validation.PERIOD_MAX, strip=True), AfterValidator(plain_text)]
#: A reason that stays on record (a return, correction, withdrawal, an opinion's handling).
#: Not required here: whether one is needed is the workflow's rule, and it says so (400).
Reason = Annotated[str, _text(validation.REASON_MAX, strip=True), AfterValidator(plain_text)]
Note = Annotated[str, _text(2000, strip=True), AfterValidator(plain_text)]
