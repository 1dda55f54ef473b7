"""The documents a disclosure's ledger entry commits to (docs/ledger-format.md §3).

One builder for both directions: `Records.load` reads everything the documents of a batch
of entries need in a fixed number of queries, and `Records.documents` builds the published
and the sealed document of one entry from them. Appending builds them from the records as
they are inside the publishing transaction; `verify` rebuilds them from the records as they
are now, so a change to anything a reader relies on (a revision, a file on disk, a reason,
an opinion, an event, a time, the scope) shows up as a difference at the entry that
committed to it.

The published document is what readers are shown, masked exactly as shown; the sealed one
holds what is not published (unmasked text, the digests of originals that are not served),
and is only ever hashed with the entry's secret salt.

Rebuilding an earlier entry needs the records as they were when it was made. Almost all of
them never change once published (revisions, events, the disclosure's times and scope);
the exceptions are read through their history:

- how an opinion was handled may change later by a correction: the handling at an entry's
  time is the last `opinion_handled` event for that opinion up to then (the opinion's row
  holds the latest, and is what any entry after the last such event is rebuilt from);
- the timeline of an entry is the public events up to and including its move, in the
  timeline's own order (time, then id), so an event slipped in later with an earlier time
  shows up as a change.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS

from gongkai.disclosures import attachments as files
from gongkai.disclosures.event_kinds import PUBLIC_KINDS, EventKind
from gongkai.disclosures.models import Attachment, Disclosure, Event, Opinion, Revision
from gongkai.disclosures.visibility import published_content, published_text, timeline_reason
from gongkai.ledger.canonical import canonical_json, canonical_time
from gongkai.ledger.models import Kind

#: Read a file in blocks of this size while hashing it.
_BLOCK = 1 << 20


@dataclass(frozen=True)
class Subject:
    """What one entry is about: enough to find its records."""

    kind: str
    disclosure_id: int
    revision_id: int
    #: The event of the move the entry records; the timeline goes up to it.
    event_id: int | None
    #: When the entry was recorded (how opinions were handled is read as of then).
    at: Any


@dataclass
class FileDigest:
    sha256: str
    size: int


def file_digest(attachment: Attachment) -> FileDigest | None:
    """SHA-256 and size of the stored file's bytes as they are on disk now (None when the
    file is gone)."""
    digest = hashlib.sha256()
    size = 0
    try:
        with attachment.file.open("rb") as handle:
            while block := handle.read(_BLOCK):
                digest.update(block)
                size += len(block)
    except (FileNotFoundError, OSError, ValueError):
        return None
    return FileDigest(digest.hexdigest(), size)


def served_text(parts: list[tuple[str, str]]) -> bytes:
    """The bytes of a masked text rendering, as hashed: canonical JSON of [[label, text] …]."""
    return canonical_json([[label, text] for label, text in parts])


@dataclass(frozen=True)
class Handled:
    """One recorded handling of an opinion (an `opinion_handled` event)."""

    at: Any
    pk: int
    handling: str


def served_file(
    d: Disclosure,
    attachment: Attachment,
    on_disk: FileDigest | None,
    parts: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """A file as readers get it and the ledger records it: its masked name, and the digest
    and size of what is served — the original's bytes (`on_disk`) where the original may be
    served, otherwise the masked text rendering (`parts`, computed when not given). Never the
    digest of an original that is not served: that would be an unsalted hash of unmasked
    content."""
    name = files.published_name(d, attachment)
    if files.original_is_public(d, attachment):
        return {
            "name": name,
            "served": "original",
            "sha256": on_disk.sha256 if on_disk else None,
            "size": on_disk.size if on_disk else None,
        }
    text = served_text(parts if parts is not None else files.published_parts(d, attachment))
    return {
        "name": name,
        "served": "text",
        "sha256": hashlib.sha256(text).hexdigest(),
        "size": len(text),
    }


@dataclass
class Records:
    """The records behind a batch of entries, read in one query per kind of record."""

    disclosures: dict[int, Disclosure] = field(default_factory=dict)
    revisions: dict[int, Revision] = field(default_factory=dict)
    attachments: dict[int, list[Attachment]] = field(default_factory=dict)
    events: dict[int, list[Event]] = field(default_factory=dict)
    opinions: dict[int, list[Opinion]] = field(default_factory=dict)
    #: Every recorded handling of each opinion (by opinion id), oldest first.
    handled: dict[int, list[Handled]] = field(default_factory=dict)
    #: Digests of files already hashed in this batch (a file named by several entries).
    digests: dict[int, FileDigest | None] = field(default_factory=dict)

    @classmethod
    def load(cls, subjects: Iterable[Subject], *, using: str = DEFAULT_DB_ALIAS) -> Records:
        subjects = list(subjects)
        disclosure_ids = {s.disclosure_id for s in subjects}
        revision_ids = {s.revision_id for s in subjects}
        records = cls()
        records.disclosures = (
            Disclosure.objects.using(using)
            .select_related("organization", "item")
            .in_bulk(disclosure_ids)
        )
        records.revisions = Revision.objects.using(using).in_bulk(revision_ids)
        through = Revision.attachments.through
        attached: dict[int, list[Attachment]] = defaultdict(list)
        rows = (
            through.objects.using(using)
            .filter(revision_id__in=revision_ids)
            .select_related("attachment")
            .order_by("attachment__uploaded_at", "attachment__pk")
        )
        for row in rows:
            attached[row.revision_id].append(row.attachment)
        records.attachments = dict(attached)
        events: dict[int, list[Event]] = defaultdict(list)
        for event in (
            Event.objects.using(using)
            .filter(disclosure_id__in=disclosure_ids)
            .order_by("at", "pk")
            .only("pk", "disclosure_id", "action", "role", "reason", "at")
        ):
            events[event.disclosure_id].append(event)
        records.events = dict(events)
        opinions: dict[int, list[Opinion]] = defaultdict(list)
        for opinion in (
            Opinion.objects.using(using)
            .filter(disclosure_id__in=disclosure_ids)
            .order_by("received_at", "pk")
            .only("pk", "disclosure_id", "text", "handling", "received_at", "handled_at")
        ):
            opinions[opinion.disclosure_id].append(opinion)
        records.opinions = dict(opinions)
        handled: dict[int, list[Handled]] = defaultdict(list)
        for detail, reason, at, pk in (
            Event.objects.using(using)
            .filter(disclosure_id__in=disclosure_ids, action=EventKind.OPINION_HANDLED)
            .order_by("at", "pk")
            .values_list("detail", "reason", "at", "pk")
        ):
            opinion_id = detail.get("opinion") if isinstance(detail, dict) else None
            if isinstance(opinion_id, int):
                handled[opinion_id].append(Handled(at, pk, reason))
        records.handled = dict(handled)
        return records

    def digest(self, attachment: Attachment) -> FileDigest | None:
        if attachment.pk not in self.digests:
            self.digests[attachment.pk] = file_digest(attachment)
        return self.digests[attachment.pk]

    def move_event(self, subject: Subject) -> Event | None:
        """The event of the move an entry records (None when it is gone)."""
        return _event(self.events.get(subject.disclosure_id, []), subject.event_id)

    def documents(self, subject: Subject) -> tuple[dict[str, Any], dict[str, Any]]:
        """(published document, sealed document) of one entry; KeyError when a record it
        names is gone."""
        d = self.disclosures[subject.disclosure_id]
        revision = self.revisions[subject.revision_id]
        event = self.move_event(subject)
        reason_raw = ""
        if subject.kind == Kind.WITHDRAW:
            reason_raw = d.withdrawal_reason
        elif subject.kind == Kind.CORRECT and event is not None:
            reason_raw = event.reason
        shown = published_content(d, revision)
        published: dict[str, Any] = {
            "kind": subject.kind,
            "disclosure": d.pk,
            "organization": d.organization.code,
            "role": event.role if event is not None else "",
            "item": d.item.key if d.item_id else "",
            "revision": revision.number,
            "title": shown["title"],
            # Shown with the title, also once withdrawn.
            "period": shown["period"],
            "scope": d.scope,
            "publish_from": canonical_time(d.publish_from),
            "public_from": canonical_time(d.public_from),
            "publicity_until": canonical_time(d.publicity_until),
            "reason": published_text(d, reason_raw),
            "events": self._timeline(d, subject.event_id, event),
        }
        sealed: dict[str, Any] = {
            "title": revision.title,
            "period": d.period,
            "reason": reason_raw,
        }
        if subject.kind == Kind.WITHDRAW:
            # A withdrawn disclosure shows its title, period and the reason only: its
            # content is gone from view, and so is it from the ledger's public view.
            return published, sealed
        shown_files, originals = self._files(d, revision)
        # Every opinion shown with the disclosure: opinions are taken only during the
        # consultation, before any publication, so one received later was slipped in.
        opinions = [(o, *self._handling(o, subject.at)) for o in self.opinions.get(d.pk, [])]
        published.update(
            {
                "body": shown["body"],
                "data": shown["data"],
                "attachments": shown_files,
                "opinions": [
                    {
                        "received_at": canonical_time(o.received_at),
                        "text": published_text(d, o.text, reviewed=False),
                        "handling": published_text(d, handling, reviewed=False),
                        "handled_at": canonical_time(handled_at),
                    }
                    for o, handling, handled_at in opinions
                ],
            }
        )
        sealed.update(
            {
                "body": revision.body,
                "data": revision.data,
                "attachments": originals,
                "opinions": [o.text for o, _handling, _at in opinions],
            }
        )
        return published, sealed

    def _handling(self, opinion: Opinion, at: Any) -> tuple[str, Any]:
        """(handling, handled_at) of `opinion` as it stood at `at`: the opinion's row from
        its last recorded handling on (or from its own time, if earlier: a row moved back
        is then compared with every entry after it); before that, the last recorded
        handling up to `at`, or none."""
        history = self.handled.get(opinion.pk, [])
        current = (opinion.handling, opinion.handled_at)
        if not history:
            # Handled without the workflow's events (rows written directly): the row.
            return current
        if at >= history[-1].at or (opinion.handled_at is not None and at >= opinion.handled_at):
            return current
        earlier = [h for h in history if h.at <= at]
        if not earlier:
            return "", None
        return earlier[-1].handling, earlier[-1].at

    def _timeline(
        self, d: Disclosure, up_to: int | None, move: Event | None
    ) -> list[dict[str, Any]]:
        """The public timeline up to and including the move (`up_to`, found as `move`), in
        the timeline's order (time, then id)."""

        def shown(e: Event) -> bool:
            if e.action not in PUBLIC_KINDS:
                return False
            if move is not None:
                return (e.at, e.pk) <= (move.at, move.pk)
            return up_to is None or e.pk <= up_to

        return [
            {
                "at": canonical_time(e.at),
                "kind": e.action,
                "role": e.role,
                "reason": timeline_reason(d, e.action, e.reason),
            }
            for e in self.events.get(d.pk, [])
            if shown(e)
        ]

    def _files(
        self, d: Disclosure, revision: Revision
    ) -> tuple[list[dict[str, Any]], list[str | None]]:
        shown: list[dict[str, Any]] = []
        originals: list[str | None] = []
        for attachment in self.attachments.get(revision.pk, []):
            on_disk = self.digest(attachment)
            originals.append(on_disk.sha256 if on_disk else None)
            shown.append(served_file(d, attachment, on_disk))
        return shown, originals


def _event(events: list[Event], pk: int | None) -> Event | None:
    if pk is None:
        return None
    return next((e for e in events if e.pk == pk), None)
