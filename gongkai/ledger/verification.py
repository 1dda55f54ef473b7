"""`gongkai ledger verify`: check every log from its first entry to its head.

For each log, in index order:

- no index is missing, and the log's cached size, frontier and root agree with the entries;
- every entry's document hashes to its `published_hash`; for a disclosure's entry the
  published and sealed documents are rebuilt from the records as they are now (revision,
  files re-hashed on disk, reasons, opinions, events, times, scope) and must equal what the
  entry committed to (the sealed one with its salt); the commitment and the leaf hash are
  recomputed, and every stored tree node equals the node recomputed from the leaves;
- every signed head verifies with a known key, names this log, and its root is the root of
  the tree at its size; no head claims more entries than the log has (a truncated log);
- every head witnessed in the log above (and every head saved by a reader and handed in with
  `--head`) is the root of the witnessed log at its size;
- the last entry of each disclosure agrees with its state (a reverted withdrawal, a swapped
  published revision), and no disclosure is published without an entry;
- a checkpoint entry names the head of the old hash chain, which must still verify.

The first failure is reported with the log and the entry (or head) it is about.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from hashlib import sha256
from multiprocessing.pool import Pool
from typing import Any, NamedTuple

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext_lazy as _

from gongkai.disclosures.models import Disclosure, State
from gongkai.ledger import log as ledger
from gongkai.ledger import merkle, notes, services, signing
from gongkai.ledger.canonical import canonical_json
from gongkai.ledger.documents import Records, Subject
from gongkai.ledger.fast_documents import (
    EntryRow,
    RowRecords,
    RowSubject,
    Sparse,
    entry_batch,
    raw_rows,
)
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

BATCH = 8_192

MISSING = _("the entry is missing (the log goes on at index %(next)d)")
MISSING_TAIL = _("the log's record says it has %(size)d entries but only %(found)d are stored")
CACHE = _("the log's stored size or root hash does not match its entries")
DOCUMENT_HASH = _("its document no longer hashes to its published hash")
COMMITMENT = _("its commitment is not the hash of its published and sealed hashes")
LEAF = _("its leaf hash does not match its index, time, organization and commitment")
NODE = _("the stored tree node at level %(level)d, position %(index)d is wrong or missing")
RECORDS_GONE = _("a record it names (disclosure, revision or event) no longer exists")
PUBLISHED_CHANGED = _(
    "what readers are shown no longer matches what it committed to (changed: %(fields)s)"
)
SEALED_CHANGED = _(
    "the unpublished content (unmasked text or original files) no longer matches its sealed "
    "commitment"
)
WRONG_DISCLOSURE = _("its stored references disagree with its document")
HEAD_SIGNATURE = _("the signed head of size %(size)d does not verify: %(problem)s")
HEAD_ROOT = _("the signed head of size %(size)d does not match the log's tree at that size")
HEAD_BEYOND = _(
    "a signed head says the log had %(size)d entries, but it has only %(found)d: "
    "entries were removed"
)
NO_HEAD = _("no signed head covers the log's last entry")
WITNESS_ROOT = _(
    "the head of log %(log)s witnessed at size %(size)d does not match that log's tree"
)
WITNESS_BEYOND = _(
    "log %(log)s was witnessed with %(size)d entries, but it has only %(found)d: entries "
    "were removed"
)
WITNESS_UNKNOWN = _("it witnesses log %(log)s, which does not exist")
SAVED_ROOT = _("the saved head of size %(size)d does not match the log's tree at that size")
SAVED_BEYOND = _(
    "a saved head says the log had %(size)d entries, but it has only %(found)d: entries "
    "were removed"
)
STATE_WITHDRAWN = _("its last entry is a withdrawal, but the disclosure is shown as not withdrawn")
STATE_REVISION = _(
    "the disclosure now shows revision %(shown)s, but its last entry is about revision %(recorded)s"
)
STATE_UNPUBLISHED = _("the disclosure has entries, but is not published (state %(state)s)")
UNRECORDED = _("disclosure %(id)d is published, but no ledger entry records it")
LEGACY = _("the old hash chain no longer verifies: %(reason)s")
LEGACY_HEAD = _("it names the old hash chain's head, which is now different")


@dataclass(frozen=True)
class Failure:
    log: str
    #: The entry it is about (None: a head, or the log as a whole).
    index: int | None
    problem: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.log}#{self.index}" if self.index is not None else self.log
        return f"{where}: {self.reason}"


@dataclass
class Report:
    logs: dict[str, int] = field(default_factory=dict)
    heads: dict[str, str] = field(default_factory=dict)
    failure: Failure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def checked(self) -> int:
        return sum(self.logs.values())


class _Stop(Exception):
    def __init__(self, failure: Failure) -> None:
        self.failure = failure


@dataclass(frozen=True)
class SavedHead:
    log: str
    size: int
    root: str


def saved_heads(texts: Iterable[str]) -> list[SavedHead]:
    """Signed checkpoints a reader saved, as handed to `--head` (signature checked)."""
    keys = signing.verifiers()
    found = []
    for text in texts:
        checkpoint = notes.verify_checkpoint(text, keys)
        name = checkpoint.origin.rsplit("/", 1)[-1]
        found.append(SavedHead(name, checkpoint.size, checkpoint.root.hex()))
    return found


def verify(
    *,
    using: str = DEFAULT_DB_ALIAS,
    saved: Iterable[SavedHead] = (),
    batch_size: int = BATCH,
    content: bool = True,
    workers: int | None = None,
) -> Report:
    """Check every log (see the module docstring). `workers` processes walk a large log's
    entries side by side (default: one per CPU, at most `MOST_WORKERS`, for logs of at
    least `PARALLEL_FROM` entries; 1 walks in this process). Whatever finds a problem,
    the log is walked again in this process, so the failure reported is always the one a
    single walk in index order meets first."""
    report = Report()
    try:
        with _pool(using, workers) as pool:
            _verify(report, using, list(saved), batch_size, content, pool)
    except _Stop as stop:
        report.failure = stop.failure
    return report


def _verify(
    report: Report,
    using: str,
    saved: list[SavedHead],
    batch_size: int,
    content: bool,
    pool: Pool | None = None,
) -> None:
    logs = list(Log.objects.using(using).select_related("root").order_by("pk"))
    by_name = {log.name: log for log in logs}
    # Sizes each log must have had the given root at: its signed heads, the heads witnessed
    # in other logs, and the heads readers saved.
    claims: dict[str, list[tuple[int, str, Failure, Failure]]] = defaultdict(list)
    for entry in (
        LogEntry.objects.using(using)
        .filter(kind=Kind.WITNESS)
        .select_related("log__root")
        .order_by("log", "index")
    ):
        document = json.loads(entry.document)
        name, size, root = document.get("log"), document.get("size"), document.get("root")
        here = entry.log.name
        if name not in by_name:
            raise _Stop(Failure(here, entry.index, "witness", str(WITNESS_UNKNOWN % {"log": name})))
        params = {"log": name, "size": size}
        claims[name].append(
            (
                int(size),
                str(root),
                Failure(here, entry.index, "witness", str(WITNESS_ROOT % params)),
                Failure(
                    here,
                    entry.index,
                    "witness_truncated",
                    str(WITNESS_BEYOND % {**params, "found": by_name[name].size}),
                ),
            )
        )
    for head in saved:
        params = {"size": head.size}
        claims[head.log].append(
            (
                head.size,
                head.root,
                Failure(head.log, None, "saved_head", str(SAVED_ROOT % params)),
                Failure(head.log, None, "saved_truncated", str(SAVED_BEYOND % params)),
            )
        )
    keys = signing.verifiers()
    for log in logs:
        _verify_log(report, log, claims.get(log.name, []), keys, using, batch_size, content, pool)
    if content:
        _unrecorded(using)


def _verify_log(
    report: Report,
    log: Log,
    claims: list[tuple[int, str, Failure, Failure]],
    keys: list[notes.Verifier],
    using: str,
    batch_size: int,
    content: bool,
    pool: Pool | None = None,
) -> None:
    name = log.name
    origin = ledger.origin_of(name)
    heads = list(SignedHead.objects.using(using).filter(log=log).order_by("size", "at", "pk"))
    checks: dict[int, list[tuple[str, Failure]]] = defaultdict(list)
    stored_size = LogEntry.objects.using(using).filter(log=log).count()
    for head in heads:
        params = {"size": head.size}
        try:
            checkpoint = notes.verify_checkpoint(head.checkpoint, keys, origin=origin)
        except notes.NoteError as exc:
            raise _Stop(
                Failure(
                    name, None, "head_signature", str(HEAD_SIGNATURE % {**params, "problem": exc})
                )
            ) from exc
        if checkpoint.size != head.size or checkpoint.root.hex() != head.root_hash:
            raise _Stop(
                Failure(
                    name,
                    None,
                    "head_signature",
                    str(HEAD_SIGNATURE % {**params, "problem": "stored fields differ"}),
                )
            )
        if head.size > stored_size:
            raise _Stop(
                Failure(
                    name, None, "truncated", str(HEAD_BEYOND % {**params, "found": stored_size})
                )
            )
        checks[head.size].append(
            (head.root_hash, Failure(name, None, "head_root", str(HEAD_ROOT % params)))
        )
    for size, root, mismatch, beyond in claims:
        if size > stored_size:
            raise _Stop(beyond)
        checks[size].append((root, mismatch))

    walked = None
    with _no_gc():
        if pool is not None and stored_size >= PARALLEL_FROM:
            walked = _walk_in_parallel(pool, log, stored_size, checks, using, batch_size, content)
        if walked is not None:  # every entry, node and head passed, and every state
            frontier = walked
            expected = frontier.size
        else:
            frontier, expected = _walk(name, log, checks, using, batch_size, content)
    if expected != log.size or (expected and frontier.root().hex() != log.root_hash):
        raise _Stop(Failure(name, None, "log_state", str(CACHE)))
    if expected and not checks.get(expected):
        raise _Stop(Failure(name, expected - 1, "unsigned", str(NO_HEAD)))
    report.logs[name] = expected
    report.heads[name] = frontier.root().hex()


#: The signed heads and witnessed or saved heads a log must match, by size.
Checks = dict[int, list[tuple[str, Failure]]]


def _walk(
    name: str, log: Log, checks: Checks, using: str, batch_size: int, content: bool
) -> tuple[merkle.Frontier, int]:
    """Walk a log's entries in index order: each entry's checks, its leaf, the tree's
    nodes and the heads at each size; then the last entry of each disclosure against its
    state. Raises _Stop at the first failure."""
    frontier = merkle.Frontier()
    last_of: dict[int, _Last] = {}
    sparse = Sparse.load(using) if content else None
    expected = 0
    while True:
        batch, records = entry_batch(
            log.pk, expected, batch_size, using=using, content=content, sparse=sparse
        )
        if not batch:
            break
        completed: list[tuple[int, int, bytes]] = []
        for entry in batch:
            if entry.index != expected:
                raise _Stop(
                    Failure(name, expected, "missing", str(MISSING % {"next": entry.index}))
                )
            _check_entry(name, entry, records, content, using)
            leaf = ledger.leaf_bytes(
                name,
                entry.index,
                entry.at_text,
                entry.organization_code,
                entry.commitment,
            )
            leaf_hash = merkle.leaf_hash(leaf)
            if leaf_hash.hex() != entry.leaf_hash:
                raise _Stop(Failure(name, entry.index, "leaf", str(LEAF)))
            completed.extend(frontier.append(leaf_hash))
            for root, failure in checks.get(frontier.size, ()):
                if frontier.root().hex() != root:
                    raise _Stop(failure)
            if entry.disclosure_id is not None and entry.kind in DISCLOSURE_KINDS:
                last_of[entry.disclosure_id] = _Last(entry.index, entry.kind, entry.revision_id)
            expected += 1
        _check_nodes(name, log.pk, completed, using, batch[0].index)
    if content:
        _check_states(name, last_of, using)
    return frontier, expected


class _Last(NamedTuple):
    """A disclosure's last entry, as `_check_states` needs it."""

    index: int  # type: ignore[assignment]  # a column, not tuple.index
    kind: str
    revision_id: int | None


def _subject(entry: LogEntry) -> Subject:
    assert entry.disclosure_id is not None and entry.revision_id is not None
    return Subject(entry.kind, entry.disclosure_id, entry.revision_id, entry.event_id, entry.at)


def _agrees(entry: EntryRow, records: RowRecords) -> bool:
    """Whether the documents rebuilt from the records are byte for byte what the entry
    committed to (fast_documents). False on any doubt: the caller then asks `Records`."""
    assert entry.disclosure_id is not None and entry.revision_id is not None
    subject = RowSubject(
        entry.kind, entry.disclosure_id, entry.revision_id, entry.event_id, entry.at_text
    )
    try:
        published, sealed = records.documents(subject)
    except (KeyError, ValueError, TypeError):
        return False
    if published != entry.document:
        return False
    salt = bytes.fromhex(entry.salt or "00")
    return sha256(salt + sealed.encode("utf-8")).hexdigest() == entry.sealed_hash


def _reference(entry: EntryRow, using: str) -> tuple[LogEntry, Records]:
    """The entry as a model instance and its records as `Records` loads them."""
    found = LogEntry.objects.using(using).select_related("organization").get(pk=entry.pk)
    return found, Records.load([_subject(found)], using=using)


def _check_entry(
    name: str,
    entry: LogEntry | EntryRow,
    records: Records | RowRecords,
    content: bool,
    using: str,
) -> None:
    index = entry.index
    document_bytes = entry.document.encode("utf-8")
    if ledger.published_hash_of(document_bytes) != entry.published_hash:
        raise _Stop(Failure(name, index, "document", str(DOCUMENT_HASH)))
    if ledger.commitment_of(entry.published_hash, entry.sealed_hash) != entry.commitment:
        raise _Stop(Failure(name, index, "commitment", str(COMMITMENT)))
    if entry.kind == Kind.CHECKPOINT and content:
        _check_checkpoint(name, entry.index, entry.document, using)
    if entry.kind not in DISCLOSURE_KINDS:
        if entry.sealed_hash != NOTHING_SEALED:
            raise _Stop(Failure(name, index, "commitment", str(COMMITMENT)))
        return
    if not content:
        return
    if entry.disclosure_id is None or entry.revision_id is None:
        raise _Stop(Failure(name, index, "records", str(RECORDS_GONE)))
    if isinstance(entry, EntryRow):
        assert isinstance(records, RowRecords)
        if _agrees(entry, records):
            return
        # Something differs (or the fast builder cannot say): the reference builder decides
        # and names what changed.
        entry, records = _reference(entry, using)
    assert isinstance(records, Records)
    try:
        published, sealed = records.documents(_subject(entry))
    except KeyError as exc:
        raise _Stop(Failure(name, index, "records", str(RECORDS_GONE))) from exc
    stored = json.loads(entry.document)
    if stored.get("disclosure") != entry.disclosure_id or stored.get("kind") != entry.kind:
        raise _Stop(Failure(name, index, "references", str(WRONG_DISCLOSURE)))
    rebuilt = json.loads(canonical_json(published))
    changed = sorted(k for k in set(stored) | set(rebuilt) if stored.get(k) != rebuilt.get(k))
    if changed:
        raise _Stop(
            Failure(
                name, index, "published", str(PUBLISHED_CHANGED % {"fields": ", ".join(changed)})
            )
        )
    if ledger.sealed_hash_of(entry.salt or "00", canonical_json(sealed)) != entry.sealed_hash:
        raise _Stop(Failure(name, index, "sealed", str(SEALED_CHANGED)))


def _check_checkpoint(name: str, index: int, document_text: str, using: str) -> None:
    legacy = services.verify(using=using)
    if not legacy.ok:
        raise _Stop(Failure(name, index, "legacy", str(LEGACY % {"reason": legacy.reason})))
    document = json.loads(document_text).get("legacy_chain", {})
    head = (
        LedgerEntry.objects.using(using)
        .filter(sequence=document.get("length"))
        .values_list("entry_hash", flat=True)
        .first()
    )
    if head != document.get("head"):
        raise _Stop(Failure(name, index, "legacy", str(LEGACY_HEAD)))


def _check_nodes(
    name: str, log_id: int, completed: list[tuple[int, int, bytes]], using: str, first: int
) -> None:
    if not completed:
        return
    by_level: dict[int, list[int]] = defaultdict(list)
    for level, index, _hash in completed:
        by_level[level].append(index)
    # One range per level, each on the (log, level, index) index; an OR of them is a scan.
    nodes = LogNode.objects.using(using).filter(log_id=log_id).order_by()
    parts = [
        nodes.filter(level=level, index__gte=min(indexes), index__lte=max(indexes)).values_list(
            "level", "index", "hash"
        )
        for level, indexes in by_level.items()
    ]
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    stored = {(level, index): bytes(h) for level, index, h in raw_rows(query, using)}
    for level, index, node in completed:
        if stored.get((level, index)) != node:
            leaf = index << level
            raise _Stop(Failure(name, leaf, "node", str(NODE % {"level": level, "index": index})))


def _check_states(
    name: str,
    last_of: dict[int, _Last],
    using: str,
    rows: Sequence[tuple[int, str, int | None]] | None = None,
) -> None:
    """`rows`: (pk, state, published revision) of the disclosures, when already read."""
    ids = list(last_of)
    if rows is None:
        rows = [
            row
            for start in range(0, len(ids), 5_000)
            for row in Disclosure.objects.using(using)
            .filter(pk__in=ids[start : start + 5_000])
            .values_list("pk", "state", "published_revision_id")
        ]
    rows = [row for row in rows if row[0] in last_of]
    for pk, state, revision_id in sorted(rows, key=lambda row: last_of[row[0]].index):
        entry = last_of[pk]
        if entry.kind == Kind.WITHDRAW:
            if state != State.WITHDRAWN:
                raise _Stop(Failure(name, entry.index, "state", str(STATE_WITHDRAWN)))
            continue
        if state not in _PUBLISHED_STATES:
            raise _Stop(
                Failure(name, entry.index, "state", str(STATE_UNPUBLISHED % {"state": state}))
            )
        if revision_id != entry.revision_id:
            raise _Stop(
                Failure(
                    name,
                    entry.index,
                    "state",
                    str(STATE_REVISION % {"shown": revision_id, "recorded": entry.revision_id}),
                )
            )


_PUBLISHED_STATES = frozenset({State.PUBLISHED, State.PUBLICITY_ENDED, State.ARCHIVED})


def _unrecorded(using: str) -> None:
    """A disclosure on show with no entry in any log (nor in the old chain)."""
    recorded = (
        LogEntry.objects.using(using).filter(disclosure_id__isnull=False).values("disclosure_id")
    )
    legacy = LedgerEntry.objects.using(using).values("disclosure_id")
    found = (
        Disclosure.objects.using(using)
        .filter(state__in=[*_PUBLISHED_STATES, State.WITHDRAWN])
        .exclude(pk__in=recorded)
        .exclude(pk__in=legacy)
        .values_list("pk", flat=True)
        .first()
    )
    if found is not None:
        raise _Stop(Failure("-", None, "unrecorded", str(UNRECORDED % {"id": found})))


# -- walking a large log in several processes ---------------------------------------------
#
# A log is cut into chunks of 2**CHUNK_LEVEL entries, aligned, so each chunk is a perfect
# subtree: a worker walks a chunk exactly as `_walk` walks a log (every entry's checks, its
# leaf, the chunk's nodes, the local tree at each head's size inside the chunk, and the
# state of each disclosure whose last entry is in the chunk) and hands back the chunk's
# subtree roots. This process joins them into the log's tree, checks the nodes above the
# chunks and the heads' roots. Any doubt, and the log is walked again by `_walk`, which
# names the first failure.

#: Logs with fewer entries are walked in this process.
PARALLEL_FROM = 1 << 16
MOST_WORKERS = 4
CHUNK_LEVEL = 13

_worker_sparse: dict[str, Sparse] = {}


@contextmanager
def _no_gc() -> Iterator[None]:
    """The walk makes millions of short-lived tuples and no cycles: the cyclic collector
    would spend a quarter of the time finding nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _pool(using: str, workers: int | None) -> Iterator[Pool | None]:
    if workers is None:
        workers = min(os.cpu_count() or 1, MOST_WORKERS) if _large(using) else 1
    connection = connections[using]
    if (
        workers < 2
        or connection.in_atomic_block
        or (connection.vendor == "sqlite" and _in_memory(connection))
    ):
        yield None
        return
    # A forked process must not share this one's database connection: each opens its own.
    connections[using].close()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield pool


def _in_memory(connection: Any) -> bool:
    return bool(connection.is_in_memory_db())


def _large(using: str) -> bool:
    return Log.objects.using(using).filter(size__gte=PARALLEL_FROM).exists()


@dataclass(frozen=True)
class _Chunk:
    log_id: int
    name: str
    start: int
    #: Head sizes inside the chunk (not at its end), where the local tree is wanted.
    sizes: frozenset[int]
    using: str
    batch_size: int
    content: bool


@dataclass(frozen=True)
class _Walked:
    count: int
    #: The chunk's frontier (its root when it is complete).
    hashes: tuple[bytes, ...]
    #: The chunk's frontier at each size asked for.
    at_sizes: dict[int, tuple[bytes, ...]]


def _walk_chunk(chunk: _Chunk) -> _Walked | None:
    """A worker's walk of one chunk: None on any failure."""
    using = chunk.using
    with _no_gc():
        return _walk_chunk_inner(chunk, using)


def _walk_chunk_inner(chunk: _Chunk, using: str) -> _Walked | None:
    try:
        sparse = _worker_sparse.get(using)
        if sparse is None and chunk.content:
            sparse = _worker_sparse[using] = Sparse.load(using)
        start, end = chunk.start, chunk.start + (1 << CHUNK_LEVEL)
        frontier = merkle.Frontier()
        at_sizes: dict[int, tuple[bytes, ...]] = {}
        last_of: dict[int, _Last] = {}
        expected = start
        while expected < end:
            batch, records = entry_batch(
                chunk.log_id,
                expected,
                end - expected,  # the chunk at once: fewer queries to compile
                using=using,
                content=chunk.content,
                sparse=sparse,
            )
            if not batch:
                break
            completed: list[tuple[int, int, bytes]] = []
            for entry in batch:
                if entry.index != expected:
                    return None
                _check_entry(chunk.name, entry, records, chunk.content, using)
                leaf_hash = merkle.leaf_hash(
                    ledger.leaf_bytes(
                        chunk.name,
                        entry.index,
                        entry.at_text,
                        entry.organization_code,
                        entry.commitment,
                    )
                )
                if leaf_hash.hex() != entry.leaf_hash:
                    return None
                for level, index, node in frontier.append(leaf_hash):
                    completed.append((level, index + (start >> level), node))
                expected += 1
                if expected in chunk.sizes:
                    at_sizes[expected] = frontier.hashes
                if entry.disclosure_id is not None and entry.kind in DISCLOSURE_KINDS:
                    last_of[entry.disclosure_id] = _Last(entry.index, entry.kind, entry.revision_id)
            _check_nodes(chunk.name, chunk.log_id, completed, using, batch[0].index)
        if chunk.content and last_of:
            # The disclosures whose last entry of the log is in this chunk. Not filtered on
            # the log in SQL: with it, SQLite walks the log's index from `end` to the last
            # entry (seconds per chunk at a million entries) instead of searching the
            # (disclosure, index) index for each disclosure.
            # Selected by subqueries on the chunk's entries: IN lists of thousands of ids
            # cost Django more to compile than the queries take.
            in_chunk = (
                LogEntry.objects.using(using)
                .filter(log_id=chunk.log_id, index__gte=start, index__lt=end)
                .values("disclosure_id")
            )
            later = {
                disclosure_id
                for disclosure_id, log_id in LogEntry.objects.using(using)
                .filter(index__gte=end, disclosure_id__in=in_chunk)
                .order_by()
                .values_list("disclosure_id", "log_id")
                if log_id == chunk.log_id
            }
            states = list(
                Disclosure.objects.using(using)
                .filter(pk__in=in_chunk)
                .order_by()
                .values_list("pk", "state", "published_revision_id")
            )
            _check_states(
                chunk.name,
                {pk: last for pk, last in last_of.items() if pk not in later},
                using,
                states,
            )
    except (_Stop, merkle.MissingNodeError, ValueError):
        return None
    return _Walked(expected - start, frontier.hashes, at_sizes)


def _fold(hashes: Iterable[bytes]) -> bytes:
    """The root of a tree from its perfect subtrees' roots, left to right."""
    ordered = list(hashes)
    if not ordered:
        return merkle.EMPTY_ROOT
    root = ordered[-1]
    for node in reversed(ordered[:-1]):
        root = merkle.node_hash(node, root)
    return root


def _walk_in_parallel(
    pool: Pool,
    log: Log,
    stored_size: int,
    checks: Checks,
    using: str,
    batch_size: int,
    content: bool,
) -> merkle.Frontier | None:
    """The log's tree when every chunk, node and head checks out; None on any doubt."""
    size = 1 << CHUNK_LEVEL
    chunks = [
        _Chunk(
            log.pk,
            log.name,
            start,
            frozenset(s for s in checks if start < s < start + size),
            using,
            batch_size,
            content,
        )
        for start in range(0, stored_size, size)
    ]
    upper = merkle.Frontier()  # over the chunks' roots
    above: list[tuple[int, int, bytes]] = []
    tail: tuple[bytes, ...] = ()
    for number, walked in enumerate(pool.imap(_walk_chunk, chunks)):
        if walked is None or tail:  # a failure, or entries after a short chunk
            return None
        for at, local in walked.at_sizes.items():
            root = _fold((*upper.hashes, *local)).hex()
            if any(root != expected for expected, _failure in checks[at]):
                return None
        if walked.count == size:
            for level, index, node in upper.append(walked.hashes[0])[1:]:
                above.append((level + CHUNK_LEVEL, index, node))
            for expected, _failure in checks.get(upper.size * size, ()):
                if upper.root().hex() != expected:
                    return None
        else:
            tail = walked.hashes
        if number == len(chunks) - 1 and walked.count + chunks[number].start != stored_size:
            return None
    try:
        _check_nodes(log.name, log.pk, above, using, 0)
    except _Stop:
        return None
    hashes = (*upper.hashes, *tail)
    total = upper.size * size + (stored_size % size if tail else 0)
    frontier = merkle.Frontier.from_bytes(total, b"".join(hashes))
    return frontier


def as_json(report: Report) -> dict[str, Any]:
    out: dict[str, Any] = {"ok": report.ok, "logs": report.logs, "heads": report.heads}
    if report.failure is not None:
        f = report.failure
        out["failure"] = {"log": f.log, "index": f.index, "problem": f.problem, "reason": f.reason}
    return out
