"""The documents of ledger entries, a million a minute per process: a fast twin of
`documents.Records`.

`Records` builds an entry's documents from ORM objects, which is right for one append and
far too slow for `verify` over a million entries (most of the time went into model
instances, datetime parsing, walking every value to canonicalise it, and the JSON
encoder's cost per call and per object). This module builds the same two documents
(docs/ledger-format.md §3) from plain rows:

- the records are read with `values_list` queries compiled once per batch and run on the
  cursor (`raw_rows`): times written as canonical text by the database (`CanonicalTime`),
  JSON columns read as text and parsed here with their numbers made canonical
  (`parse_json`: 1.0 → 1);
- the documents are written with templates in canonical key order, every string through
  the JSON encoder's own string function (`_texts`). Canonical JSON also wants every string
  in NFC; instead of testing each one, the whole text is tested once. That is enough: the
  characters JSON escapes (`"`, `\\` and control characters) are not combining marks and
  compose with nothing, so a string that is not NFC leaves the document not NFC. (The
  reverse can happen: `\\n` before a combining mark. Such a document, like any that is not
  NFC or holds a value of an unexpected type, is built as dictionaries (`dicts`) and
  encoded by `canonical.canonical_json`, which normalises.)

Records read over time are read the same way, on canonical time texts (which order as the
times do): an opinion's handling as it stood at the entry's time (`opinions_at`, from the
`opinion_handled` events), and the timeline up to the move in (time, id) order (`_shown`).
What verify compares beside the documents (a revision's `published_at` and `note`, a
withdrawal's `withdrawn_at`) is read with the rows too.

The results are the canonical JSON *texts* of the documents; their UTF-8 bytes are what
`canonical_json` gives for `Records.documents` of the same entry. Tests hold the two to
byte equality on a varied story and on arbitrary rows (ledger/tests/test_fast_documents.py),
and `verify` trusts this module only to say "identical": when what it builds differs from
what an entry stored, `verify` asks `Records` for the verdict and the reason.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from json.encoder import c_encode_basestring  # type: ignore[attr-defined]
from typing import Any, NamedTuple

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Case, QuerySet, TextField, Value, When
from django.db.models.functions import Cast

from gongkai.disclosures import scanning
from gongkai.disclosures.event_kinds import PUBLIC_KINDS, PUBLIC_REASON_KINDS, EventKind
from gongkai.disclosures.models import Attachment, Disclosure, Event, Opinion, Revision
from gongkai.ledger.canonical import ENCODER, canonical_json
from gongkai.ledger.documents import FileDigest, file_digest, served_file
from gongkai.ledger.models import CanonicalTime, Kind, LogEntry

_WITHDRAW = Kind.WITHDRAW.value
_CORRECT = Kind.CORRECT.value
_PUBLIC_KINDS = frozenset(str(k) for k in PUBLIC_KINDS)
_PUBLIC_REASON_KINDS = frozenset(str(k) for k in PUBLIC_REASON_KINDS)


# -- rows -----------------------------------------------------------------------------------


@dataclass(slots=True)
class DisclosureRow:
    pk: int
    #: The organization's code.
    organization: str
    #: The catalog item's key ("" without an item).
    item: str
    scope: str
    #: Canonical time texts (None when unset).
    publish_from: str | None
    public_from: str | None
    publicity_until: str | None
    period: str
    #: The personal-number kinds a reviewer kept visible (`mask_exceptions`' keys).
    keep: tuple[str, ...]
    withdrawal_reason: str
    #: Shown beside the documents (verify compares it with a withdrawal's time).
    withdrawn_at: str | None = None


@dataclass(slots=True)
class RevisionRow:
    pk: int
    number: int
    title: str
    body: str
    #: Parsed JSON (`parse_json`).
    data: Any
    #: The masked content stored at publication; `published_title` None when it was never
    #: published through the workflow (then it is masked now, as `published_content` does).
    published_title: str | None
    published_body: str | None
    published_data: Any
    published_period: str | None
    #: Shown beside the documents (verify compares them with the entry's move).
    published_at: str | None = None
    note: str = ""


@dataclass(slots=True)
class EventRow:
    pk: int
    at: str
    action: str
    role: str
    reason: str


@dataclass(slots=True)
class OpinionRow:
    received_at: str
    text: str
    handling: str
    handled_at: str | None
    pk: int = 0


@dataclass(frozen=True, slots=True)
class HandledRow:
    """One recorded handling of an opinion (`documents.Handled` with the time as text)."""

    at: str
    pk: int
    handling: str


@dataclass(frozen=True, slots=True)
class RowSubject:
    """What one entry is about (`documents.Subject` with the time as canonical text)."""

    kind: str
    disclosure_id: int
    revision_id: int
    event_id: int | None
    at: str


# -- canonical encoding ---------------------------------------------------------------------


def _parse_float(text: str) -> float | int:
    # canonical._canonical_float, applied while parsing.
    value = float(text)
    if math.isfinite(value) and value.is_integer():
        return int(Decimal(repr(value)))
    return value


def parse_json(text: str | None) -> Any:
    """A JSON column's text parsed with its numbers already canonical (1.0 → 1)."""
    if text is None:
        return None
    if text == "{}":
        return {}
    return _DECODER.decode(text)


_DECODER = json.JSONDecoder(parse_float=_parse_float)


def encode(document: Any) -> str:
    """Canonical JSON text of `document`, whose numbers are canonical already (`parse_json`,
    ints, no floats elsewhere). See the module docstring for why one NFC test of the whole
    text suffices."""
    text = ENCODER.encode(document)
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return canonical_json(document).decode("utf-8")


# -- building the documents -----------------------------------------------------------------


def _mask(text: str, keep: tuple[str, ...]) -> str:
    # visibility.published_text without the model: the same scanning.mask call.
    return scanning.mask(text or "", keep=keep) if text else ""


@dataclass
class RowRecords:
    """The records behind a batch of entries as rows (`Records`' fields, lighter)."""

    disclosures: dict[int, DisclosureRow] = field(default_factory=dict)
    revisions: dict[int, RevisionRow] = field(default_factory=dict)
    #: Per disclosure, in timeline order (at, pk).
    events: dict[int, list[EventRow]] = field(default_factory=dict)
    #: Per disclosure, in the order received (received_at, pk).
    opinions: dict[int, list[OpinionRow]] = field(default_factory=dict)
    #: Every recorded handling of each opinion (by opinion id), oldest first (at, pk).
    handled: dict[int, list[HandledRow]] = field(default_factory=dict)
    #: Per revision, the attachments in the order shown (rare: model instances).
    attachments: dict[int, list[Attachment]] = field(default_factory=dict)
    digests: dict[int, FileDigest | None] = field(default_factory=dict)

    @classmethod
    def load(cls, subjects: Iterable[RowSubject], *, using: str = DEFAULT_DB_ALIAS) -> RowRecords:
        subjects = list(subjects)
        return cls.load_ids(
            {s.disclosure_id for s in subjects}, {s.revision_id for s in subjects}, using=using
        )

    @classmethod
    def load_ids(
        cls, disclosure_ids: set[int], revision_ids: set[int], *, using: str = DEFAULT_DB_ALIAS
    ) -> RowRecords:
        records = cls()
        for chunk in _chunks(sorted(disclosure_ids)):
            for row in raw_rows(disclosure_rows(using).filter(pk__in=chunk), using):
                records.disclosures[row[0]] = _disclosure(row)
            events = records.events
            for row in raw_rows(event_rows(using).filter(disclosure_id__in=chunk), using):
                events.setdefault(row[0], []).append(_event(row, records.handled))
            opinions = records.opinions
            for row in raw_rows(opinion_rows(using).filter(disclosure_id__in=chunk), using):
                opinions.setdefault(row[0], []).append(OpinionRow(*row[1:]))
        for chunk in _chunks(sorted(revision_ids)):
            for row in raw_rows(revision_rows(using).filter(pk__in=chunk), using):
                records.revisions[row[0]] = _revision(row)
            records.attachments.update(
                _attachments(
                    Revision.attachments.through.objects.using(using).filter(revision_id__in=chunk)
                )
            )
        _order_handled(records.handled)
        return records

    def documents(self, subject: RowSubject) -> tuple[str, str]:
        """Canonical JSON text of (published document, sealed document) of one entry;
        KeyError when a record it names is gone (as `Records.documents`)."""
        d = self.disclosures[subject.disclosure_id]
        revision = self.revisions[subject.revision_id]
        return build(
            subject,
            d,
            revision,
            self.events.get(d.pk, ()),
            self.opinions.get(d.pk, ()),
            self._files(d, revision),
            self.handled,
        )

    def _files(
        self, d: DisclosureRow, revision: RevisionRow
    ) -> tuple[list[dict[str, Any]], list[str | None]]:
        shown: list[dict[str, Any]] = []
        originals: list[str | None] = []
        attached = self.attachments.get(revision.pk)
        if not attached:
            return shown, originals
        # The attachment rules take a disclosure; they read only its mask exceptions.
        stand_in = Disclosure(pk=d.pk, mask_exceptions=dict.fromkeys(d.keep, ""))
        for attachment in attached:
            if attachment.pk not in self.digests:
                self.digests[attachment.pk] = file_digest(attachment)
            on_disk = self.digests[attachment.pk]
            originals.append(on_disk.sha256 if on_disk else None)
            shown.append(served_file(stand_in, attachment, on_disk))
        return shown, originals


def build(
    subject: RowSubject,
    d: DisclosureRow,
    revision: RevisionRow,
    events: Sequence[EventRow],
    opinions: Sequence[OpinionRow],
    attachments: tuple[list[dict[str, Any]], list[str | None]] = ([], []),
    handled: Mapping[int, Sequence[HandledRow]] | None = None,
) -> tuple[str, str]:
    """(published, sealed) canonical JSON texts of one entry: `Records.documents` from rows.
    `events` and `opinions` are all of the disclosure's, in order (events by time, then id);
    `attachments` is (shown, originals); `handled` every recorded handling of each opinion
    (by opinion id, oldest first). Numbers in the revision's data must be canonical already
    (`parse_json`).

    Written out with templates in the canonical key order, every value through the
    encoder's own string function: the JSON encoder's per-call and per-object costs were
    most of verify's time. `dicts` is the same thing as plain dictionaries, the form the
    slow path encodes when a text is not NFC (or a value is not of the expected type)."""
    try:
        published, sealed = _texts(subject, d, revision, events, opinions, attachments, handled)
    except (_Slow, TypeError, ValueError):
        published = sealed = ""
    if published and _nfc(published) and _nfc(sealed):
        return published, sealed
    published_doc, sealed_doc = dicts(subject, d, revision, events, opinions, attachments, handled)
    return encode(published_doc), encode(sealed_doc)


def _nfc(text: str) -> bool:
    return text.isascii() or unicodedata.is_normalized("NFC", text)


class _Slow(Exception):
    """A value the templates do not write: the slow path encodes the document."""


_string = c_encode_basestring
#: The encoder for structured data (numbers canonical already, strings tested with the
#: whole document): no circularity check, JSON from the database has no cycles.
_DATA = json.JSONEncoder(
    sort_keys=True,
    ensure_ascii=False,
    separators=(",", ":"),
    allow_nan=False,
    check_circular=False,
)


def _j(value: Any) -> str:
    """Canonical JSON of a string, an integer or null."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    raise _Slow


_EVENT = '{"at":%s,"kind":%s,"reason":%s,"role":%s}'
_OPINION = '{"handled_at":%s,"handling":%s,"received_at":%s,"text":%s}'
_FILE = '{"name":%s,"served":%s,"sha256":%s,"size":%s}'
_PUBLISHED = (
    '{"attachments":%s,"body":%s,"data":%s,"disclosure":%s,"events":%s,"item":%s,"kind":%s,'
    '"opinions":%s,"organization":%s,"period":%s,"public_from":%s,"publicity_until":%s,'
    '"publish_from":%s,"reason":%s,"revision":%s,"role":%s,"scope":%s,"title":%s}'
)
_PUBLISHED_WITHDRAW = (
    '{"disclosure":%s,"events":%s,"item":%s,"kind":%s,"organization":%s,"period":%s,'
    '"public_from":%s,"publicity_until":%s,"publish_from":%s,"reason":%s,"revision":%s,'
    '"role":%s,"scope":%s,"title":%s}'
)
_SEALED = '{"attachments":%s,"body":%s,"data":%s,"opinions":%s,"period":%s,"reason":%s,"title":%s}'
_SEALED_WITHDRAW = '{"period":%s,"reason":%s,"title":%s}'


def _texts(
    subject: RowSubject,
    d: DisclosureRow,
    revision: RevisionRow,
    events: Sequence[EventRow],
    opinions: Sequence[OpinionRow],
    attachments: tuple[list[dict[str, Any]], list[str | None]],
    handled: Mapping[int, Sequence[HandledRow]] | None = None,
) -> tuple[str, str]:
    keep = d.keep
    kind = subject.kind
    event_id = subject.event_id
    event = None
    # The timeline: with the move found, the events up to and including it (they are in
    # timeline order, time then id, so that is `_shown`'s cut); without it, `_shown`.
    upto: Sequence[EventRow] = events
    if event_id is not None:
        for position, e in enumerate(events):
            if e.pk == event_id:
                event = e
                upto = events[: position + 1]
                break
        else:
            upto = [e for e in events if e.pk <= event_id]
    if kind == _WITHDRAW:
        reason_raw = d.withdrawal_reason
    elif kind == _CORRECT and event is not None:
        reason_raw = event.reason
    else:
        reason_raw = ""
    timeline = ",".join(
        [
            _EVENT
            % (
                _string(e.at),
                _string(e.action),
                _string(_mask(e.reason, keep)) if e.action in _PUBLIC_REASON_KINDS else '""',
                _string(e.role),
            )
            for e in upto
            if e.action in _PUBLIC_KINDS
        ]
    )
    published_title = revision.published_title
    if published_title is not None:
        title = published_title
    else:
        title = scanning.mask(revision.title or "", keep=keep)
    # Strings of NOT NULL text columns straight to the encoder's string function (it
    # refuses anything else: TypeError, the slow path); integers only as integers.
    common = (
        int.__repr__(d.pk),
        "[" + timeline + "]",
        _string(d.item),
        _string(kind),
        _string(d.organization),
        _j(d.public_from),
        _j(d.publicity_until),
        _j(d.publish_from),
        _string(_mask(reason_raw, keep)),
        int.__repr__(revision.number),
        _string(event.role) if event is not None else '""',
        _string(d.scope),
        _string(title),
    )
    if published_title is not None:
        period = revision.published_period or ""
    else:  # visibility.masked_content, now
        period = scanning.mask(d.period or "", keep=keep)
    if kind == _WITHDRAW:
        return _PUBLISHED_WITHDRAW % (*common[:5], _string(period), *common[5:]), (
            _SEALED_WITHDRAW
            % (
                _string(d.period),
                _string(reason_raw),
                _string(revision.title),
            )
        )
    if published_title is not None:
        body = revision.published_body or ""
        data = revision.published_data if revision.published_data is not None else {}
    else:  # visibility.masked_content, now
        body = scanning.mask(revision.body or "", keep=keep)
        data = scanning.mask_data(revision.data if revision.data is not None else {}, keep=keep)
    shown_opinions = opinions_at(opinions, handled, subject.at) if opinions else ()
    shown_files, originals = attachments
    files_text = (
        "["
        + ",".join(
            [
                _FILE % (_j(f["name"]), _j(f["served"]), _j(f["sha256"]), _j(f["size"]))
                for f in shown_files
            ]
        )
        + "]"
        if shown_files
        else "[]"
    )
    body_text = _string(body)
    published_data_text = "{}" if data == {} else _DATA.encode(data)
    published = _PUBLISHED % (
        files_text,
        body_text,
        published_data_text,
        common[0],
        common[1],
        common[2],
        common[3],
        "["
        + ",".join(
            [
                _OPINION
                % (
                    _j(handled_at),
                    _j(_mask(handling, ())),
                    _j(o.received_at),
                    _j(_mask(o.text, ())),
                )
                for o, handling, handled_at in shown_opinions
            ]
        )
        + "]",
        common[4],
        _string(period),
        *common[5:],
    )
    raw_data = revision.data
    sealed = _SEALED % (
        "[" + ",".join([_j(h) for h in originals]) + "]",
        body_text if revision.body == body else _string(revision.body),
        published_data_text if raw_data is data else _DATA.encode(raw_data),
        "[" + ",".join([_j(o.text) for o, _handling, _at in shown_opinions]) + "]",
        _string(d.period),
        _string(reason_raw),
        _string(revision.title),
    )
    return published, sealed


def dicts(
    subject: RowSubject,
    d: DisclosureRow,
    revision: RevisionRow,
    events: Sequence[EventRow],
    opinions: Sequence[OpinionRow],
    attachments: tuple[list[dict[str, Any]], list[str | None]] = ([], []),
    handled: Mapping[int, Sequence[HandledRow]] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """`build`'s documents as dictionaries, laid out as `Records.documents` lays them out."""
    keep = d.keep
    kind = subject.kind
    event_id = subject.event_id
    event = None
    if event_id is not None:
        for e in events:
            if e.pk == event_id:
                event = e
                break
    if kind == _WITHDRAW:
        reason_raw = d.withdrawal_reason
    elif kind == _CORRECT and event is not None:
        reason_raw = event.reason
    else:
        reason_raw = ""
    if revision.published_title is not None:
        title = revision.published_title
        body = revision.published_body or ""
        data = revision.published_data if revision.published_data is not None else {}
        period = revision.published_period or ""
    else:  # visibility.masked_content, now
        title = scanning.mask(revision.title or "", keep=keep)
        body = scanning.mask(revision.body or "", keep=keep)
        data = scanning.mask_data(revision.data if revision.data is not None else {}, keep=keep)
        period = scanning.mask(d.period or "", keep=keep)
    timeline = [
        {
            "at": e.at,
            "kind": e.action,
            "role": e.role,
            "reason": _mask(e.reason, keep) if e.action in _PUBLIC_REASON_KINDS else "",
        }
        for e in events
        if e.action in _PUBLIC_KINDS and _shown(e, event_id, event)
    ]
    published: dict[str, Any] = {
        "kind": kind,
        "disclosure": d.pk,
        "organization": d.organization,
        "role": event.role if event is not None else "",
        "item": d.item,
        "revision": revision.number,
        "title": title,
        "period": period,
        "scope": d.scope,
        "publish_from": d.publish_from,
        "public_from": d.public_from,
        "publicity_until": d.publicity_until,
        "reason": _mask(reason_raw, keep),
        "events": timeline,
    }
    sealed: dict[str, Any] = {"title": revision.title, "period": d.period, "reason": reason_raw}
    if kind != _WITHDRAW:
        shown_opinions = opinions_at(opinions, handled, subject.at)
        published["body"] = body
        published["data"] = data
        published["attachments"] = attachments[0]
        published["opinions"] = [
            {
                "received_at": o.received_at,
                "text": _mask(o.text, ()),
                "handling": _mask(handling, ()),
                "handled_at": handled_at,
            }
            for o, handling, handled_at in shown_opinions
        ]
        sealed["body"] = revision.body
        sealed["data"] = revision.data
        sealed["attachments"] = attachments[1]
        sealed["opinions"] = [o.text for o, _handling, _at in shown_opinions]
    return published, sealed


def _shown(e: EventRow, up_to: int | None, move: EventRow | None) -> bool:
    """Whether a public event is on the timeline of the entry whose move is `up_to` (found
    as `move`): up to and including the move in the timeline's order (time, then id), as
    `Records._timeline` cuts it. Canonical time texts order as the times do."""
    if move is not None:
        return (e.at, e.pk) <= (move.at, move.pk)
    return up_to is None or e.pk <= up_to


def opinions_at(
    opinions: Sequence[OpinionRow], handled: Mapping[int, Sequence[HandledRow]] | None, at: str
) -> list[tuple[OpinionRow, str, str | None]]:
    """Every opinion with (handling, handled_at) as it stood at `at`: `Records._handling`
    on canonical time texts (which compare as the times do)."""
    found = []
    for o in opinions:
        history = handled.get(o.pk, ()) if handled else ()
        if not history or at >= history[-1].at or (o.handled_at is not None and at >= o.handled_at):
            found.append((o, o.handling, o.handled_at))
            continue
        earlier = [h for h in history if h.at <= at]
        if not earlier:
            found.append((o, "", None))
        else:
            found.append((o, earlier[-1].handling, earlier[-1].at))
    return found


# -- a batch of entries with their records ---------------------------------------------------


class EntryRow(NamedTuple):
    """The columns of a LogEntry that verify reads, the time as the database writes it
    canonically (`CanonicalTime`) and the organization's code: a million model instances
    would cost more than everything else verify does."""

    pk: int
    index: int  # type: ignore[assignment]  # a column, not tuple.index
    at_text: str
    organization_code: str
    kind: str
    disclosure_id: int | None
    revision_id: int | None
    event_id: int | None
    document: str
    published_hash: str
    sealed_hash: str
    salt: str
    commitment: str
    leaf_hash: str


@dataclass(frozen=True)
class Sparse:
    """The disclosures with opinions and the revisions with attachments: few, so a batch
    asks for them only when it has one."""

    opinions: frozenset[int]
    attachments: frozenset[int]

    @classmethod
    def load(cls, using: str) -> Sparse:
        through = Revision.attachments.through.objects.using(using)
        return cls(
            frozenset(
                Opinion.objects.using(using)
                .order_by()
                .values_list("disclosure_id", flat=True)
                .distinct()
            ),
            frozenset(through.order_by().values_list("revision_id", flat=True).distinct()),
        )


def _entry_columns(documents: bool) -> list[Any]:
    return [
        "pk",
        "index",
        CanonicalTime("at"),
        "organization__code",
        "kind",
        "disclosure_id",
        "revision_id",
        "event_id",
        "document" if documents else Value(""),
        "published_hash",
        "sealed_hash",
        "salt",
        "commitment",
        "leaf_hash",
    ]


_ENTRY = len(EntryRow._fields)

#: The records of an entry, read through its relations in the same query.
_RECORD_COLUMNS: list[Any] = [
    "disclosure__id",
    "disclosure__organization__code",
    "disclosure__item__key",
    "disclosure__scope",
    CanonicalTime("disclosure__publish_from"),
    CanonicalTime("disclosure__public_from"),
    CanonicalTime("disclosure__publicity_until"),
    "disclosure__period",
    Cast("disclosure__mask_exceptions", output_field=TextField()),
    "disclosure__withdrawal_reason",
    CanonicalTime("disclosure__withdrawn_at"),
    "revision__id",
    "revision__number",
    "revision__title",
    "revision__body",
    Cast("revision__data", output_field=TextField()),
    "revision__published_title",
    "revision__published_body",
    Cast("revision__published_data", output_field=TextField()),
    "revision__published_period",
    CanonicalTime("revision__published_at"),
    "revision__note",
]
_REVISION = _ENTRY + 11


def entry_batch(
    log_id: int,
    start: int,
    limit: int,
    *,
    using: str,
    content: bool = True,
    documents: bool = True,
    sparse: Sparse | None = None,
) -> tuple[list[EntryRow], RowRecords]:
    """Entries `start`, `start + 1` … of a log (at most `limit`, in index order; a gap
    shows as a missing index), with the records their documents are built from when
    `content` (one query for the entries, their disclosures and revisions, one for the
    events, and one each for opinions and attachments when some are in the batch).
    Without `documents` the entries' documents are not read (they come back empty)."""
    qs = (
        LogEntry.objects.using(using)
        .filter(log_id=log_id, index__gte=start)
        .order_by("index")
        .values_list(*_entry_columns(documents), *(_RECORD_COLUMNS if content else ()))
    )
    entries: list[EntryRow] = []
    records = RowRecords()
    disclosures, revisions = records.disclosures, records.revisions
    for row in raw_rows(qs[:limit], using):
        entry = EntryRow(*row[:_ENTRY])
        entries.append(entry)
        if not content:
            continue
        if row[_ENTRY] is not None:
            disclosures[row[_ENTRY]] = _disclosure(row[_ENTRY:_REVISION])
        if row[_REVISION] is not None:
            revisions[row[_REVISION]] = _revision(row[_REVISION:])
    if not (content and entries):
        return entries, records
    in_batch = LogEntry.objects.using(using).filter(
        log_id=log_id, index__gte=start, index__lte=entries[-1].index
    )
    events = records.events
    for row in raw_rows(
        event_rows(using).filter(
            disclosure_id__in=in_batch.filter(disclosure_id__isnull=False).values("disclosure_id")
        ),
        using,
    ):
        found = events.get(row[0])
        if found is None:
            events[row[0]] = found = []
        if row[6] is None:
            found.append(EventRow(row[1], row[2], row[3], row[4], row[5]))
        else:
            found.append(_event(row, records.handled))
    _order_handled(records.handled)
    sparse = sparse or Sparse.load(using)
    with_opinions = [pk for pk in disclosures if pk in sparse.opinions]
    if with_opinions:
        for row in raw_rows(opinion_rows(using).filter(disclosure_id__in=with_opinions), using):
            records.opinions.setdefault(row[0], []).append(OpinionRow(*row[1:]))
    with_files = [pk for pk in revisions if pk in sparse.attachments]
    if with_files:
        records.attachments = _attachments(
            Revision.attachments.through.objects.using(using).filter(revision_id__in=with_files)
        )
    return entries, records


# -- the queries ----------------------------------------------------------------------------


def _attachments(links: QuerySet[Any]) -> dict[int, list[Attachment]]:
    """Per revision, its attachments in the order shown (as `Records.load` orders them)."""
    attached: dict[int, list[Attachment]] = defaultdict(list)
    for link in links.select_related("attachment").order_by(
        "attachment__uploaded_at", "attachment__pk"
    ):
        attached[link.revision_id].append(link.attachment)
    return dict(attached)


def _text(name: str) -> Cast:
    # A JSON column as the text the database holds, parsed by `parse_json`.
    return Cast(name, output_field=TextField())


def disclosure_rows(using: str) -> QuerySet[Disclosure, tuple[Any, ...]]:
    return (
        Disclosure.objects.using(using)
        .order_by()
        .values_list(
            "pk",
            "organization__code",
            "item__key",
            "scope",
            CanonicalTime("publish_from"),
            CanonicalTime("public_from"),
            CanonicalTime("publicity_until"),
            "period",
            _text("mask_exceptions"),
            "withdrawal_reason",
            CanonicalTime("withdrawn_at"),
        )
    )


def _disclosure(row: Sequence[Any]) -> DisclosureRow:
    exceptions = row[8]
    keep = tuple(parse_json(exceptions) or ()) if exceptions and exceptions != "{}" else ()
    return DisclosureRow(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], keep, row[9], row[10]
    )


def revision_rows(using: str) -> QuerySet[Revision, tuple[Any, ...]]:
    return (
        Revision.objects.using(using)
        .order_by()
        .values_list(
            "pk",
            "number",
            "title",
            "body",
            _text("data"),
            "published_title",
            "published_body",
            _text("published_data"),
            "published_period",
            CanonicalTime("published_at"),
            "note",
        )
    )


def _revision(row: Sequence[Any]) -> RevisionRow:
    data_text, published_text = row[4], row[7]
    data = parse_json(data_text)
    published = data if published_text == data_text else parse_json(published_text)
    return RevisionRow(
        row[0], row[1], row[2], row[3], data, row[5], row[6], published, row[8], row[9], row[10]
    )


def event_rows(using: str) -> QuerySet[Event, tuple[Any, ...]]:
    """Each event (disclosure, pk, at, action, role, reason) and, for an `opinion_handled`
    one, its detail as JSON text (None for the others)."""
    return (
        Event.objects.using(using)
        .order_by("disclosure_id", "at", "pk")
        .values_list(
            "disclosure_id",
            "pk",
            CanonicalTime("at"),
            "action",
            "role",
            "reason",
            Case(
                When(action=EventKind.OPINION_HANDLED.value, then=_text("detail")),
                default=Value(None),
                output_field=TextField(),
            ),
        )
    )


def _event(row: Sequence[Any], handled: dict[int, list[HandledRow]]) -> EventRow:
    """An event row; an `opinion_handled` one also goes into `handled` under the opinion
    its detail names (as `Records.load` reads them: an integer id, else ignored)."""
    if row[6] is not None:
        try:
            detail = json.loads(row[6])
        except ValueError:
            detail = None
        found = detail.get("opinion") if isinstance(detail, dict) else None
        if isinstance(found, int):
            handled.setdefault(found, []).append(HandledRow(row[2], row[1], row[5]))
    return EventRow(row[1], row[2], row[3], row[4], row[5])


def _order_handled(handled: dict[int, list[HandledRow]]) -> None:
    # Records reads them ordered by (at, pk) over all the disclosures at once.
    for found in handled.values():
        if len(found) > 1:
            found.sort(key=lambda h: (h.at, h.pk))


def opinion_rows(using: str) -> QuerySet[Opinion, tuple[Any, ...]]:
    return (
        Opinion.objects.using(using)
        .order_by("disclosure_id", "received_at", "pk")
        .values_list(
            "disclosure_id",
            CanonicalTime("received_at"),
            "text",
            "handling",
            CanonicalTime("handled_at"),
            "pk",
        )
    )


def raw_rows(qs: QuerySet[Any, Any], using: str) -> Iterable[Sequence[Any]]:
    """The rows of `qs` straight from the cursor: no per-row converters (the columns here
    are ints, text and canonical time text)."""
    sql, params = qs.query.get_compiler(using).as_sql()
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(5_000):
            yield from rows


#: Ids per IN list (well under SQLite's and PostgreSQL's limits on parameters).
CHUNK = 5_000


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]
