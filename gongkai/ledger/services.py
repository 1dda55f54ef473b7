"""The ledger's rules: the canonical content of a revision, appending an entry, verifying the
chain, and the proof shown on a disclosure's public page.

Canonical content (what `content_hash` is the SHA-256 of) is the UTF-8 JSON object

    {"attachments":[…],"body":…,"data":…,"title":…}

with keys sorted at every level, no insignificant whitespace (separators "," and ":"),
non-ASCII written as itself, every string (keys included) in Unicode NFC, numbers with an
integral value written as integers in their shortest decimal form (1.0 → 1, 1e+16 →
10000000000000000: PostgreSQL's jsonb gives such numbers back as integers), NaN and the
infinities refused, and `attachments` the sorted list of the attachments' hex SHA-256 digests
(empty while attachments are not modelled). What is hashed is what is stored: the revision's
title, body and data as saved (masking personal numbers happens when it is shown).

Plugging in attachments (the attachments work, later): make `attachment_hashes_for` return
each revision's attachment digests in one query. `canonical_content(revision)` asks it
whenever it is not handed the digests (as an argument, or as `revision.attachment_hashes`,
e.g. prefetched), and `verify` asks it once per batch, so appending and verifying can never
disagree about them. Revisions published before attachments existed have none, and keep
verifying.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongkai.disclosures.models import Disclosure, Revision
from gongkai.ledger.canonical import ENCODER as _ENCODER
from gongkai.ledger.canonical import canonical_value as _canonical_value
from gongkai.ledger.models import (
    GENESIS_HASH,
    Action,
    CanonicalTime,
    LedgerEntry,
    line_of,
)
from gongkai.organizations.models import Organization

UNKNOWN_ACTION = _("“%(action)s” is not a ledger action.")
AMBIGUOUS_KEYS = _("The structured data has two keys that differ only in Unicode normalisation.")
UNSAVED_REVISION = _("Only a saved revision can be recorded in the ledger.")

# Why verification failed; each names the entry it is about ("第 N 条记录校验失败：…").
MISSING = _("the entry is missing: the chain goes from entry %(previous)d to entry %(next)d")
MISSING_FIRST = _("the entry is missing: the chain starts at entry %(next)d")
BROKEN_LINK = _(
    "its previous-entry hash %(found)s is not the hash of the entry before it (%(expected)s)"
)
BAD_ENTRY_HASH = _(
    "its hash does not match its recorded fields (recorded %(found)s, computed %(expected)s)"
)
UNKNOWN_ORGANIZATION = _("it names an organization that does not exist (id %(id)s)")
UNKNOWN_REVISION = _("it names a revision that does not exist (id %(id)s)")
FOREIGN_REVISION = _(
    "it names revision %(revision)d of disclosure %(other)d, not of disclosure %(disclosure)d"
)
UNREADABLE_CONTENT = _(
    "the content of revision %(revision)d of disclosure %(disclosure)d cannot be read"
)
CONTENT_CHANGED = _(
    "revision %(revision)d of disclosure %(disclosure)d no longer matches the content hash "
    "recorded when it was published (recorded %(found)s, computed %(expected)s)"
)

#: Entries read per query while verifying, and the bound on the revision-hash memo.
BATCH_SIZE = 20_000
_MEMO_LIMIT = 200_000
#: SQLite allows 32,766 parameters per statement; stay far below it.
_IN_CHUNK = 5_000

#: Key of the PostgreSQL advisory lock that serialises appends ("ledger" in ASCII).
_ADVISORY_LOCK_KEY = 0x6C6564676572


# -- canonical content ---------------------------------------------------------------------


def content_bytes(
    *, title: str, body: str, data: Any, attachment_hashes: Iterable[str] = ()
) -> bytes:
    """Canonical content from the fields themselves (see the module's docstring)."""
    document = {
        "attachments": sorted(h.lower() for h in attachment_hashes),
        "body": _canonical_value(body),
        "data": _canonical_value(data),
        "title": _canonical_value(title),
    }
    return _ENCODER.encode(document).encode("utf-8")


def attachment_hashes_for(
    revision_ids: Sequence[int], *, using: str = DEFAULT_DB_ALIAS
) -> dict[int, list[str]]:
    """Hex SHA-256 digests of each revision's attachments, in one query per call; a revision
    missing from the answer has none."""
    through = Revision.attachments.through
    found: dict[int, list[str]] = {}
    rows = (
        through.objects.using(using)
        .filter(revision_id__in=list(revision_ids))
        .values_list("revision_id", "attachment__sha256")
    )
    for revision_id, digest in rows:
        found.setdefault(revision_id, []).append(digest)
    return {key: sorted(value) for key, value in found.items()}


def canonical_content(revision: Revision, attachment_hashes: Iterable[str] | None = None) -> bytes:
    """The bytes `content_hash` is taken over. Attachment digests come from the argument,
    else `revision.attachment_hashes` if the object carries them, else
    `attachment_hashes_for`."""
    if attachment_hashes is None:
        attachment_hashes = getattr(revision, "attachment_hashes", None)
    if attachment_hashes is None:
        using = revision._state.db or DEFAULT_DB_ALIAS
        attachment_hashes = (
            attachment_hashes_for([revision.pk], using=using).get(revision.pk, [])
            if revision.pk
            else []
        )
    return content_bytes(
        title=revision.title,
        body=revision.body,
        data=revision.data,
        attachment_hashes=attachment_hashes,
    )


def content_hash(revision: Revision, attachment_hashes: Iterable[str] | None = None) -> str:
    return sha256(canonical_content(revision, attachment_hashes)).hexdigest()


# -- appending -----------------------------------------------------------------------------


def _lock_chain(using: str) -> None:
    """Make this transaction the only one appending until it ends.

    PostgreSQL: a transaction-scoped advisory lock. Locking the last row (SELECT … FOR
    UPDATE) would not do: with no entry yet there is no row to lock, and under READ
    COMMITTED a writer that waited for the lock re-reads *that* row and still sees it as
    the last, then takes the sequence number the first writer has just used. After the
    advisory lock is ours, the next statement takes a fresh snapshot, which includes the
    entry the previous holder committed. (This relies on READ COMMITTED, Django's default; a
    REPEATABLE READ transaction that had read before locking would see a stale tail and fail
    on the unique sequence instead of forking the chain.)

    SQLite: settings.py opens every transaction with BEGIN IMMEDIATE, which takes the
    database's write lock at once, so writers are already serialised and the tail read below
    is current. Under deferred transactions a second writer would fail with "database is
    locked" when it tries to write; it could still never fork the chain.

    Either way the unique `sequence` is the last guard: a duplicate fails, never forks.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])


def append_entry(*, action: str, revision: Revision, at: datetime | None = None) -> LedgerEntry:
    """Record a publication, correction or withdrawal of `revision` (for a withdrawal, the
    revision withdrawn) as the next entry of the chain.

    Call it inside the transaction that publishes, corrects or withdraws, so the entry is
    committed or rolled back with it; the chain stays locked until that transaction ends.
    The revision must be saved and unchanged since: its content is hashed as it is here.
    """
    if action not in Action.values:
        raise ValueError(str(UNKNOWN_ACTION % {"action": action}))
    if revision.pk is None:
        raise ValueError(str(UNSAVED_REVISION))
    at = at or timezone.now()
    disclosure = revision.disclosure
    organization = disclosure.organization
    digest = content_hash(revision)
    # The revision's own database (a bench or test alias), else wherever entries are written.
    using = revision._state.db or router.db_for_write(LedgerEntry, instance=revision)
    with transaction.atomic(using=using):
        _lock_chain(using)
        tail = (
            LedgerEntry.objects.using(using)
            .order_by("-sequence")
            .values_list("sequence", "entry_hash")
            .first()
        )
        sequence, previous_hash = (tail[0] + 1, tail[1]) if tail else (1, GENESIS_HASH)
        entry = LedgerEntry(
            sequence=sequence,
            at=at,
            organization=organization,
            disclosure=disclosure,
            revision=revision,
            action=action,
            content_hash=digest,
            previous_hash=previous_hash,
        )
        entry.entry_hash = entry.compute_hash()
        entry.save(using=using)
    return entry


# -- verifying -----------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    #: Entries found good, in order (on failure, those before the first bad one).
    checked: int
    #: The sequence number of the first bad (or missing) entry.
    first_bad: int | None = None
    #: Why it is bad, in the active language; empty when ok.
    reason: str = ""
    #: A short name for the kind of failure, for programs and tests: missing, link,
    #: entry_hash, organization, revision, foreign_revision, unreadable, content.
    problem: str = ""
    #: The last entry's hash when ok: the value to write down or publish elsewhere, which is
    #: what makes truncating or rewriting the whole chain detectable later.
    head_hash: str | None = None


@dataclass(frozen=True)
class _Content:
    disclosure_id: int
    number: int
    #: None when the stored content cannot be read back.
    content_hash: str | None


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _IN_CHUNK):
        yield ids[start : start + _IN_CHUNK]


def _load_contents(ids: list[int], using: str) -> dict[int, _Content]:
    """The current content hash of each revision, from one query per chunk of ids.

    `data` is read as text and parsed here, so one unreadable row is reported against its
    entry instead of stopping the walk."""
    found: dict[int, _Content] = {}
    for chunk in _chunks(ids):
        attachments = attachment_hashes_for(chunk, using=using)
        rows = (
            Revision.objects.using(using)
            .filter(pk__in=chunk)
            .order_by()
            .values_list(
                "pk", "disclosure_id", "number", "title", "body", Cast("data", TextField())
            )
        )
        for pk, disclosure_id, number, title, body, data_text in rows:
            try:
                raw = content_bytes(
                    title=title,
                    body=body,
                    data=json.loads(data_text),
                    attachment_hashes=attachments.get(pk, ()),
                )
                digest: str | None = sha256(raw).hexdigest()
            except (TypeError, ValueError):
                digest = None
            found[pk] = _Content(disclosure_id, number, digest)
    return found


def _fail(checked: int, sequence: int, problem: str, message: Any, **params: Any) -> VerifyResult:
    return VerifyResult(
        ok=False,
        checked=checked,
        first_bad=sequence,
        reason=str(message % params),
        problem=problem,
    )


def verify(*, batch_size: int = BATCH_SIZE, using: str = DEFAULT_DB_ALIAS) -> VerifyResult:
    """Walk the chain in sequence order and report the first bad entry.

    For each entry: its sequence is the next number (no gap), its previous hash is the hash
    of the entry before it, its own hash is recomputed from its fields, and the content hash
    is recomputed from the revision it names, so a changed byte in a published revision
    shows up on the first entry that recorded it.

    Entries are read in batches by keyset (`sequence > last … LIMIT n`, on the unique
    index) rather than through one server-side cursor: memory stays flat, no statement stays
    open between batches, and it works alike on SQLite and behind a PostgreSQL pooler that
    forbids named cursors. Organization codes and revision contents are fetched once per
    batch for the ids not seen yet, never per row, and each revision is hashed once however
    many entries name it (up to a memo of _MEMO_LIMIT revisions). The time in each entry is
    written as text by the database (CanonicalTime); parsing a million timestamps into
    datetimes and back was most of the cost.

    Cost (SQLite, this project's bench): about 2.5 µs per entry for the chain, plus about
    25 µs per distinct revision (1.5 KB of body and a small table) for its content hash.
    """
    entries = (
        LedgerEntry.objects.using(using)
        .order_by("sequence")
        .values_list(
            "sequence",
            CanonicalTime("at"),
            "organization_id",
            "disclosure_id",
            "revision_id",
            "action",
            "content_hash",
            "previous_hash",
            "entry_hash",
        )
    )
    codes: dict[int, str] = {}
    contents: dict[int, _Content] = {}
    expected = 1
    previous_hash = GENESIS_HASH
    while True:
        batch = list(entries.filter(sequence__gt=expected - 1)[:batch_size])
        if not batch:
            break
        new_orgs = list({row[2] for row in batch} - codes.keys())
        for chunk in _chunks(new_orgs):
            codes.update(
                Organization.objects.using(using)
                .filter(pk__in=chunk)
                .order_by()
                .values_list("pk", "code")
            )
        if len(contents) > _MEMO_LIMIT:
            contents.clear()  # entries name recent revisions; old ones are rarely named again
        new_revisions = list({row[4] for row in batch} - contents.keys())
        contents.update(_load_contents(new_revisions, using))

        for row in batch:
            (sequence, at_text, org_id, disclosure_id, revision_id, action, recorded_content,
             recorded_previous, recorded_hash) = row  # fmt: skip
            checked = expected - 1
            if sequence != expected:
                gap = MISSING if expected > 1 else MISSING_FIRST
                return _fail(
                    checked, expected, "missing", gap, previous=expected - 1, next=sequence
                )
            if recorded_previous != previous_hash:
                return _fail(
                    checked,
                    sequence,
                    "link",
                    BROKEN_LINK,
                    found=recorded_previous,
                    expected=previous_hash,
                )
            code = codes.get(org_id)
            if code is None:
                return _fail(checked, sequence, "organization", UNKNOWN_ORGANIZATION, id=org_id)
            content = contents.get(revision_id)
            if content is None:
                return _fail(checked, sequence, "revision", UNKNOWN_REVISION, id=revision_id)
            computed = sha256(
                line_of(
                    sequence,
                    at_text,
                    code,
                    disclosure_id,
                    content.number,
                    action,
                    recorded_content,
                    recorded_previous,
                ).encode()
            ).hexdigest()
            if computed != recorded_hash:
                return _fail(
                    checked,
                    sequence,
                    "entry_hash",
                    BAD_ENTRY_HASH,
                    found=recorded_hash,
                    expected=computed,
                )
            revision_params = {"revision": content.number, "disclosure": disclosure_id}
            if content.disclosure_id != disclosure_id:
                return _fail(
                    checked,
                    sequence,
                    "foreign_revision",
                    FOREIGN_REVISION,
                    other=content.disclosure_id,
                    **revision_params,
                )
            if content.content_hash is None:
                return _fail(checked, sequence, "unreadable", UNREADABLE_CONTENT, **revision_params)
            if content.content_hash != recorded_content:
                return _fail(
                    checked,
                    sequence,
                    "content",
                    CONTENT_CHANGED,
                    found=recorded_content,
                    expected=content.content_hash,
                    **revision_params,
                )
            previous_hash = recorded_hash
            expected += 1
    return VerifyResult(
        ok=True,
        checked=expected - 1,
        head_hash=previous_hash if expected > 1 else None,
    )


# -- reading -------------------------------------------------------------------------------


def proof(disclosure: Disclosure) -> list[LedgerEntry]:
    """The disclosure's entries in chain order, for its public page: each has `sequence`,
    `at`, `action` (and `get_action_display`), `revision.number`, `content_hash`,
    `previous_hash` and `entry_hash`, and `canonical_line()` gives the exact text hashed, so
    a reader can recompute the hash with any SHA-256 tool."""
    return list(
        LedgerEntry.objects.for_disclosure(disclosure).select_related("organization", "revision")
    )


def head(*, using: str = DEFAULT_DB_ALIAS) -> LedgerEntry | None:
    """The last entry of the chain (its sequence is the chain's length when it verifies)."""
    return LedgerEntry.objects.using(using).order_by("-sequence").first()
