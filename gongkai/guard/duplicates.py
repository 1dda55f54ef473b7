"""Duplicate detection: the same text sent to the same organization again within a window
(a double click, a resend after a slow page, a copy pasted by many hands) is recognised, and
the first submission's reference is returned instead of storing another copy.

Two texts are the same when they read the same: compared after `fingerprint` folds width
(NFKC), case, whitespace and punctuation, so "路灯坏了！" and "路灯 坏了" are one.

How a view uses it (after the text is cleaned and validated, before storing)::

    code = tracking.new_code()
    first = duplicates.claim("opinion", org, text, code)
    if first != code:
        # A duplicate: store nothing; show the receipt of the first one (its tracking code),
        # e.g. "您已提交过相同内容，查询码 K7QM-4XTP-9RWH", with status 200.
        ...
    else:
        … store the submission with `code` …; if storing then fails, call
        duplicates.forget("opinion", org, text) so a corrected resend is not taken for a copy.

`claim` is atomic in the guard's store (database or Redis), so two identical submissions
arriving at once in two processes are recognised as one. The reference can be anything
short that finds the first submission again (a tracking code, a primary key as text).
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Any

from django.conf import settings

from gongkai.guard.models import Mark
from gongkai.guard.stores import RedisStore, get_store

#: Seconds within which the same text to the same organization is a duplicate.
DEFAULT_WINDOW = 24 * 3600
#: Only this much of a text takes part in the comparison (bounded work per submission).
COMPARED_CHARS = 20_000


def window() -> int:
    return int(getattr(settings, "GUARD_DUPLICATE_SECONDS", DEFAULT_WINDOW))


def fingerprint(text: str) -> str:
    """A digest of what the text says: width and case folded, spaces and punctuation gone."""
    folded = unicodedata.normalize("NFKC", text[:COMPARED_CHARS]).casefold()
    kept = "".join(c for c in folded if unicodedata.category(c)[0] in "LNS")
    return hashlib.sha256(kept.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def _key(action: str, organization: Any, text: str) -> str:
    org = getattr(organization, "pk", organization)
    return f"dup:{action}:{org}:{fingerprint(text)}"


def claim(action: str, organization: Any, text: str, reference: str) -> str:
    """Record `reference` for this text unless the same text came within the window; return
    the reference recorded (this one when it is the first)."""
    return get_store().claim(_key(action, organization, text), reference, window())


def is_duplicate(action: str, organization: Any, text: str, reference: str) -> str | None:
    """`claim` as a question: the earlier reference when this is a duplicate, else None (and
    this one is recorded)."""
    first = claim(action, organization, text, reference)
    return None if first == reference else first


def forget(action: str, organization: Any, text: str) -> None:
    """Undo a claim whose submission was not stored after all (database store only keeps
    rows; Redis keys are deleted)."""
    key = _key(action, organization, text)
    store = get_store()
    if isinstance(store, RedisStore):
        store.client.delete(f"gongkai:guard:{key}")
    else:
        Mark.objects.using(getattr(store, "using", "default")).filter(key=key).delete()
