"""`gongkai ledger verify`: check every log from its first entry to its head.

Logs are checked from the top of the tree down, so the log that witnesses another is checked
before the log it witnesses. For each log, in index order:

- no index is missing, and the log's cached size, frontier and root agree with the entries;
- every entry's document hashes to its `published_hash` and names the entry's kind; for a
  disclosure's entry the published and sealed documents are rebuilt from the records as they
  are now (revision, files re-hashed on disk, reasons, opinions, events, times, scope) and
  must equal what the entry committed to (the sealed one with its salt); what readers are
  shown beside the documents must agree with the entry too (a revision's publication time
  and correction note, a withdrawal's time, an attachment's recorded digest and size); the
  commitment and the leaf hash are recomputed, and every stored tree node equals the node
  recomputed from the leaves (and there are no others);
- every signed head verifies with a known key, names this log, and its root is the root of
  the tree at its size (a bad head is reported at the last entry it signs); a head that
  claims more entries than the log has shows a truncated log; the last entry is signed;
- every `witness` entry holds a checkpoint of the log it names, signed with a known key, and
  that log's tree at the witnessed size has the witnessed root (and so has it at the size of
  every head a reader saved and handed in with `--head`);
- the last entry of each disclosure agrees with its state (a reverted withdrawal, a swapped
  published revision); no disclosure is published without an entry, and no publication,
  correction or withdrawal on a disclosure's timeline goes without its entry;
- a checkpoint entry names the head of the old hash chain, which must still verify and must
  not have grown since the logs began.

The first failure is reported with the log and the entry it is about (None: the log as a
whole, when no one entry can be named, such as a saved head the log no longer matches).

Speed (a million entries a minute and more): entries and their records are read as rows
and their documents written by `fast_documents`, which is trusted only to say "identical";
on any difference the entry and its records are loaded as models and `Records` gives the
verdict and names what changed. A large log is walked in chunks by worker processes; on
any doubt it is walked again in this process, which reports the first failure.
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
from datetime import datetime
from hashlib import sha256
from multiprocessing.pool import Pool
from typing import Any, NamedTuple

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext_lazy as _

from gongkai.disclosures.event_kinds import EventKind
from gongkai.disclosures.models import Disclosure, Event, Revision, State
from gongkai.ledger import log as ledger
from gongkai.ledger import merkle, notes, services, signing
from gongkai.ledger.canonical import canonical_json, canonical_time
from gongkai.ledger.documents import Records, Subject, file_digest
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
from gongkai.organizations.models import Organization

BATCH = 8_192

#: How the old hash chain (before the logs) is named in reports; its entries by sequence.
LEGACY_LOG = "legacy"

MISSING = _("the entry is missing (the log goes on at index %(next)d)")
MISSING_TAIL = _("the log's record says it has %(size)d entries but only %(found)d are stored")
CACHE = _("the log's stored size or root hash does not match its entries")
DOCUMENT_HASH = _("its document no longer hashes to its published hash")
COMMITMENT = _("its commitment is not the hash of its published and sealed hashes")
LEAF = _("its leaf hash does not match its index, time, organization and commitment")
NODE = _("the stored tree node at level %(level)d, position %(index)d is wrong or missing")
NODE_EXTRA = _("the log stores tree nodes that none of its entries make")
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
HEAD_FIELDS = _("its stored size, root hash or time differ from the signed text")
HEAD_ROOT = _("the signed head of size %(size)d does not match the log's tree at that size")
HEAD_BEYOND = _(
    "a signed head says the log had %(size)d entries, but it has only %(found)d: "
    "entries were removed"
)
NO_HEAD = _("no signed head covers the log's last entry")
WITNESS_ROOT = _(
    "log %(parent)s witnessed it at size %(size)d (entry %(index)d), but its tree at that "
    "size is different: the log was rewritten"
)
WITNESS_BEYOND = _(
    "log %(parent)s witnessed it with %(size)d entries (entry %(index)d), but it has only "
    "%(found)d: entries were removed"
)
WITNESS_UNKNOWN = _("it witnesses log %(log)s, which does not exist")
WITNESS_MALFORMED = _("its document is not a witnessed head (log, size, root and checkpoint)")
WITNESS_SIGNATURE = _("the checkpoint it witnesses does not verify: %(problem)s")
WITNESS_MISMATCH = _("the size or root it names differ from the checkpoint it witnesses")
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
UNRECORDED_MOVE = _(
    "the disclosure's timeline shows a move (%(kind)s at %(at)s) that no entry records"
)
LEGACY_HEAD = _("it names the old hash chain's head, which is now different")
LEGACY_GREW = _(
    "the old hash chain has %(length)d entries, but the logs' checkpoints say it ended at "
    "%(named)d: entries were added after the logs began"
)

#: The moves that each have their entry.
_MOVES = (EventKind.PUBLISH, EventKind.CORRECT, EventKind.WITHDRAW)


@dataclass(frozen=True)
class Failure:
    log: str
    #: The entry it is about (None: the log as a whole).
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


@dataclass(frozen=True)
class _Claim:
    """A root the log must have at `size`: witnessed in the log above, or saved by a
    reader. When the log is shorter, `short` (a message with `params` and `found`, the
    entries there are) is reported at the first missing index, as `short_problem`."""

    size: int
    root: str
    mismatch: Failure
    short_problem: str
    short: Any
    params: dict[str, Any]

    def beyond(self, log: str, found: int) -> Failure:
        reason = str(self.short % {**self.params, "found": found})
        return Failure(log, found, self.short_problem, reason)


@dataclass
class _Seen:
    """Where a disclosure's entries are, as the walk meets them."""

    log: str
    first_at: datetime
    last_index: int


@dataclass
class _Context:
    using: str
    batch_size: int
    content: bool
    keys: list[notes.Verifier]
    #: The logs by name, in the order they are checked (a worker knows only the names).
    logs: dict[str, Log | None]
    disclosures: dict[int, _Seen] = field(default_factory=dict)
    #: The old chain's length each checkpoint entry names.
    legacy_lengths: list[int] = field(default_factory=list)
    #: Worker processes for large logs (None: every log is walked in this process).
    pool: Pool | None = None


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
    # From the top down: a witnessing log is checked (its witness entries included) before
    # the log it witnesses, so a witnessed head that the log no longer matches is the
    # witnessed log's fault.
    logs = list(Log.objects.using(using).select_related("root").order_by("root__depth", "pk"))
    by_name = {log.name: log for log in logs}
    claims = _witness_claims(by_name, using)
    for head in saved:
        params = {"size": head.size}
        claims[head.log].append(
            _Claim(
                head.size,
                head.root,
                Failure(head.log, None, "saved_head", str(SAVED_ROOT % params)),
                "saved_truncated",
                SAVED_BEYOND,
                params,
            )
        )
    legacy_length = 0
    if LedgerEntry.objects.using(using).exists():
        legacy = services.verify(using=using)
        if not legacy.ok:
            raise _Stop(Failure(LEGACY_LOG, legacy.first_bad, "legacy", legacy.reason))
        report.logs[LEGACY_LOG] = legacy.checked
        report.heads[LEGACY_LOG] = legacy.head_hash or ""
        legacy_length = legacy.checked
    context = _Context(
        using, batch_size, content, signing.verifiers(), dict(by_name.items()), pool=pool
    )
    for log in logs:
        _verify_log(report, log, claims.get(log.name, []), context)
    if logs and legacy_length > max(context.legacy_lengths, default=0):
        named = max(context.legacy_lengths, default=0)
        raise _Stop(
            Failure(
                LEGACY_LOG,
                named + 1,
                "legacy",
                str(LEGACY_GREW % {"length": legacy_length, "named": named}),
            )
        )
    if content:
        _unrecorded(using)
        _unrecorded_moves(context)


def _witness_claims(by_name: dict[str, Log], using: str) -> dict[str, list[_Claim]]:
    """What each witness entry says about the log it witnesses. An entry that says nothing
    usable is reported where it stands, when its own log is checked (`_check_witness`)."""
    claims: dict[str, list[_Claim]] = defaultdict(list)
    for here, index, text in (
        LogEntry.objects.using(using)
        .filter(kind=Kind.WITNESS)
        .order_by("log", "index")
        .values_list("log__root__code", "index", "document")
    ):
        witnessed = _witness_document(text)
        if witnessed is None or witnessed[0] not in by_name:
            continue
        name, size, root, _checkpoint = witnessed
        params = {"parent": here, "size": size, "index": index}
        claims[name].append(
            _Claim(
                size,
                root,
                Failure(name, None, "witness", str(WITNESS_ROOT % params)),
                "witness_truncated",
                WITNESS_BEYOND,
                params,
            )
        )
    return claims


def _witness_document(text: str) -> tuple[str, int, str, str] | None:
    """(log, size, root, checkpoint) of a witness entry's document, or None."""
    try:
        document = json.loads(text)
    except ValueError:
        return None
    if not isinstance(document, dict) or set(document) != {
        "kind",
        "log",
        "size",
        "root",
        "checkpoint",
    }:
        return None
    name, size, root, checkpoint = (
        document["log"],
        document["size"],
        document["root"],
        document["checkpoint"],
    )
    if (
        not isinstance(name, str)
        or type(size) is not int
        or size < 0
        or not isinstance(root, str)
        or not isinstance(checkpoint, str)
    ):
        return None
    return name, size, root, checkpoint


def _verify_log(report: Report, log: Log, claims: list[_Claim], context: _Context) -> None:
    name = log.name
    using = context.using
    origin = ledger.origin_of(name)
    stored_size = LogEntry.objects.using(using).filter(log=log).count()
    # Roots the tree must have at given sizes: (expected root, failure); a root of None
    # always fails (a head whose signature does not verify, reported once the walk reaches
    # the entries it signs, so an earlier bad entry is named first).
    checks: dict[int, list[tuple[str | None, Failure]]] = defaultdict(list)
    signed: set[int] = set()
    # Reported after the walk: the log is shorter than a head, a witness or a reader says.
    short: list[Failure] = []
    for head in SignedHead.objects.using(using).filter(log=log).order_by("size", "at", "pk"):
        params = {"size": head.size}
        index = head.size - 1 if head.size else None
        problem = None
        try:
            checkpoint = notes.verify_checkpoint(head.checkpoint, context.keys, origin=origin)
        except notes.NoteError as exc:
            problem = str(exc)
        else:
            if (
                checkpoint.size != head.size
                or checkpoint.root.hex() != head.root_hash
                or checkpoint.at_text != canonical_time(head.at)
            ):
                problem = str(HEAD_FIELDS)
        if problem is not None:
            failure = Failure(
                name, index, "head_signature", str(HEAD_SIGNATURE % {**params, "problem": problem})
            )
            if head.size > stored_size:
                short.append(Failure(name, None, failure.problem, failure.reason))
            else:
                checks[head.size].append((None, failure))
            continue
        if head.size > stored_size:
            short.append(
                Failure(
                    name,
                    stored_size,
                    "truncated",
                    str(HEAD_BEYOND % {**params, "found": stored_size}),
                )
            )
            continue
        signed.add(head.size)
        checks[head.size].append(
            (head.root_hash, Failure(name, index, "head_root", str(HEAD_ROOT % params)))
        )
    for claim in claims:
        if claim.size > stored_size:
            short.append(claim.beyond(name, stored_size))
        else:
            checks[claim.size].append((claim.root, claim.mismatch))
    for root, failure in checks.get(0, ()):
        if root != merkle.EMPTY_ROOT.hex():
            raise _Stop(failure)

    walked = None
    with _no_gc():
        if context.pool is not None and stored_size >= PARALLEL_FROM:
            walked = _walk_in_parallel(context.pool, log, stored_size, checks, context)
        if walked is None:
            walked = _walk(name, log, checks, context)
    frontier, expected, nodes, last_of = walked
    if short:
        raise _Stop(short[0])
    if expected < log.size:
        raise _Stop(
            Failure(
                name,
                expected,
                "truncated",
                str(MISSING_TAIL % {"size": log.size, "found": expected}),
            )
        )
    if (
        expected != log.size
        or (expected and frontier.root().hex() != log.root_hash)
        or frontier.to_bytes() != bytes(log.frontier)
    ):
        raise _Stop(Failure(name, None, "log_state", str(CACHE)))
    if LogNode.objects.using(using).filter(log=log).count() != nodes:
        raise _Stop(Failure(name, None, "node", str(NODE_EXTRA)))
    if expected and expected not in signed:
        raise _Stop(Failure(name, expected - 1, "unsigned", str(NO_HEAD)))
    if context.content and last_of is not None:
        _check_states(name, last_of, using)
    report.logs[name] = expected
    report.heads[name] = frontier.root().hex()


#: Roots the tree must have at given sizes: (expected root, failure); None always fails.
Checks = dict[int, list[tuple[str | None, Failure]]]


class _Walked(NamedTuple):
    frontier: merkle.Frontier
    #: Entries walked.
    size: int
    #: Tree nodes made (leaves included).
    nodes: int
    #: The last entry of each disclosure, for `_check_states` (None: checked already).
    last_of: dict[int, _Last] | None


class _Last(NamedTuple):
    """A disclosure's last entry, as `_check_states` needs it."""

    index: int  # type: ignore[assignment]  # a column, not tuple.index
    kind: str
    revision_id: int | None


def _walk(name: str, log: Log, checks: Checks, context: _Context) -> _Walked:
    """Walk a log's entries in index order: each entry's checks, its leaf, the tree's
    nodes and the roots at each size. Raises _Stop at the first failure."""
    using = context.using
    frontier = merkle.Frontier()
    last_of: dict[int, _Last] = {}
    nodes = 0
    sparse = Sparse.load(using) if context.content else None
    expected = 0
    while True:
        rows, row_records = entry_batch(
            log.pk,
            expected,
            context.batch_size,
            using=using,
            content=context.content,
            sparse=sparse,
        )
        if not rows:
            break
        batch = _Batch(rows, row_records, using)
        completed: list[tuple[int, int, bytes]] = []
        for entry in rows:
            if entry.index != expected:
                raise _Stop(
                    Failure(name, expected, "missing", str(MISSING % {"next": entry.index}))
                )
            _check_entry(name, entry, batch, context)
            leaf = ledger.leaf_bytes(
                name, entry.index, entry.at_text, entry.organization_code, entry.commitment
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
                _seen(context, name, entry.disclosure_id, entry.at_text, entry.index)
            expected += 1
        _check_nodes(name, log.pk, completed, using)
        nodes += len(completed)
    return _Walked(frontier, expected, nodes, last_of)


def _seen(context: _Context, name: str, disclosure_id: int, at_text: str, index: int) -> None:
    seen = context.disclosures.get(disclosure_id)
    if seen is None:
        context.disclosures[disclosure_id] = _Seen(name, datetime.fromisoformat(at_text), index)
    else:
        seen.last_index = index


class _Batch:
    """A batch of entries as rows with their records as rows, and the same records as
    `Records` loads them (for the whole batch, as the reference walk did), read only when
    an entry needs the verdict of the reference builder."""

    def __init__(self, entries: Sequence[EntryRow], records: RowRecords, using: str) -> None:
        self.entries = entries
        self.records = records
        self.using = using
        self._reference: Records | None = None

    def reference(self, entry: EntryRow) -> tuple[LogEntry, Records]:
        found = LogEntry.objects.using(self.using).select_related("organization").get(pk=entry.pk)
        if self._reference is None:
            self._reference = Records.load(
                [
                    Subject(
                        e.kind,
                        e.disclosure_id,
                        e.revision_id,
                        e.event_id,
                        datetime.fromisoformat(e.at_text),
                    )
                    for e in self.entries
                    if e.kind in DISCLOSURE_KINDS
                    and e.revision_id is not None
                    and e.disclosure_id is not None
                ],
                using=self.using,
            )
        return found, self._reference


def _agrees(entry: EntryRow, records: RowRecords) -> bool:
    """Whether the documents rebuilt from the rows are byte for byte what the entry
    committed to (fast_documents), and what readers are shown beside them agrees with the
    entry (`_shown_beside` on rows). False on any doubt: the caller then asks `Records`."""
    assert entry.disclosure_id is not None and entry.revision_id is not None
    subject = RowSubject(
        entry.kind, entry.disclosure_id, entry.revision_id, entry.event_id, entry.at_text
    )
    try:
        published, sealed = records.documents(subject)
        if published != entry.document:
            return False
        salt = bytes.fromhex(entry.salt or "00")
        if sha256(salt + sealed.encode("utf-8")).hexdigest() != entry.sealed_hash:
            return False
        return _beside_agrees(entry, records)
    except (KeyError, ValueError, TypeError):
        return False


def _beside_agrees(entry: EntryRow, records: RowRecords) -> bool:
    """`_shown_beside` finds nothing, on rows (canonical time texts compare as the times)."""
    assert entry.disclosure_id is not None and entry.revision_id is not None
    d = records.disclosures[entry.disclosure_id]
    revision = records.revisions[entry.revision_id]
    if entry.kind == Kind.WITHDRAW:
        return d.withdrawn_at == entry.at_text
    if entry.kind == Kind.PUBLISH:
        if revision.published_at != d.publish_from or revision.note:
            return False
    else:
        if revision.published_at != entry.at_text:
            return False
        if entry.event_id is not None:
            for event in records.events.get(d.pk, ()):
                if event.pk == entry.event_id:
                    if revision.note != event.reason:
                        return False
                    break
    for attachment in records.attachments.get(revision.pk, ()):
        if attachment.pk not in records.digests:
            records.digests[attachment.pk] = file_digest(attachment)
        on_disk = records.digests[attachment.pk]
        if on_disk is not None and (attachment.sha256, attachment.size) != (
            on_disk.sha256,
            on_disk.size,
        ):
            return False
    return True


def _subject(entry: LogEntry) -> Subject:
    assert entry.disclosure_id is not None and entry.revision_id is not None
    return Subject(entry.kind, entry.disclosure_id, entry.revision_id, entry.event_id, entry.at)


def _check_entry(name: str, row: EntryRow, batch: _Batch, context: _Context) -> None:
    index = row.index
    document_bytes = row.document.encode("utf-8")
    if ledger.published_hash_of(document_bytes) != row.published_hash:
        raise _Stop(Failure(name, index, "document", str(DOCUMENT_HASH)))
    if ledger.commitment_of(row.published_hash, row.sealed_hash) != row.commitment:
        raise _Stop(Failure(name, index, "commitment", str(COMMITMENT)))
    if (
        context.content
        and row.kind in DISCLOSURE_KINDS
        and row.disclosure_id is not None
        and row.revision_id is not None
        and _agrees(row, batch.records)
    ):
        # Byte for byte what `Records` rebuilds (so a dict of this kind, about this
        # disclosure), and nothing shown beside it differs: every check below passes.
        return
    entry: LogEntry | EntryRow = row
    try:
        stored = json.loads(entry.document)
    except ValueError:
        stored = None
    if not isinstance(stored, dict) or stored.get("kind") != entry.kind:
        raise _Stop(Failure(name, index, "references", str(WRONG_DISCLOSURE)))
    if entry.kind not in DISCLOSURE_KINDS:
        if entry.sealed_hash != NOTHING_SEALED or entry.disclosure_id or entry.revision_id:
            raise _Stop(Failure(name, index, "commitment", str(COMMITMENT)))
        if entry.kind == Kind.WITNESS:
            _check_witness(name, entry, context)
        elif entry.kind == Kind.CHECKPOINT:
            _check_checkpoint(name, entry, stored, context)
        return
    if not context.content:
        return
    if entry.disclosure_id is None or entry.revision_id is None:
        raise _Stop(Failure(name, index, "records", str(RECORDS_GONE)))
    # Something differs (or the fast builder cannot say): the reference builder decides
    # and names what changed.
    entry, records = batch.reference(row)
    subject = _subject(entry)
    try:
        published, sealed = records.documents(subject)
    except KeyError as exc:
        raise _Stop(Failure(name, index, "records", str(RECORDS_GONE))) from exc
    if stored.get("disclosure") != entry.disclosure_id:
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
    beside = _shown_beside(entry, subject, records)
    if beside:
        raise _Stop(
            Failure(
                name, index, "published", str(PUBLISHED_CHANGED % {"fields": ", ".join(beside)})
            )
        )


def _shown_beside(entry: LogEntry, subject: Subject, records: Records) -> list[str]:
    """What readers are shown of the records an entry is about, outside its document, that
    disagrees with the entry: when the revision was published (a publication's is its
    `publish_from`, a correction's the entry's time), the note shown as a correction's
    reason (the move's reason; none for a first publication), when a withdrawal happened
    (the entry's time), and each attachment's recorded digest and size (its bytes on disk).
    """
    d = records.disclosures[subject.disclosure_id]
    revision = records.revisions[subject.revision_id]
    changed = []
    if entry.kind == Kind.WITHDRAW:
        if d.withdrawn_at != entry.at:
            changed.append("withdrawn_at")
        return changed
    published_at = revision.published_at
    if entry.kind == Kind.PUBLISH:
        if published_at != d.publish_from:
            changed.append("published_at")
        if revision.note:
            changed.append("note")
    else:
        event = records.move_event(subject)
        if published_at != entry.at:
            changed.append("published_at")
        if event is not None and revision.note != event.reason:
            changed.append("note")
    for attachment in records.attachments.get(revision.pk, []):
        on_disk = records.digest(attachment)
        if on_disk is not None and (attachment.sha256, attachment.size) != (
            on_disk.sha256,
            on_disk.size,
        ):
            changed.append("attachments.sha256")
            break
    return changed


def _check_witness(name: str, entry: LogEntry | EntryRow, context: _Context) -> None:
    witnessed = _witness_document(entry.document)
    if witnessed is None:
        raise _Stop(Failure(name, entry.index, "witness", str(WITNESS_MALFORMED)))
    log, size, root, text = witnessed
    if log not in context.logs:
        raise _Stop(Failure(name, entry.index, "witness", str(WITNESS_UNKNOWN % {"log": log})))
    try:
        checkpoint = notes.verify_checkpoint(text, context.keys, origin=ledger.origin_of(log))
    except notes.NoteError as exc:
        raise _Stop(
            Failure(name, entry.index, "witness", str(WITNESS_SIGNATURE % {"problem": exc}))
        ) from exc
    if checkpoint.size != size or checkpoint.root.hex() != root:
        raise _Stop(Failure(name, entry.index, "witness", str(WITNESS_MISMATCH)))


def _check_checkpoint(
    name: str, entry: LogEntry | EntryRow, stored: dict[str, Any], context: _Context
) -> None:
    chain = stored.get("legacy_chain")
    length = chain.get("length") if isinstance(chain, dict) else None
    if type(length) is int:
        context.legacy_lengths.append(length)
    if not context.content:
        return
    head = (
        LedgerEntry.objects.using(context.using)
        .filter(sequence=length if type(length) is int else -1)
        .values_list("entry_hash", flat=True)
        .first()
    )
    if head is None or not isinstance(chain, dict) or head != chain.get("head"):
        raise _Stop(Failure(name, entry.index, "legacy", str(LEGACY_HEAD)))


def _check_nodes(
    name: str, log_id: int, completed: list[tuple[int, int, bytes]], using: str
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
    rows: Sequence[tuple[int, str, int | None, int | None]] | None = None,
) -> None:
    """`rows`: (pk, state, published revision, its number) of the disclosures, when read
    already (they may hold others: only those in `last_of` are checked)."""
    if rows is None:
        ids = list(last_of)
        rows = [
            row
            for start in range(0, len(ids), 5_000)
            for row in Disclosure.objects.using(using)
            .filter(pk__in=ids[start : start + 5_000])
            .values_list("pk", "state", "published_revision_id", "published_revision__number")
        ]
    rows = [row for row in rows if row[0] in last_of]
    for pk, state, revision_id, number in sorted(rows, key=lambda row: last_of[row[0]].index):
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
            recorded = (
                Revision.objects.using(using)
                .filter(pk__in=[entry.revision_id])
                .values_list("number", flat=True)
                .first()
            )
            raise _Stop(
                Failure(
                    name,
                    entry.index,
                    "state",
                    str(STATE_REVISION % {"shown": number, "recorded": recorded}),
                )
            )


_PUBLISHED_STATES = frozenset({State.PUBLISHED, State.PUBLICITY_ENDED, State.ARCHIVED})


def _unrecorded(using: str) -> None:
    """A disclosure on show with no entry in any log (nor in the old chain), reported in
    the log its entries would be in."""
    recorded = (
        LogEntry.objects.using(using).filter(disclosure_id__isnull=False).values("disclosure_id")
    )
    legacy = LedgerEntry.objects.using(using).values("disclosure_id")
    found = (
        Disclosure.objects.using(using)
        .filter(state__in=[*_PUBLISHED_STATES, State.WITHDRAWN])
        .exclude(pk__in=recorded)
        .exclude(pk__in=legacy)
        .order_by("pk")
        .values_list("pk", "organization_id")
        .first()
    )
    if found is not None:
        organization = Organization.objects.using(using).get(pk=found[1])
        log = ledger.root_of(organization, using=using).code
        raise _Stop(Failure(log, None, "unrecorded", str(UNRECORDED % {"id": found[0]})))


def _unrecorded_moves(context: _Context) -> None:
    """A publication, correction or withdrawal on a disclosure's timeline, since its first
    entry, that is no entry's move: reported at the disclosure's last entry. (Moves before
    its first entry are in the old hash chain, or in the timeline of that entry.)"""
    using = context.using
    orphans = (
        Event.objects.using(using)
        .filter(
            action__in=_MOVES,
            disclosure_id__in=LogEntry.objects.using(using)
            .filter(disclosure_id__isnull=False)
            .values("disclosure_id"),
        )
        .exclude(
            pk__in=LogEntry.objects.using(using).filter(event__isnull=False).values("event_id")
        )
        .order_by("at", "pk")
        .values_list("disclosure_id", "action", "at")
    )
    order = {name: position for position, name in enumerate(context.logs)}
    found = []
    for disclosure_id, action, at in orphans:
        seen = context.disclosures.get(disclosure_id)
        if seen is not None and at >= seen.first_at:
            found.append((order.get(seen.log, 0), seen.last_index, seen, action, at))
    if found:
        _order, _index, seen, action, at = min(found, key=lambda f: (f[0], f[1]))
        raise _Stop(
            Failure(
                seen.log,
                seen.last_index,
                "unrecorded",
                str(UNRECORDED_MOVE % {"kind": action, "at": canonical_time(at)}),
            )
        )


# -- walking a large log in several processes ---------------------------------------------
#
# A log is cut into chunks of 2**CHUNK_LEVEL entries, aligned, so each chunk is a perfect
# subtree: a worker walks a chunk exactly as `_walk` walks a log (every entry's checks with
# the witness and checkpoint checks, its leaf, the chunk's nodes, the local tree at each
# size inside the chunk that a root is claimed for, and the state of each disclosure whose
# last entry is in the chunk) and hands back the chunk's subtree roots, the nodes it made,
# where each disclosure's entries are and the old chain's lengths checkpoints name. This
# process joins the roots into the log's tree, checks the nodes above the chunks and the
# claimed roots, and only then records what the workers saw. Any doubt (a failure, an
# error, a claim that does not hold), and the log is walked again by `_walk`, which names
# the first failure; the checks after the walk are the same for both.

#: Logs with fewer entries are walked in this process.
PARALLEL_FROM = 1 << 16
MOST_WORKERS = 4
CHUNK_LEVEL = 13

_worker_sparse: dict[str, Sparse] = {}
_worker_keys: list[list[notes.Verifier]] = []


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
    #: Sizes inside the chunk (not at its end) a root is claimed for.
    sizes: frozenset[int]
    using: str
    batch_size: int
    content: bool
    #: Every log's name (a witness entry must name one).
    logs: tuple[str, ...]


@dataclass(frozen=True)
class _ChunkWalked:
    count: int
    #: The chunk's frontier (its root when it is complete).
    hashes: tuple[bytes, ...]
    #: The chunk's frontier at each size asked for.
    at_sizes: dict[int, tuple[bytes, ...]]
    #: Tree nodes made (leaves included).
    nodes: int
    #: Per disclosure with entries in the chunk, in order met: (time of its first entry
    #: here as canonical text, its first index here, its last index here).
    seen: dict[int, tuple[str, int, int]]
    #: The old chain's lengths the chunk's checkpoint entries name.
    legacy_lengths: tuple[int, ...]


def _walk_chunk(chunk: _Chunk) -> _ChunkWalked | None:
    """A worker's walk of one chunk: None on any failure (or error)."""
    with _no_gc():
        try:
            return _walk_chunk_inner(chunk)
        except Exception:  # any doubt: the single walk decides
            return None


def _walk_chunk_inner(chunk: _Chunk) -> _ChunkWalked | None:
    using = chunk.using
    sparse = _worker_sparse.get(using)
    if sparse is None and chunk.content:
        sparse = _worker_sparse[using] = Sparse.load(using)
    if not _worker_keys:
        _worker_keys.append(signing.verifiers())
    context = _Context(
        using, chunk.batch_size, chunk.content, _worker_keys[0], dict.fromkeys(chunk.logs)
    )
    start, end = chunk.start, chunk.start + (1 << CHUNK_LEVEL)
    frontier = merkle.Frontier()
    at_sizes: dict[int, tuple[bytes, ...]] = {}
    last_of: dict[int, _Last] = {}
    seen: dict[int, tuple[str, int, int]] = {}
    nodes = 0
    expected = start
    while expected < end:
        rows, row_records = entry_batch(
            chunk.log_id,
            expected,
            end - expected,  # the chunk at once: fewer queries to compile
            using=using,
            content=chunk.content,
            sparse=sparse,
        )
        if not rows:
            break
        batch = _Batch(rows, row_records, using)
        completed: list[tuple[int, int, bytes]] = []
        for entry in rows:
            if entry.index != expected:
                return None
            _check_entry(chunk.name, entry, batch, context)
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
                before = seen.get(entry.disclosure_id)
                if before is None:
                    seen[entry.disclosure_id] = (entry.at_text, entry.index, entry.index)
                else:
                    seen[entry.disclosure_id] = (before[0], before[1], entry.index)
        _check_nodes(chunk.name, chunk.log_id, completed, using)
        nodes += len(completed)
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
            .values_list("pk", "state", "published_revision_id", "published_revision__number")
        )
        _check_states(
            chunk.name,
            {pk: last for pk, last in last_of.items() if pk not in later},
            using,
            states,
        )
    return _ChunkWalked(
        expected - start,
        frontier.hashes,
        at_sizes,
        nodes,
        seen,
        tuple(context.legacy_lengths),
    )


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
    pool: Pool, log: Log, stored_size: int, checks: Checks, context: _Context
) -> _Walked | None:
    """The log walked by the workers when every chunk, node and claimed root checks out
    (what they saw then recorded in `context`); None on any doubt, `context` untouched."""
    try:
        return _parallel(pool, log, stored_size, checks, context)
    except Exception:  # any doubt: the single walk decides
        return None


def _parallel(
    pool: Pool, log: Log, stored_size: int, checks: Checks, context: _Context
) -> _Walked | None:
    size = 1 << CHUNK_LEVEL
    names = tuple(context.logs)
    chunks = [
        _Chunk(
            log.pk,
            log.name,
            start,
            frozenset(s for s in checks if start < s < start + size),
            context.using,
            context.batch_size,
            context.content,
            names,
        )
        for start in range(0, stored_size, size)
    ]
    upper = merkle.Frontier()  # over the chunks' roots
    above: list[tuple[int, int, bytes]] = []
    tail: tuple[bytes, ...] = ()
    walked_chunks: list[_ChunkWalked] = []
    for number, walked in enumerate(pool.imap(_walk_chunk, chunks)):
        if walked is None or tail:  # a failure, or entries after a short chunk
            return None
        walked_chunks.append(walked)
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
    if len(walked_chunks) != len(chunks):
        return None
    try:
        _check_nodes(log.name, log.pk, above, context.using)
    except _Stop:
        return None
    hashes = (*upper.hashes, *tail)
    total = upper.size * size + (stored_size % size if tail else 0)
    frontier = merkle.Frontier.from_bytes(total, b"".join(hashes))
    # Every check passed: what the workers saw is recorded as the single walk records it.
    nodes = len(above)
    for walked in walked_chunks:
        nodes += walked.nodes
        context.legacy_lengths.extend(walked.legacy_lengths)
        for disclosure_id, (at_text, first, last) in walked.seen.items():
            _seen(context, log.name, disclosure_id, at_text, first)
            context.disclosures[disclosure_id].last_index = last
    return _Walked(frontier, total, nodes, None)


def as_json(report: Report) -> dict[str, Any]:
    out: dict[str, Any] = {"ok": report.ok, "logs": report.logs, "heads": report.heads}
    if report.failure is not None:
        f = report.failure
        out["failure"] = {"log": f.log, "index": f.index, "problem": f.problem, "reason": f.reason}
    return out
