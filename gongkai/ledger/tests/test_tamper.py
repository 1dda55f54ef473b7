"""Every kind of tampering fails `gongkai ledger verify`, named at the first bad entry.

A table of tamper kinds, each a function that changes the story (gongkai/ledger/tests/
story.py, built through the real workflow) as an attacker with the database and the disk
would: through the ORM where a model allows it, by raw SQL where the ledger's append-only
guards refuse, or by writing files. Each returns the failure `verify` must report first:
(log, index or None, problem).

The story's logs, for reading the table:

    QS#0 checkpoint   QS#1 publish A   QS#2 publish B   QS#3 publish C   QS#4 publish D
    QS#5 correct A    QS#6 withdraw D  QS#7 publish E   QS#8 correct C
    YL#0 checkpoint   YL#1 witness QS at size 7
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.db import connection
from django.db.models import Model

from gongkai.catalog.models import Item, Scope
from gongkai.disclosures.models import Disclosure, Event, Opinion, Revision, State
from gongkai.ledger import log as ledger
from gongkai.ledger import merkle, notes, services, signing, verification
from gongkai.ledger.canonical import canonical_json, canonical_time
from gongkai.ledger.documents import Records, Subject
from gongkai.ledger.models import (
    DISCLOSURE_KINDS,
    LedgerEntry,
    Log,
    LogEntry,
    LogNode,
    SignedHead,
)
from gongkai.ledger.tests.conftest import flip_one_byte
from gongkai.ledger.tests.story import Story
from gongkai.organizations.models import Organization

# -- changing the database as an attacker would ---------------------------------------------


def _column(model: type[Model], name: str) -> tuple[str, Any]:
    field: Any = model._meta.get_field(name)
    return str(field.column), field


def set_row(model: type[Model], pk: int, **values: Any) -> None:
    """UPDATE one row by raw SQL, whatever the model's guards say."""
    sets, params = [], []
    for name, value in values.items():
        column, field = _column(model, name)
        sets.append(f"{connection.ops.quote_name(column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {', '.join(sets)} WHERE id = %s", [*params, pk])


def delete_rows(model: type[Model], where: str, params: list[Any]) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {where}", params)


def set_entry(entry: LogEntry, **values: Any) -> None:
    set_row(LogEntry, entry.pk, **values)


def _flip_hex(value: str) -> str:
    return ("1" if value[0] == "0" else "0") + value[1:]


def _later(at: dt.datetime | None, by: dt.timedelta = dt.timedelta(minutes=1)) -> dt.datetime:
    assert at is not None
    return at + by


def rebuild_tree(log: Log, leaves: list[bytes], *, keep_heads: int, signer: notes.Signer) -> None:
    """Replace `log`'s nodes and cached state by those of `leaves`, drop the heads above
    `keep_heads` and sign one head per size from there with `signer`, as someone rewriting
    the log would."""
    delete_rows(LogNode, "log_id = %s", [log.pk])
    frontier = merkle.Frontier()
    nodes = []
    for leaf in leaves:
        nodes += [
            LogNode(log=log, level=lv, index=ix, hash=h) for lv, ix, h in frontier.append(leaf)
        ]
    LogNode.objects.bulk_create(nodes)
    Log.objects.filter(pk=log.pk).update(
        size=frontier.size, frontier=frontier.to_bytes(), root_hash=frontier.root().hex()
    )
    delete_rows(SignedHead, "log_id = %s AND size > %s", [log.pk, keep_heads])
    times = list(LogEntry.objects.filter(log=log).order_by("index").values_list("at", flat=True))
    for size in range(keep_heads + 1, len(leaves) + 1):
        root = merkle.root(leaves[:size])
        at = times[size - 1]
        body = notes.checkpoint_body(
            ledger.origin_of(log.name), size, root, canonical_time(at) or ""
        )
        SignedHead.objects.create(
            log=log,
            size=size,
            root_hash=root.hex(),
            at=at,
            checkpoint=notes.sign_note(body, signer),
        )


def rewrite_from(name: str, start: int, signer: notes.Signer) -> None:
    """Recompute every entry of log `name` from `start` on from the records as they are now
    (documents, hashes, leaves), then the tree, and re-sign its heads with `signer`."""
    log = Log.objects.select_related("root").get(root__code=name)
    leaves = []
    for entry in LogEntry.objects.filter(log=log).select_related("organization").order_by("index"):
        if entry.index >= start and entry.kind in DISCLOSURE_KINDS:
            assert entry.disclosure_id and entry.revision_id
            subject = Subject(
                entry.kind, entry.disclosure_id, entry.revision_id, entry.event_id, entry.at
            )
            published, sealed = Records.load([subject]).documents(subject)
            document = canonical_json(published)
            published_hash = ledger.published_hash_of(document)
            sealed_hash = ledger.sealed_hash_of(entry.salt, canonical_json(sealed))
            commitment = ledger.commitment_of(published_hash, sealed_hash)
            leaf = ledger.leaf_bytes(
                name,
                entry.index,
                canonical_time(entry.at) or "",
                entry.organization.code,
                commitment,
            )
            leaf_hash = merkle.leaf_hash(leaf).hex()
            set_entry(
                entry,
                document=document.decode(),
                published_hash=published_hash,
                sealed_hash=sealed_hash,
                commitment=commitment,
                leaf_hash=leaf_hash,
            )
            leaves.append(bytes.fromhex(leaf_hash))
        else:
            leaves.append(bytes.fromhex(entry.leaf_hash))
    rebuild_tree(log, leaves, keep_heads=start, signer=signer)


def truncate(name: str, size: int) -> None:
    """Cut log `name` back to `size` entries: the entries after it, their nodes and heads
    go, and the log's cached state is that of the shorter log (nothing re-signed)."""
    log = Log.objects.get(root__code=name)
    delete_rows(
        LogEntry, f"log_id = %s AND {connection.ops.quote_name('index')} >= %s", [log.pk, size]
    )
    leaves = [
        bytes.fromhex(h)
        for h in LogEntry.objects.filter(log=log)
        .order_by("index")
        .values_list("leaf_hash", flat=True)
    ]
    rebuild_tree(log, leaves, keep_heads=size, signer=signing.signer())


def another_key() -> notes.Signer:
    """A key with the deployment's name that is not its key."""
    return notes.Signer(signing.signer().name, Ed25519PrivateKey.generate())


# -- the table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    log: str
    index: int | None
    problem: str
    #: Verify with the head a reader saved at the end of the story (a few kinds are shown
    #: without it: what the records alone give away).
    saved: bool = True


Tamper = Callable[[Story], Expect]
TABLE: dict[str, Tamper] = {}


def tamper(name: str) -> Callable[[Tamper], Tamper]:
    def register(function: Tamper) -> Tamper:
        assert name not in TABLE, name
        TABLE[name] = function
        return function

    return register


def at(s: Story, kind: str, d: Disclosure, problem: str) -> Expect:
    return Expect("QS", s.at(kind, d), problem)


# -- revisions ------------------------------------------------------------------------------


@tamper("revision title (raw)")
def _(s: Story) -> Expect:
    r = s.published_revision("publish", s.a)
    Revision.objects.filter(pk=r.pk).update(title=r.title + "。")
    return at(s, "publish", s.a, "sealed")


@tamper("revision body (raw)")
def _(s: Story) -> Expect:
    r = s.published_revision("correct", s.a)
    Revision.objects.filter(pk=r.pk).update(body="<p>监督电话：0871-6123499</p>")
    return at(s, "correct", s.a, "sealed")


@tamper("revision data (raw)")
def _(s: Story) -> Expect:
    r = s.published_revision("publish", s.b)
    Revision.objects.filter(pk=r.pk).update(data={"rows": [{"姓名": "王党员", "金额": 30}]})
    return at(s, "publish", s.b, "sealed")


@tamper("period (raw, the disclosure's)")
def _(s: Story) -> Expect:
    Disclosure.objects.filter(pk=s.b.pk).update(period="2025年第二季度")
    return at(s, "publish", s.b, "sealed")


@tamper("published title")
def _(s: Story) -> Expect:
    r = s.published_revision("publish", s.a)
    Revision.objects.filter(pk=r.pk).update(published_title="东岭村监督电话（新）")
    return at(s, "publish", s.a, "published")


@tamper("published body of a correction")
def _(s: Story) -> Expect:
    r = s.published_revision("correct", s.a)
    Revision.objects.filter(pk=r.pk).update(published_body="<p>监督电话：0871-6123499</p>")
    return at(s, "correct", s.a, "published")


@tamper("published data")
def _(s: Story) -> Expect:
    r = s.published_revision("publish", s.b)
    Revision.objects.filter(pk=r.pk).update(published_data={"note": "已收齐"})
    return at(s, "publish", s.b, "published")


@tamper("published period")
def _(s: Story) -> Expect:
    r = s.published_revision("publish", s.b)
    Revision.objects.filter(pk=r.pk).update(published_period="2025年第二季度")
    return at(s, "publish", s.b, "published")


@tamper("revision number")
def _(s: Story) -> Expect:
    r = s.published_revision("correct", s.a)
    Revision.objects.filter(pk=r.pk).update(number=r.number + 5)
    return at(s, "correct", s.a, "published")


@tamper("published_at of a publication")
def _(s: Story) -> Expect:
    r = s.published_revision("publish", s.a)
    Revision.objects.filter(pk=r.pk).update(published_at=_later(r.published_at))
    return at(s, "publish", s.a, "published")


@tamper("published_at of a correction")
def _(s: Story) -> Expect:
    r = s.published_revision("correct", s.a)
    Revision.objects.filter(pk=r.pk).update(
        published_at=_later(r.published_at, -dt.timedelta(days=1))
    )
    return at(s, "correct", s.a, "published")


@tamper("correction note (the reason shown with the revision)")
def _(s: Story) -> Expect:
    r = s.published_revision("correct", s.a)
    Revision.objects.filter(pk=r.pk).update(note="例行更新")
    return at(s, "correct", s.a, "published")


@tamper("a correction note added to a first publication")
def _(s: Story) -> Expect:
    r = s.published_revision("publish", s.a)
    Revision.objects.filter(pk=r.pk).update(note="已更正")
    return at(s, "publish", s.a, "published")


# -- attachments ------------------------------------------------------------------------------


@tamper("attachment bytes on disk (original served)")
def _(s: Story) -> Expect:
    path = s.clean_file.file.path
    with open(path, "r+b") as handle:
        content = bytearray(handle.read())
        content[-10] ^= 1
        handle.seek(0)
        handle.write(content)
    return at(s, "publish", s.a, "published")


@tamper("attachment bytes on disk (masked text served)")
def _(s: Story) -> Expect:
    with open(s.masked_file.file.path, "ab") as handle:
        handle.write(b"\n% appended\n")
    return at(s, "publish", s.b, "sealed")


@tamper("attachment file deleted from disk")
def _(s: Story) -> Expect:
    s.clean_file.file.storage.delete(s.clean_file.file.name)
    return at(s, "publish", s.a, "published")


@tamper("attachment stored text (the masked preview changes)")
def _(s: Story) -> Expect:
    text = s.masked_file.text
    assert "Wang" in text
    type(s.masked_file).objects.filter(pk=s.masked_file.pk).update(
        text=text.replace("Wang", "Zhao")
    )
    return at(s, "publish", s.b, "published")


@tamper("attachment name")
def _(s: Story) -> Expect:
    type(s.clean_file).objects.filter(pk=s.clean_file.pk).update(name="通知（定稿）.pdf")
    return at(s, "publish", s.a, "published")


@tamper("attachment recorded digest")
def _(s: Story) -> Expect:
    type(s.clean_file).objects.filter(pk=s.clean_file.pk).update(sha256="0" * 64)
    return at(s, "publish", s.a, "published")


@tamper("attachment recorded size")
def _(s: Story) -> Expect:
    type(s.clean_file).objects.filter(pk=s.clean_file.pk).update(size=s.clean_file.size + 1)
    return at(s, "publish", s.a, "published")


@tamper("attachment marked as not read whole (its original no longer served)")
def _(s: Story) -> Expect:
    type(s.clean_file).objects.filter(pk=s.clean_file.pk).update(complete=False)
    return at(s, "publish", s.a, "published")


@tamper("attachment removed from a revision")
def _(s: Story) -> Expect:
    through = Revision.attachments.through
    through.objects.filter(
        revision=s.published_revision("publish", s.a), attachment=s.clean_file
    ).delete()
    return at(s, "publish", s.a, "published")


@tamper("attachment added to a revision")
def _(s: Story) -> Expect:
    s.published_revision("publish", s.a).attachments.add(s.masked_file)
    return at(s, "publish", s.a, "published")


@tamper("attachment swapped in a revision")
def _(s: Story) -> Expect:
    through = Revision.attachments.through
    through.objects.filter(
        revision=s.published_revision("publish", s.a), attachment=s.clean_file
    ).update(attachment=s.masked_file)
    return at(s, "publish", s.a, "published")


# -- reasons, times, scope and state ----------------------------------------------------------


def _move_event(s: Story, kind: str, d: Disclosure) -> Event:
    event = s.entry(kind, d).event
    assert event is not None
    return event


@tamper("correction reason (the event's)")
def _(s: Story) -> Expect:
    Event.objects.filter(pk=_move_event(s, "correct", s.a).pk).update(reason="例行更新")
    return at(s, "correct", s.a, "published")


@tamper("withdrawal reason (the disclosure's)")
def _(s: Story) -> Expect:
    Disclosure.objects.filter(pk=s.d.pk).update(withdrawal_reason="内容有误")
    return at(s, "withdraw", s.d, "published")


@tamper("withdrawal reason (the event's)")
def _(s: Story) -> Expect:
    Event.objects.filter(pk=_move_event(s, "withdraw", s.d).pk).update(reason="内容有误")
    return at(s, "withdraw", s.d, "published")


@tamper("withdrawn_at")
def _(s: Story) -> Expect:
    Disclosure.objects.filter(pk=s.d.pk).update(withdrawn_at=_later(s.d.withdrawn_at))
    return at(s, "withdraw", s.d, "published")


@tamper("publish_from")
def _(s: Story) -> Expect:
    Disclosure.objects.filter(pk=s.a.pk).update(publish_from=_later(s.a.publish_from))
    return at(s, "publish", s.a, "published")


@tamper("public_from (party-first lag shortened)")
def _(s: Story) -> Expect:
    Disclosure.objects.filter(pk=s.c.pk).update(public_from=s.c.publish_from)
    return at(s, "publish", s.c, "published")


@tamper("publicity_until")
def _(s: Story) -> Expect:
    Disclosure.objects.filter(pk=s.c.pk).update(publicity_until=_later(s.c.publicity_until))
    return at(s, "publish", s.c, "published")


@tamper("scope widened")
def _(s: Story) -> Expect:
    Disclosure.objects.filter(pk=s.b.pk).update(scope=Scope.PUBLIC)
    return at(s, "publish", s.b, "published")


@tamper("catalog item")
def _(s: Story) -> Expect:
    other = Item.objects.exclude(pk=s.a.item_id).first()
    assert other is not None
    Disclosure.objects.filter(pk=s.a.pk).update(item=other)
    return at(s, "publish", s.a, "published")


@tamper("organization moved to the sibling village")
def _(s: Story) -> Expect:
    Disclosure.objects.filter(pk=s.a.pk).update(organization=s.tree.sibling_village)
    return at(s, "publish", s.a, "published")


@tamper("a personal number let out unmasked (mask exception added)")
def _(s: Story) -> Expect:
    Disclosure.objects.filter(pk=s.b.pk).update(mask_exceptions={"mobile": "需要联系"})
    return at(s, "publish", s.b, "published")


@tamper("withdrawal reverted (state back to published)")
def _(s: Story) -> Expect:
    Disclosure.objects.filter(pk=s.d.pk).update(state=State.PUBLISHED)
    return at(s, "withdraw", s.d, "state")


@tamper("withdrawal reverted and its reason cleared")
def _(s: Story) -> Expect:
    Disclosure.objects.filter(pk=s.d.pk).update(
        state=State.PUBLISHED, withdrawal_reason="", withdrawn_at=None
    )
    return at(s, "withdraw", s.d, "published")


@tamper("published revision pointer moved back to an older revision")
def _(s: Story) -> Expect:
    Disclosure.objects.filter(pk=s.a.pk).update(
        published_revision=s.published_revision("publish", s.a)
    )
    return at(s, "correct", s.a, "state")


@tamper("a published disclosure put back to draft")
def _(s: Story) -> Expect:
    Disclosure.objects.filter(pk=s.e.pk).update(state=State.DRAFT)
    return at(s, "publish", s.e, "state")


@tamper("a disclosure inserted as published without any entry")
def _(s: Story) -> Expect:
    now = s.e.publish_from
    Disclosure.objects.create(
        organization=s.tree.village,
        catalog=s.a.catalog,
        catalog_version=s.a.catalog_version,
        item=s.a.item,
        title="伪造的公开事项",
        scope=Scope.PUBLIC,
        state=State.PUBLISHED,
        publish_from=now,
        public_from=now,
        created_by=s.people.clerk,
    )
    return Expect("QS", None, "unrecorded")


# -- opinions ---------------------------------------------------------------------------------


@tamper("opinion text")
def _(s: Story) -> Expect:
    Opinion.objects.filter(pk=s.opinions[1].pk).update(text="同意")
    return at(s, "publish", s.c, "published")


@tamper("opinion handling")
def _(s: Story) -> Expect:
    Opinion.objects.filter(pk=s.opinions[1].pk).update(handling="不予采纳")
    return at(s, "publish", s.c, "published")


@tamper("opinion handling changed by a correction, rewritten")
def _(s: Story) -> Expect:
    Opinion.objects.filter(pk=s.opinions[0].pk).update(handling="不予采纳")
    return at(s, "correct", s.c, "published")


@tamper("opinion handling before a correction changed it, rewritten in its history")
def _(s: Story) -> Expect:
    first = (
        Event.objects.filter(
            disclosure=s.c, action="opinion_handled", detail__opinion=s.opinions[0].pk
        )
        .order_by("at", "pk")
        .first()
    )
    assert first is not None
    Event.objects.filter(pk=first.pk).update(reason="不予采纳")
    return at(s, "publish", s.c, "published")


@tamper("opinion handling: the record of the correction's handling deleted")
def _(s: Story) -> Expect:
    last = (
        Event.objects.filter(
            disclosure=s.c, action="opinion_handled", detail__opinion=s.opinions[0].pk
        )
        .order_by("at", "pk")
        .last()
    )
    assert last is not None
    Event.objects.filter(pk=last.pk).delete()
    return at(s, "publish", s.c, "published")


@tamper("opinion handled_at")
def _(s: Story) -> Expect:
    o = s.opinions[1]
    Opinion.objects.filter(pk=o.pk).update(handled_at=_later(o.handled_at))
    return at(s, "publish", s.c, "published")


@tamper("opinion handled_at moved after every entry")
def _(s: Story) -> Expect:
    o = s.opinions[0]
    Opinion.objects.filter(pk=o.pk).update(handled_at=_later(o.handled_at, dt.timedelta(days=30)))
    return at(s, "correct", s.c, "published")


@tamper("opinion received_at")
def _(s: Story) -> Expect:
    o = s.opinions[1]
    Opinion.objects.filter(pk=o.pk).update(received_at=_later(o.received_at))
    return at(s, "publish", s.c, "published")


@tamper("opinion deleted")
def _(s: Story) -> Expect:
    Opinion.objects.filter(pk=s.opinions[1].pk).delete()
    return at(s, "publish", s.c, "published")


@tamper("opinion inserted during the consultation")
def _(s: Story) -> Expect:
    Opinion.objects.create(
        disclosure=s.c, author="村民丙", text="赞成", received_at=s.opinions[1].received_at
    )
    return at(s, "publish", s.c, "published")


@tamper("opinion inserted after publication")
def _(s: Story) -> Expect:
    Opinion.objects.create(
        disclosure=s.c, author="村民丙", text="赞成", received_at=_later(s.c.publish_from)
    )
    return at(s, "publish", s.c, "published")


# -- the timeline -----------------------------------------------------------------------------


def _event_of(s: Story, d: Disclosure, action: str) -> Event:
    return Event.objects.filter(disclosure=d, action=action).order_by("at", "pk").first()  # type: ignore[return-value]


@tamper("timeline event time")
def _(s: Story) -> Expect:
    e = _event_of(s, s.c, "review")
    Event.objects.filter(pk=e.pk).update(at=_later(e.at, -dt.timedelta(hours=1)))
    return at(s, "publish", s.c, "published")


@tamper("timeline event role")
def _(s: Story) -> Expect:
    Event.objects.filter(pk=_event_of(s, s.c, "review").pk).update(role="clerk")
    return at(s, "publish", s.c, "published")


@tamper("timeline event kind")
def _(s: Story) -> Expect:
    Event.objects.filter(pk=_event_of(s, s.c, "superior_approve").pk).update(action="approve")
    return at(s, "publish", s.c, "published")


@tamper("timeline event deleted")
def _(s: Story) -> Expect:
    Event.objects.filter(pk=_event_of(s, s.c, "submit").pk).delete()
    return at(s, "publish", s.c, "published")


@tamper("timeline event inserted before the publication")
def _(s: Story) -> Expect:
    submit = _event_of(s, s.c, "submit")
    Event.objects.create(
        disclosure=s.c,
        action="return",
        from_state=State.SUBMITTED,
        to_state=State.RETURNED,
        role="reviewer",
        at=_later(submit.at),
        reason="补充材料",
    )
    return at(s, "publish", s.c, "published")


@tamper("a non-public event turned into a public one")
def _(s: Story) -> Expect:
    Event.objects.filter(pk=_event_of(s, s.c, "opinion_received").pk).update(action="return")
    return at(s, "publish", s.c, "published")


@tamper("a correction slipped into the timeline after the last entry")
def _(s: Story) -> Expect:
    Event.objects.create(
        disclosure=s.a,
        action="correct",
        from_state=State.PUBLISHED,
        to_state=State.PUBLISHED,
        role="reviewer",
        at=_later(s.entry("publish", s.e).at, dt.timedelta(days=3)),
        reason="伪造的更正",
    )
    return at(s, "correct", s.a, "unrecorded")


@tamper("the move's own event deleted")
def _(s: Story) -> Expect:
    delete_rows(Event, "id = %s", [_move_event(s, "correct", s.a).pk])
    return at(s, "correct", s.a, "published")


# -- entries ----------------------------------------------------------------------------------


def _entry(s: Story, kind: str, d: Disclosure) -> LogEntry:
    return s.entry(kind, d)


@tamper("entry document, one byte")
def _(s: Story) -> Expect:
    e = _entry(s, "publish", s.a)
    set_entry(e, document=flip_one_byte(e.document, len(e.document) // 2))
    return at(s, "publish", s.a, "document")


@tamper("entry document of an opaque (party-internal) entry, one byte")
def _(s: Story) -> Expect:
    e = _entry(s, "publish", s.b)
    set_entry(e, document=flip_one_byte(e.document, len(e.document) // 3))
    return at(s, "publish", s.b, "document")


@tamper("entry published_hash")
def _(s: Story) -> Expect:
    e = _entry(s, "publish", s.a)
    set_entry(e, published_hash=_flip_hex(e.published_hash))
    return at(s, "publish", s.a, "document")


@tamper("entry sealed_hash")
def _(s: Story) -> Expect:
    e = _entry(s, "publish", s.a)
    set_entry(e, sealed_hash=_flip_hex(e.sealed_hash))
    return at(s, "publish", s.a, "commitment")


@tamper("entry commitment")
def _(s: Story) -> Expect:
    e = _entry(s, "publish", s.a)
    set_entry(e, commitment=_flip_hex(e.commitment))
    return at(s, "publish", s.a, "commitment")


@tamper("entry leaf_hash")
def _(s: Story) -> Expect:
    e = _entry(s, "publish", s.a)
    set_entry(e, leaf_hash=_flip_hex(e.leaf_hash))
    return at(s, "publish", s.a, "leaf")


@tamper("entry at, one microsecond")
def _(s: Story) -> Expect:
    e = _entry(s, "publish", s.a)
    set_entry(e, at=e.at + dt.timedelta(microseconds=1))
    return at(s, "publish", s.a, "leaf")


@tamper("entry at of a correction")
def _(s: Story) -> Expect:
    e = _entry(s, "correct", s.a)
    set_entry(e, at=e.at + dt.timedelta(seconds=1))
    return at(s, "correct", s.a, "published")


@tamper("organization code renamed")
def _(s: Story) -> Expect:
    Organization.objects.filter(pk=s.tree.village.pk).update(code="QS-09")
    return at(s, "publish", s.a, "published")


@tamper("log root's code renamed (the log's name and origin change)")
def _(s: Story) -> Expect:
    Organization.objects.filter(pk=s.tree.town.pk).update(code="QX")
    return Expect("YL", s.at("witness", log="YL"), "witness")


@tamper("entry organization")
def _(s: Story) -> Expect:
    set_entry(_entry(s, "publish", s.a), organization=s.tree.sibling_village.pk)
    return at(s, "publish", s.a, "leaf")


@tamper("entry salt")
def _(s: Story) -> Expect:
    e = _entry(s, "publish", s.b)
    set_entry(e, salt=_flip_hex(e.salt))
    return at(s, "publish", s.b, "sealed")


@tamper("entry kind")
def _(s: Story) -> Expect:
    e = _entry(s, "publish", s.e)
    set_entry(e, kind="correct")
    return Expect("QS", e.index, "references")


@tamper("entry disclosure repointed")
def _(s: Story) -> Expect:
    e = _entry(s, "publish", s.a)
    set_entry(e, disclosure=s.b.pk)
    return Expect("QS", e.index, "references")


@tamper("entry revision repointed")
def _(s: Story) -> Expect:
    set_entry(_entry(s, "correct", s.a), revision=s.published_revision("publish", s.a).pk)
    return at(s, "correct", s.a, "published")


@tamper("entry event repointed")
def _(s: Story) -> Expect:
    set_entry(_entry(s, "correct", s.a), event=_move_event(s, "publish", s.a).pk)
    return at(s, "correct", s.a, "published")


@tamper("two entries swapped")
def _(s: Story) -> Expect:
    first, second = _entry(s, "publish", s.b), _entry(s, "publish", s.c)
    set_entry(first, index=1000)
    set_entry(second, index=first.index)
    set_entry(first, index=second.index)
    return Expect("QS", first.index, "leaf")


@tamper("entry deleted in the middle")
def _(s: Story) -> Expect:
    e = _entry(s, "publish", s.c)
    delete_rows(LogEntry, "id = %s", [e.pk])
    return Expect("QS", e.index, "missing")


@tamper("last entry renumbered")
def _(s: Story) -> Expect:
    e = _entry(s, "correct", s.c)
    set_entry(e, index=e.index + 1)
    return Expect("QS", e.index, "missing")


@tamper("entry moved to the county's log")
def _(s: Story) -> Expect:
    set_entry(_entry(s, "publish", s.c), log=s.log("YL").pk)
    return Expect("YL", 2, "missing")


@tamper("entry forged at the end, tree and log state updated, no head")
def _(s: Story) -> Expect:
    log = s.log("QS")
    last = _entry(s, "correct", s.c)
    leaf = merkle.leaf_hash(
        ledger.leaf_bytes("QS", log.size, canonical_time(last.at) or "", "QS-01", last.commitment)
    )
    LogEntry.objects.create(
        log=log,
        index=log.size,
        at=last.at,
        organization=s.tree.village,
        kind=last.kind,
        disclosure=s.c,
        revision=last.revision,
        event=last.event,
        document=last.document,
        published_hash=last.published_hash,
        sealed_hash=last.sealed_hash,
        salt=last.salt,
        commitment=last.commitment,
        leaf_hash=leaf.hex(),
    )
    leaves = [
        bytes.fromhex(h)
        for h in LogEntry.objects.filter(log=log)
        .order_by("index")
        .values_list("leaf_hash", flat=True)
    ]
    rebuild_tree(log, leaves, keep_heads=log.size, signer=another_key())
    delete_rows(SignedHead, "log_id = %s AND size > %s", [log.pk, log.size])
    return Expect("QS", log.size, "unsigned")


# -- the log as a whole: truncation and rewriting ---------------------------------------------


@tamper("last entries deleted, their heads and the log's state left")
def _(s: Story) -> Expect:
    log = s.log("QS")
    delete_rows(
        LogEntry, f"log_id = %s AND {connection.ops.quote_name('index')} >= %s", [log.pk, 8]
    )
    return Expect("QS", 8, "truncated")


@tamper("witness entry's time")
def _(s: Story) -> Expect:
    e = s.entry("witness", log="YL")
    set_entry(e, at=e.at + dt.timedelta(seconds=1))
    return Expect("YL", e.index, "leaf")


@tamper("truncated below the witnessed size, heads removed")
def _(s: Story) -> Expect:
    truncate("QS", s.witnessed_size - 1)
    return Expect("QS", s.witnessed_size - 1, "witness_truncated")


@tamper("truncated after the witnessed size, no saved head (a disclosure's last move is lost)")
def _(s: Story) -> Expect:
    expected = Expect("QS", s.at("publish", s.c), "state", saved=False)
    truncate("QS", s.at("correct", s.c))
    return expected


@tamper("rewritten from a correction on, re-signed with a different key")
def _(s: Story) -> Expect:
    r = s.published_revision("correct", s.a)
    Revision.objects.filter(pk=r.pk).update(published_body="<p>监督电话：0871-6123499</p>")
    k = s.at("correct", s.a)
    rewrite_from("QS", k, another_key())
    return Expect("QS", k, "head_signature")


@tamper("rewritten before the witnessed size with the right key")
def _(s: Story) -> Expect:
    r = s.published_revision("correct", s.a)
    Revision.objects.filter(pk=r.pk).update(published_body="<p>监督电话：0871-6123499</p>")
    rewrite_from("QS", s.at("correct", s.a), signing.signer())
    return Expect("QS", None, "witness")


# -- heads, nodes and the log's state ---------------------------------------------------------


def _head(s: Story, size: int, log: str = "QS") -> SignedHead:
    return SignedHead.objects.filter(log__root__code=log, size=size).order_by("pk").first()  # type: ignore[return-value]


@tamper("signed head text changed")
def _(s: Story) -> Expect:
    head = _head(s, 5)
    lines = head.checkpoint.split("\n")
    lines[1] = "6"
    set_row(SignedHead, head.pk, checkpoint="\n".join(lines))
    return Expect("QS", 4, "head_signature")


@tamper("signed head stored root changed")
def _(s: Story) -> Expect:
    head = _head(s, 5)
    set_row(SignedHead, head.pk, root_hash=_flip_hex(head.root_hash))
    return Expect("QS", 4, "head_signature")


@tamper("signed head stored time changed")
def _(s: Story) -> Expect:
    head = _head(s, 5)
    set_row(SignedHead, head.pk, at=head.at + dt.timedelta(days=1))
    return Expect("QS", 4, "head_signature")


@tamper("signed head re-signed with a different key")
def _(s: Story) -> Expect:
    head = _head(s, 5)
    body = head.checkpoint.split("\n\n")[0] + "\n"
    set_row(SignedHead, head.pk, checkpoint=notes.sign_note(body, another_key()))
    return Expect("QS", 4, "head_signature")


@tamper("signed head moved to another log")
def _(s: Story) -> Expect:
    set_row(SignedHead, _head(s, 5).pk, log=s.log("YL").pk)
    return Expect("YL", None, "head_signature")


@tamper("head deleted so the last entry is unsigned")
def _(s: Story) -> Expect:
    log = s.log("QS")
    delete_rows(SignedHead, "log_id = %s AND size = %s", [log.pk, log.size])
    return Expect("QS", log.size - 1, "unsigned")


@tamper("tree node changed")
def _(s: Story) -> Expect:
    node = LogNode.objects.get(log__root__code="QS", level=1, index=1)
    set_row(LogNode, node.pk, hash=bytes(32))
    return Expect("QS", 2, "node")


@tamper("leaf node changed")
def _(s: Story) -> Expect:
    node = LogNode.objects.get(log__root__code="QS", level=0, index=6)
    set_row(LogNode, node.pk, hash=bytes(node.hash)[::-1])
    return Expect("QS", 6, "node")


@tamper("tree node deleted")
def _(s: Story) -> Expect:
    node = LogNode.objects.get(log__root__code="QS", level=2, index=1)
    delete_rows(LogNode, "id = %s", [node.pk])
    return Expect("QS", 4, "node")


@tamper("tree node added that no entry makes")
def _(s: Story) -> Expect:
    LogNode.objects.create(log=s.log("QS"), level=0, index=50, hash=bytes(32))
    return Expect("QS", None, "node")


@tamper("log's stored size made larger")
def _(s: Story) -> Expect:
    log = s.log("QS")
    Log.objects.filter(pk=log.pk).update(size=log.size + 1)
    return Expect("QS", log.size, "truncated")


@tamper("log's stored size made smaller")
def _(s: Story) -> Expect:
    log = s.log("QS")
    Log.objects.filter(pk=log.pk).update(size=log.size - 1)
    return Expect("QS", None, "log_state")


@tamper("log's stored root")
def _(s: Story) -> Expect:
    log = s.log("QS")
    Log.objects.filter(pk=log.pk).update(root_hash=_flip_hex(log.root_hash))
    return Expect("QS", None, "log_state")


@tamper("log's stored frontier")
def _(s: Story) -> Expect:
    log = s.log("QS")
    Log.objects.filter(pk=log.pk).update(frontier=bytes(len(bytes(log.frontier))))
    return Expect("QS", None, "log_state")


# -- witnessing and the old hash chain --------------------------------------------------------


@tamper("witness entry's document changed")
def _(s: Story) -> Expect:
    e = s.entry("witness", log="YL")
    set_entry(e, document=e.document.replace('"size":7', '"size":6'))
    return Expect("YL", e.index, "document")


@tamper("witness entry's document changed and rehashed (leaf included)")
def _(s: Story) -> Expect:
    e = s.entry("witness", log="YL")
    document = e.document.replace('"size":7', '"size":6').encode()
    published_hash = ledger.published_hash_of(document)
    commitment = ledger.commitment_of(published_hash, e.sealed_hash)
    leaf = ledger.leaf_bytes("YL", e.index, canonical_time(e.at) or "", "YL", commitment)
    set_entry(
        e,
        document=document.decode(),
        published_hash=published_hash,
        commitment=commitment,
        leaf_hash=merkle.leaf_hash(leaf).hex(),
    )
    return Expect("YL", e.index, "witness")


@tamper("witness entry turned into a checkpoint entry")
def _(s: Story) -> Expect:
    e = s.entry("witness", log="YL")
    set_entry(e, kind="checkpoint")
    return Expect("YL", e.index, "references")


@tamper("the witnessed log deleted altogether")
def _(s: Story) -> Expect:
    log = s.log("QS")
    for model in (LogNode, SignedHead, LogEntry):
        delete_rows(model, "log_id = %s", [log.pk])
    delete_rows(Log, "id = %s", [log.pk])
    return Expect("YL", s.entry("witness", log="YL").index, "witness")


@tamper("old chain: its head entry changed")
def _(s: Story) -> Expect:
    entry = LedgerEntry.objects.get()
    set_row(LedgerEntry, entry.pk, entry_hash=_flip_hex(entry.entry_hash))
    return Expect("legacy", 1, "legacy")


@tamper("old chain: rewritten consistently, so its head is another")
def _(s: Story) -> Expect:
    entry = LedgerEntry.objects.get()
    Revision.objects.filter(pk=entry.revision_id).update(title="西岭村监督电话（改）")
    revision = Revision.objects.get(pk=entry.revision_id)
    set_row(LedgerEntry, entry.pk, content_hash=services.content_hash(revision))
    entry = LedgerEntry.objects.get()
    set_row(LedgerEntry, entry.pk, entry_hash=entry.compute_hash())
    return Expect("YL", 0, "legacy")


@tamper("old chain: an entry appended after the logs began")
def _(s: Story) -> Expect:
    revision = s.old.published_revision
    assert revision is not None
    services.append_entry(action="correct", revision=revision, at=s.e.publish_from)
    return Expect("legacy", 2, "legacy")


# -- the tests --------------------------------------------------------------------------------


def test_the_untampered_story_verifies(story: Story) -> None:
    report = verification.verify(saved=[story.saved])
    assert report.ok, report.failure
    assert report.logs == {"legacy": 1, "YL": 2, "QS": 9}


@pytest.mark.parametrize("name", list(TABLE))
def test_every_tampering_is_named_at_the_first_bad_entry(story: Story, name: str) -> None:
    expected = TABLE[name](story)
    report = verification.verify(saved=[story.saved] if expected.saved else [])
    failure = report.failure
    assert failure is not None, f"{name}: not detected"
    assert (failure.log, failure.index, failure.problem) == (
        expected.log,
        expected.index,
        expected.problem,
    ), f"{name}: {failure}"
    assert failure.reason


def test_a_truncation_past_the_last_witness_is_caught_by_a_saved_head(story: Story) -> None:
    last = story.at("correct", story.c)
    # What only the saved head can tell: the records are put back as they were before the
    # lost move, so every entry that is left agrees with them.
    Disclosure.objects.filter(pk=story.c.pk).update(
        published_revision=story.published_revision("publish", story.c)
    )
    truncate("QS", last)
    report = verification.verify(saved=[story.saved])
    assert report.failure is not None
    assert (report.failure.log, report.failure.index, report.failure.problem) == (
        "QS",
        last,
        "saved_truncated",
    )


def test_a_rewrite_by_the_key_holder_past_the_last_witness_needs_a_saved_head(
    story: Story,
) -> None:
    r = story.published_revision("correct", story.c)
    Revision.objects.filter(pk=r.pk).update(published_body="<p>预算改为9.8万元。</p>")
    rewrite_from("QS", story.at("correct", story.c), signing.signer())
    # Signed with the deployment's own key and past what the county witnessed: only a
    # head saved outside the server shows it.
    assert verification.verify().ok
    report = verification.verify(saved=[story.saved])
    assert report.failure is not None
    assert (report.failure.log, report.failure.index, report.failure.problem) == (
        "QS",
        None,
        "saved_head",
    )


def test_the_command_exits_1_naming_the_log_and_the_entry(story: Story) -> None:
    expected = TABLE["correction note (the reason shown with the revision)"](story)
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exit:
        call_command("ledger", "verify", "--json", stdout=out, stderr=err)
    assert exit.value.code == 1
    failure = json.loads(out.getvalue())["failure"]
    assert (failure["log"], failure["index"], failure["problem"]) == (
        expected.log,
        expected.index,
        expected.problem,
    )
    assert f"日志 {expected.log} 第 {expected.index} 条记录" in err.getvalue()
