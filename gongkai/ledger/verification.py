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

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongkai.disclosures.models import Disclosure, State
from gongkai.ledger import log as ledger
from gongkai.ledger import merkle, notes, services, signing
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

BATCH = 2_000

#: How the old hash chain (before the logs) is named in reports; its entries by sequence.
LEGACY_LOG = "legacy"

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
) -> Report:
    report = Report()
    try:
        _verify(report, using, list(saved), batch_size, content)
    except _Stop as stop:
        report.failure = stop.failure
    return report


def _verify(
    report: Report, using: str, saved: list[SavedHead], batch_size: int, content: bool
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
    if LedgerEntry.objects.using(using).exists():
        legacy = services.verify(using=using)
        if not legacy.ok:
            raise _Stop(Failure(LEGACY_LOG, legacy.first_bad, "legacy", legacy.reason))
        report.logs[LEGACY_LOG] = legacy.checked
        report.heads[LEGACY_LOG] = legacy.head_hash or ""
    keys = signing.verifiers()
    for log in logs:
        _verify_log(report, log, claims.get(log.name, []), keys, using, batch_size, content)
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

    frontier = merkle.Frontier()
    last_of: dict[int, LogEntry] = {}
    entries = (
        LogEntry.objects.using(using)
        .filter(log=log)
        .select_related("organization")
        .order_by("index")
    )
    expected = 0
    while True:
        batch = list(entries.filter(index__gte=expected)[:batch_size])
        if not batch:
            break
        records = (
            Records.load(
                [_subject(e) for e in batch if e.kind in DISCLOSURE_KINDS and e.revision_id],
                using=using,
            )
            if content
            else Records()
        )
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
                canonical_time(entry.at) or "",
                entry.organization.code,
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
                last_of[entry.disclosure_id] = entry
            expected += 1
        _check_nodes(name, log, completed, using, batch[0].index)
    if expected != log.size or (expected and frontier.root().hex() != log.root_hash):
        raise _Stop(Failure(name, None, "log_state", str(CACHE)))
    if expected and not checks.get(expected):
        raise _Stop(Failure(name, expected - 1, "unsigned", str(NO_HEAD)))
    if content:
        _check_states(name, last_of, using)
    report.logs[name] = expected
    report.heads[name] = frontier.root().hex()


def _subject(entry: LogEntry) -> Subject:
    assert entry.disclosure_id is not None and entry.revision_id is not None
    return Subject(entry.kind, entry.disclosure_id, entry.revision_id, entry.event_id, entry.at)


def _check_entry(name: str, entry: LogEntry, records: Records, content: bool, using: str) -> None:
    index = entry.index
    document_bytes = entry.document.encode("utf-8")
    if ledger.published_hash_of(document_bytes) != entry.published_hash:
        raise _Stop(Failure(name, index, "document", str(DOCUMENT_HASH)))
    if ledger.commitment_of(entry.published_hash, entry.sealed_hash) != entry.commitment:
        raise _Stop(Failure(name, index, "commitment", str(COMMITMENT)))
    if entry.kind == Kind.CHECKPOINT and content:
        _check_checkpoint(name, entry, using)
    if entry.kind not in DISCLOSURE_KINDS:
        if entry.sealed_hash != NOTHING_SEALED:
            raise _Stop(Failure(name, index, "commitment", str(COMMITMENT)))
        return
    if not content:
        return
    if entry.disclosure_id is None or entry.revision_id is None:
        raise _Stop(Failure(name, index, "records", str(RECORDS_GONE)))
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


def _check_checkpoint(name: str, entry: LogEntry, using: str) -> None:
    document = json.loads(entry.document).get("legacy_chain", {})
    head = (
        LedgerEntry.objects.using(using)
        .filter(sequence=document.get("length"))
        .values_list("entry_hash", flat=True)
        .first()
    )
    if head != document.get("head"):
        raise _Stop(Failure(name, entry.index, "legacy", str(LEGACY_HEAD)))


def _check_nodes(
    name: str, log: Log, completed: list[tuple[int, int, bytes]], using: str, first: int
) -> None:
    if not completed:
        return
    condition = Q()
    by_level: dict[int, list[int]] = defaultdict(list)
    for level, index, _hash in completed:
        by_level[level].append(index)
    for level, indexes in by_level.items():
        condition |= Q(level=level, index__gte=min(indexes), index__lte=max(indexes))
    stored = {
        (level, index): bytes(h)
        for level, index, h in LogNode.objects.using(using)
        .filter(condition, log=log)
        .values_list("level", "index", "hash")
    }
    for level, index, node in completed:
        if stored.get((level, index)) != node:
            leaf = index << level
            raise _Stop(Failure(name, leaf, "node", str(NODE % {"level": level, "index": index})))


def _check_states(name: str, last_of: dict[int, LogEntry], using: str) -> None:
    ids = list(last_of)
    rows = [
        row
        for start in range(0, len(ids), 5_000)
        for row in Disclosure.objects.using(using)
        .filter(pk__in=ids[start : start + 5_000])
        .values_list("pk", "state", "published_revision_id")
    ]
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


def as_json(report: Report) -> dict[str, Any]:
    out: dict[str, Any] = {"ok": report.ok, "logs": report.logs, "heads": report.heads}
    if report.failure is not None:
        f = report.failure
        out["failure"] = {"log": f.log, "index": f.index, "problem": f.problem, "reason": f.reason}
    return out
