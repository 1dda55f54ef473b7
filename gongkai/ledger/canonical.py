"""Canonical JSON (docs/ledger-format.md §2.1): the bytes every ledger hash is taken over.

Keys sorted at every level, no insignificant whitespace, non-ASCII written as itself, every
string (keys included) in Unicode NFC, numbers with an integral value written as integers
in their shortest decimal form (1.0 → 1, 1e+16 → 10000000000000000: PostgreSQL's jsonb gives
such numbers back as integers), NaN and the infinities refused.
"""

from __future__ import annotations

import json
import math
import unicodedata
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

AMBIGUOUS_KEYS = _("The structured data has two keys that differ only in Unicode normalisation.")


def _nfc(text: str) -> str:
    # The check is much cheaper than normalising, and almost all text is NFC already.
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def canonical_value(value: Any) -> Any:
    # Exact types first: verify runs this over every revision it checks, and a chain of
    # isinstance() tests cost a third of the time. JSON gives back only these types; the
    # isinstance() forms below catch subclasses (SafeString, OrderedDict …) in memory.
    kind = type(value)
    if kind is str:
        return _nfc(value)
    if kind is dict:
        return _canonical_dict(value)
    if kind is list or kind is tuple:
        return [canonical_value(v) for v in value]
    if kind is float:
        return _canonical_float(value)
    if kind is int or kind is bool or value is None:
        return value
    if isinstance(value, str):
        return _nfc(value)
    if isinstance(value, dict):
        return _canonical_dict(value)
    if isinstance(value, list | tuple):
        return [canonical_value(v) for v in value]
    if isinstance(value, float):
        return _canonical_float(value)
    return value  # anything else: the encoder decides


def _canonical_dict(value: dict[Any, Any]) -> dict[str, Any]:
    canonical = {_nfc(str(k)): canonical_value(v) for k, v in value.items()}
    if len(canonical) != len(value):
        # Two keys that differ only in normalisation: which value "is" the key would depend
        # on the order the database hands them back, so refuse to guess.
        raise ValueError(str(AMBIGUOUS_KEYS))
    return canonical


def _canonical_float(value: float) -> float | int:
    if math.isfinite(value) and value.is_integer():
        # Through the shortest decimal form, as PostgreSQL keeps it: jsonb stores the number
        # written as 5.145268254997834e+16 exactly (…340), while int() of the binary float
        # gives …336.
        return int(Decimal(repr(value)))
    return value  # NaN and the infinities are refused by the encoder


#: One encoder for every call (json.dumps builds a new one each time it is given options).
ENCODER = json.JSONEncoder(
    sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
)


def canonical_json(document: Any) -> bytes:
    """The canonical UTF-8 bytes of `document`."""
    return ENCODER.encode(canonical_value(document)).encode("utf-8")


def canonical_time(at: datetime | None) -> str | None:
    """`at` in UTC, ISO-8601 with microseconds: 2026-03-01T02:03:04.000005+00:00."""
    if at is None:
        return None
    return at.astimezone(UTC).isoformat(timespec="microseconds")
