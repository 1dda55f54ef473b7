"""The transparency log (docs/ledger-format.md): appending entries, signing heads,
witnessing up the tree, proofs, and the public view of entries.

One log per log root (`root_of`), each with its own lock (the row of its `Log`), so
publishing in one county never waits for another. An append, in the transaction that
publishes, corrects or withdraws:

1. builds the entry's published and sealed documents (`documents.Records`),
2. commits to them (`commitment`, with a fresh 32-byte salt for the sealed one),
3. hashes the leaf, adds it to the tree's frontier and stores every node it completes,
4. signs a new head for the new size.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, router, transaction
from django.db.models import Field
from django.utils import timezone

from gongkai.disclosures.models import Disclosure, Event, Revision, State
from gongkai.disclosures.visibility import shows_content, visibility_condition
from gongkai.ledger import merkle, notes, signing
from gongkai.ledger.canonical import canonical_json, canonical_time
from gongkai.ledger.documents import Records, Subject
from gongkai.ledger.models import (
    DISCLOSURE_KINDS,
    NOTHING_SEALED,
    Kind,
    LedgerEntry,
    Log,
    LogEntry,
    LogNode,
    SignedHead,
)
from gongkai.organizations.models import Organization

LEAF_FORMAT = "gongkai-leaf-v1"
COMMITMENT_FORMAT = "gongkai-commitment-v1"

#: A head is signed again when the last one is older than this, even with nothing new.
DAILY = dt.timedelta(days=1)


# -- the hashes -----------------------------------------------------------------------------


def published_hash_of(document_bytes: bytes) -> str:
    return sha256(document_bytes).hexdigest()


def sealed_hash_of(salt_hex: str, sealed_bytes: bytes) -> str:
    return sha256(bytes.fromhex(salt_hex) + sealed_bytes).hexdigest()


def commitment_of(published_hash: str, sealed_hash: str) -> str:
    text = f"{COMMITMENT_FORMAT}\n{published_hash}\n{sealed_hash}\n"
    return sha256(text.encode("ascii")).hexdigest()


def leaf_bytes(log: str, index: int, at_text: str, organization: str, commitment: str) -> bytes:
    return f"{LEAF_FORMAT}\n{log}\n{index}\n{at_text}\n{organization}\n{commitment}\n".encode()


def origin_of(log: Log | str) -> str:
    return f"{settings.GONGKAI_LEDGER_NAME}/{log if isinstance(log, str) else log.name}"


# -- which log ------------------------------------------------------------------------------


def root_of(organization: Organization, *, using: str = DEFAULT_DB_ALIAS) -> Organization:
    """The nearest log root at or above `organization`: an organization that already has a
    log, one at a depth listed in GONGKAI_LEDGER_ROOT_DEPTHS (0 for a top-level organization,
    as settings.py documents; `Organization.depth` counts a top-level one as 1), or a
    top-level one."""
    chain = list(Organization.objects.using(using).ancestors(organization, include_self=True))
    with_log = set(
        Log.objects.using(using)
        .filter(root__in=[o.pk for o in chain])
        .values_list("root_id", flat=True)
    )
    for candidate in reversed(chain):  # deepest first
        if (
            candidate.pk in with_log
            or at_root_depth(candidate.depth)
            or candidate.parent_id is None
        ):
            return candidate
    return chain[0]


def at_root_depth(depth: int) -> bool:
    """Whether organizations at `depth` (`Organization.depth`, 1 for a top-level one) are
    log roots by GONGKAI_LEDGER_ROOT_DEPTHS (which counts a top-level one as 0)."""
    return depth - 1 in set(settings.GONGKAI_LEDGER_ROOT_DEPTHS)


def log_for(
    organization: Organization, *, at: dt.datetime | None = None, using: str = DEFAULT_DB_ALIAS
) -> Log:
    """The log entries about `organization` go to, made on first use."""
    return make_root(root_of(organization, using=using), at=at, using=using)


def make_root(
    organization: Organization, *, at: dt.datetime | None = None, using: str = DEFAULT_DB_ALIAS
) -> Log:
    """The log of `organization` as a log root, made if it has none (idempotent). A province
    makes a county one this way: later entries of its subtree go to its own log, witnessed in
    the log above; entries already recorded stay where they are. A log made while an older
    hash chain exists starts with a checkpoint entry committing to that chain's head."""
    found = Log.objects.using(using).filter(root=organization).first()
    if found is not None:
        return found
    at = at or timezone.now()
    try:
        with transaction.atomic(using=using):
            log = Log.objects.using(using).create(root=organization, created_at=at)
            legacy = (
                LedgerEntry.objects.using(using)
                .order_by("-sequence")
                .values_list("sequence", "entry_hash")
                .first()
            )
            if legacy is not None:
                append(
                    log,
                    kind=Kind.CHECKPOINT,
                    organization=organization,
                    document={
                        "kind": Kind.CHECKPOINT.value,
                        "legacy_chain": {"length": legacy[0], "head": legacy[1]},
                    },
                    at=at,
                    using=using,
                )
    except IntegrityError:
        # Another transaction made it first (the unique root): theirs is the log.
        return Log.objects.using(using).get(root=organization)
    return log


# -- appending ------------------------------------------------------------------------------


def append(
    log: Log,
    *,
    kind: str,
    organization: Organization,
    document: dict[str, Any],
    sealed: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
    disclosure: Disclosure | None = None,
    revision: Revision | None = None,
    event: Event | None = None,
    using: str | None = None,
) -> LogEntry:
    """Add one entry to `log` and sign the new head, inside the caller's transaction (the
    log stays locked until it ends)."""
    using = using or log._state.db or router.db_for_write(LogEntry)
    at = at or timezone.now()
    document_bytes = canonical_json(document)
    published_hash = published_hash_of(document_bytes)
    salt = ""
    sealed_hash = NOTHING_SEALED
    if sealed is not None:
        salt = secrets.token_bytes(32).hex()
        sealed_hash = sealed_hash_of(salt, canonical_json(sealed))
    commitment = commitment_of(published_hash, sealed_hash)
    with transaction.atomic(using=using):
        locked = (
            Log.objects.using(using)
            .select_for_update(of=("self",))
            .select_related("root")
            .get(pk=log.pk)
        )
        index = locked.size
        name = locked.root.code
        leaf = leaf_bytes(name, index, canonical_time(at) or "", organization.code, commitment)
        leaf_hash = merkle.leaf_hash(leaf)
        frontier = merkle.Frontier.from_bytes(locked.size, bytes(locked.frontier))
        completed = frontier.append(leaf_hash)
        entry = LogEntry(
            log=locked,
            index=index,
            at=at,
            organization=organization,
            kind=kind,
            disclosure=disclosure,
            revision=revision,
            event=event,
            document=document_bytes.decode("utf-8"),
            published_hash=published_hash,
            sealed_hash=sealed_hash,
            salt=salt,
            commitment=commitment,
            leaf_hash=leaf_hash.hex(),
        )
        entry.save(using=using)
        LogNode.objects.using(using).bulk_create(
            [LogNode(log=locked, level=lv, index=ix, hash=h) for lv, ix, h in completed]
        )
        root_hash = frontier.root()
        Log.objects.using(using).filter(pk=locked.pk).update(
            size=frontier.size, frontier=frontier.to_bytes(), root_hash=root_hash.hex()
        )
        log.size, log.root_hash = frontier.size, root_hash.hex()
        _sign(locked, frontier.size, root_hash, at, using)
    return entry


def _sign(log: Log, size: int, root_hash: bytes, at: dt.datetime, using: str) -> SignedHead:
    body = notes.checkpoint_body(
        origin_of(log.root.code), size, root_hash, canonical_time(at) or ""
    )
    note = notes.sign_note(body, signing.signer())
    return SignedHead.objects.using(using).create(
        log=log, size=size, root_hash=root_hash.hex(), at=at, checkpoint=note
    )


def record_move(
    disclosure: Disclosure, *, kind: str, revision: Revision, event: Event, at: dt.datetime
) -> LogEntry:
    """The entry of a publication, correction or withdrawal: called by the workflow in the
    move's transaction, after the move's event is recorded."""
    using = disclosure._state.db or DEFAULT_DB_ALIAS
    subject = Subject(kind, disclosure.pk, revision.pk, event.pk, at)
    published, sealed = Records.load([subject], using=using).documents(subject)
    log = log_for(disclosure.organization, at=at, using=using)
    return append(
        log,
        kind=kind,
        organization=disclosure.organization,
        document=published,
        sealed=sealed,
        at=at,
        disclosure=disclosure,
        revision=revision,
        event=event,
        using=using,
    )


# -- heads and witnesses --------------------------------------------------------------------


def latest_head(log: Log, *, using: str | None = None) -> SignedHead | None:
    return (
        SignedHead.objects.using(using or log._state.db or DEFAULT_DB_ALIAS)
        .filter(log=log)
        .order_by("-size", "-at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class WitnessReport:
    signed: list[str]
    witnessed: list[tuple[str, str, int]]


def witness(*, at: dt.datetime | None = None, using: str = DEFAULT_DB_ALIAS) -> WitnessReport:
    """Sign a fresh head for every log whose last head is a day old, then record each log's
    latest head in the log of the organization above its root (deepest roots first, so a
    county's head reaches the province's log in the same run). Safe to run twice: a head
    already witnessed is not witnessed again."""
    at = at or timezone.now()
    signed: list[str] = []
    witnessed: list[tuple[str, str, int]] = []
    logs = list(Log.objects.using(using).select_related("root").order_by("-root__depth", "pk"))
    for log in logs:
        with transaction.atomic(using=using):
            locked = (
                Log.objects.using(using)
                .select_for_update(of=("self",))
                .select_related("root")
                .get(pk=log.pk)
            )
            head = latest_head(locked, using=using)
            if locked.size and (head is None or head.size != locked.size or at - head.at >= DAILY):
                _sign(locked, locked.size, bytes.fromhex(locked.root_hash), at, using)
                signed.append(locked.name)
        above = log.root.parent
        if above is None:
            continue
        with transaction.atomic(using=using):
            head = latest_head(log, using=using)
            if head is None:
                continue
            parent = log_for(above, at=at, using=using)
            already = (
                LogEntry.objects.using(using)
                .filter(
                    log=parent,
                    kind=Kind.WITNESS,
                    document__contains=f'"root":"{head.root_hash}"',
                )
                .filter(document__contains=f'"log":"{log.name}"')
            )
            if already.exists():
                continue
            append(
                parent,
                kind=Kind.WITNESS,
                organization=parent.root,
                document={
                    "kind": Kind.WITNESS.value,
                    "log": log.name,
                    "size": head.size,
                    "root": head.root_hash,
                    "checkpoint": head.checkpoint,
                },
                at=at,
                using=using,
            )
            witnessed.append((parent.name, log.name, head.size))
    return WitnessReport(signed, witnessed)


# -- proofs ---------------------------------------------------------------------------------


def fetcher(log: Log, *, using: str | None = None) -> merkle.FetchNodes:
    """Reads stored perfect-subtree nodes of `log` in one query per call.

    The query is written out rather than built from Q objects: compiling an OR of some
    twenty conditions took Django about 3 ms, fifteen times the query itself at ten million
    leaves. The log is in every term, so each term is a search of the unique (log, level,
    index) index (with the log outside the OR, SQLite picks the log's own index and reads
    every node of the log)."""
    db = using or log._state.db or DEFAULT_DB_ALIAS

    def fetch(addresses: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        if not addresses:
            return {}
        by_level: dict[int, list[int]] = {}
        for level, index in addresses:
            by_level.setdefault(level, []).append(index)
        connection = connections[db]
        q = connection.ops.quote_name
        meta = LogNode._meta
        log_column, level_column, index_column, hash_column = (
            q(field.column)
            for field in (meta.get_field(name) for name in ("log", "level", "index", "hash"))
            if isinstance(field, Field)
        )
        terms = []
        params: list[int] = []
        for level, indexes in by_level.items():
            terms.append(
                f"({log_column} = %s AND {level_column} = %s AND {index_column} IN "
                f"({', '.join(['%s'] * len(indexes))}))"
            )
            params.extend((log.pk, level, *indexes))
        sql = (
            f"SELECT {level_column}, {index_column}, {hash_column} "
            f"FROM {q(meta.db_table)} WHERE {' OR '.join(terms)}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {(level, index): bytes(h) for level, index, h in cursor.fetchall()}

    return fetch


def inclusion(log: Log, index: int, size: int) -> list[bytes]:
    return merkle.inclusion_path(index, size, fetcher(log))


def consistency(log: Log, first: int, second: int) -> list[bytes]:
    return merkle.consistency_path(first, second, fetcher(log))


# -- the public view ------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """Which disclosures' ledger documents a reader may read (`visible_disclosures`)."""

    #: Seen by the one visibility rule, content on show: every entry is readable.
    content: frozenset[int] = frozenset()
    #: Seen, but withdrawn: only the withdrawal's entry (title, period, reason) is readable.
    withdrawn: frozenset[int] = frozenset()

    @classmethod
    def of(cls, disclosure: Disclosure) -> Shown:
        """For a disclosure the reader is already known to see."""
        if not shows_content(disclosure):
            return cls(withdrawn=frozenset({disclosure.pk}))
        return cls(content=frozenset({disclosure.pk}))


def visible_disclosures(user: Any, ids: Iterable[int], now: dt.datetime | None = None) -> Shown:
    """Of `ids`, the disclosures whose ledger documents `user` may read: those the one
    visibility rule lets them see, and whose content is on show (a withdrawn disclosure
    shows only its withdrawal)."""
    rows = list(
        Disclosure.objects.filter(visibility_condition(user, now), pk__in=list(ids)).values_list(
            "pk", "state"
        )
    )
    return Shown(
        content=frozenset(pk for pk, state in rows if state != State.WITHDRAWN),
        withdrawn=frozenset(pk for pk, state in rows if state == State.WITHDRAWN),
    )


def readable(entry: LogEntry, shown: Shown) -> bool:
    """Whether an entry's document may be shown, given `visible_disclosures`."""
    if entry.kind not in DISCLOSURE_KINDS:
        return True
    if entry.disclosure_id is None:
        return False
    if entry.disclosure_id in shown.content:
        return True
    return entry.kind == Kind.WITHDRAW and entry.disclosure_id in shown.withdrawn


def entry_out(entry: LogEntry, *, visible: bool) -> dict[str, Any]:
    """An entry as the API and pages show it: opaque (index, time, organization,
    commitment) unless the reader may read its document."""
    out: dict[str, Any] = {
        "index": entry.index,
        "at": canonical_time(entry.at),
        "organization": entry.organization.code,
        "commitment": entry.commitment,
        "leaf_hash": entry.leaf_hash,
        "visible": visible,
    }
    if visible:
        out.update(
            {
                "kind": entry.kind,
                "document": json.loads(entry.document),
                "published_hash": entry.published_hash,
                "sealed_hash": entry.sealed_hash,
            }
        )
    return out


def entries_view(
    log: Log, user: Any, *, start: int, limit: int, now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """A page of `log` from `start`, every index present: the entries `user` may not read
    are opaque."""
    rows = list(
        LogEntry.objects.filter(log=log, index__gte=start)
        .select_related("organization")
        .order_by("index")[:limit]
    )
    shown = visible_disclosures(user, {r.disclosure_id for r in rows if r.disclosure_id}, now)
    return [entry_out(r, visible=readable(r, shown)) for r in rows]


def hex_path(path: Sequence[bytes]) -> list[str]:
    return [node.hex() for node in path]


def sealed_view(disclosure: Disclosure) -> list[dict[str, Any]]:
    """For staff who may see the unmasked content (the console): each entry of the
    disclosure with its salt and its sealed document as rebuilt now, so they can check
    `sealed_hash` = SHA-256(salt ‖ canonical JSON) themselves."""
    entries = list(
        LogEntry.objects.filter(disclosure=disclosure)
        .select_related("log__root")
        .order_by("at", "index")
    )
    entries = [e for e in entries if e.revision_id is not None]
    subjects = [
        Subject(e.kind, disclosure.pk, e.revision_id, e.event_id, e.at)  # type: ignore[arg-type]
        for e in entries
    ]
    records = Records.load(subjects, using=disclosure._state.db or DEFAULT_DB_ALIAS)
    shown = []
    for entry, subject in zip(entries, subjects, strict=True):
        try:
            sealed = canonical_json(records.documents(subject)[1]).decode("utf-8")
        except KeyError:
            sealed = ""
        matches = bool(sealed) and sealed_hash_of(entry.salt, sealed.encode()) == entry.sealed_hash
        shown.append(
            {
                "entry": entry,
                "log": entry.log.name,
                "sealed": sealed,
                "matches": matches,
            }
        )
    return shown
