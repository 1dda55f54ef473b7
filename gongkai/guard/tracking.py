"""Tracking codes (查询码) for what the public sends: short enough to copy from a receipt slip,
unguessable (60 random bits), forgiving when typed back.

Codes use Crockford's base-32 alphabet (no I, L, O or U), are stored as 12 characters and
shown in groups of four (``K7QM-4XTP-9RWH``). `normalize` accepts what people type: lower
case, spaces or dashes anywhere, full-width characters, and O, I, L read as 0, 1, 1.
"""

from __future__ import annotations

import secrets
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
_READ_AS = {"O": "0", "I": "1", "L": "1"}


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalize(text: str) -> str | None:
    """The stored form of a typed code, or None when it cannot be one."""
    if len(text) > 64:
        return None
    folded = unicodedata.normalize("NFKC", text).upper()
    chars = [_READ_AS.get(c, c) for c in folded if c not in " -_\u3000\t"]
    code = "".join(chars)
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code
