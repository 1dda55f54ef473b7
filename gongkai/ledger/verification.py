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
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongkai.disclosures.event_kinds import EventKind
from gongkai.disclosures.models import Disclosure, Event, Revision, State
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
from gongkai.organizations.models import Organization

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
    logs: dict[str, Log]
    disclosures: dict[int, _Seen] = field(default_factory=dict)
    #: The old chain's length each checkpoint entry names.
    legacy_lengths: list[int] = field(default_factory=list)


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
    context = _Context(using, batch_size, content, signing.verifiers(), by_name)
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

    frontier = merkle.Frontier()
    last_of: dict[int, LogEntry] = {}
    nodes = 0
    entries = (
        LogEntry.objects.using(using)
        .filter(log=log)
        .select_related("organization")
        .order_by("index")
    )
    expected = 0
    while True:
        batch = list(entries.filter(index__gte=expected)[: context.batch_size])
        if not batch:
            break
        records = (
            Records.load(
                [_subject(e) for e in batch if e.kind in DISCLOSURE_KINDS and e.revision_id],
                using=using,
            )
            if context.content
            else Records()
        )
        completed: list[tuple[int, int, bytes]] = []
        for entry in batch:
            if entry.index != expected:
                raise _Stop(
                    Failure(name, expected, "missing", str(MISSING % {"next": entry.index}))
                )
            _check_entry(name, entry, records, context)
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
                seen = context.disclosures.get(entry.disclosure_id)
                if seen is None:
                    context.disclosures[entry.disclosure_id] = _Seen(name, entry.at, entry.index)
                else:
                    seen.last_index = entry.index
            expected += 1
        _check_nodes(name, log, completed, using)
        nodes += len(completed)
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
    if context.content:
        _check_states(name, last_of, using)
    report.logs[name] = expected
    report.heads[name] = frontier.root().hex()


def _subject(entry: LogEntry) -> Subject:
    assert entry.disclosure_id is not None and entry.revision_id is not None
    return Subject(entry.kind, entry.disclosure_id, entry.revision_id, entry.event_id, entry.at)


def _check_entry(name: str, entry: LogEntry, records: Records, context: _Context) -> None:
    index = entry.index
    document_bytes = entry.document.encode("utf-8")
    if ledger.published_hash_of(document_bytes) != entry.published_hash:
        raise _Stop(Failure(name, index, "document", str(DOCUMENT_HASH)))
    if ledger.commitment_of(entry.published_hash, entry.sealed_hash) != entry.commitment:
        raise _Stop(Failure(name, index, "commitment", str(COMMITMENT)))
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


def _check_witness(name: str, entry: LogEntry, context: _Context) -> None:
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
    name: str, entry: LogEntry, stored: dict[str, Any], context: _Context
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


def _check_nodes(name: str, log: Log, completed: list[tuple[int, int, bytes]], using: str) -> None:
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
        .values_list("pk", "state", "published_revision_id", "published_revision__number")
    ]
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


def as_json(report: Report) -> dict[str, Any]:
    out: dict[str, Any] = {"ok": report.ok, "logs": report.logs, "heads": report.heads}
    if report.failure is not None:
        f = report.failure
        out["failure"] = {"log": f.log, "index": f.index, "problem": f.problem, "reason": f.reason}
    return out
