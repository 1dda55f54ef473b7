"""The fast builder (`fast_documents`) writes byte for byte the canonical JSON of what the
real builder (`documents.Records`) makes, for a story that touches every field: masked and
kept personal numbers, a revision never published through the workflow, data with whole
floats and text not in NFC, control characters, opinions before and after an entry,
attachments served as the original, as text, and gone from disk, public and internal
events, corrections and withdrawals; and for arbitrary rows (hypothesis)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.catalog.models import Item, Scope
from gongkai.disclosures.models import Attachment, Disclosure, Event, Opinion, Revision, State
from gongkai.ledger import log as ledger
from gongkai.ledger import verification
from gongkai.ledger.canonical import canonical_json, canonical_time
from gongkai.ledger.documents import Records, Subject
from gongkai.ledger.fast_documents import (
    DisclosureRow,
    EventRow,
    OpinionRow,
    RevisionRow,
    RowRecords,
    RowSubject,
    Sparse,
    _texts,
    build,
    dicts,
    entry_batch,
    parse_json,
)
from gongkai.ledger.models import Kind, LogEntry

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
NFD = unicodedata.normalize("NFD", "Café")
ODD = 'tab\there "quoted" back\\slash \x01 bell\x07 line\nend'


def _at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def _event(
    d: Disclosure, action: str, minutes: int, *, role: str = "clerk", reason: str = ""
) -> Event:
    return Event.objects.create(
        disclosure=d,
        action=action,
        from_state=State.APPROVED,
        to_state=State.PUBLISHED,
        role=role,
        at=_at(minutes),
        reason=reason,
    )


def _handled(d: Disclosure, opinion: Opinion, handling: str, minutes: int) -> Event:
    return Event.objects.create(
        disclosure=d,
        action="opinion_handled",
        from_state=d.state,
        to_state=d.state,
        role="clerk",
        at=_at(minutes),
        reason=handling,
        detail={"opinion": opinion.pk},
    )


def _attachment(d: Disclosure, people: Any, name: str, content: bytes, **fields: Any) -> Attachment:
    attachment = Attachment(
        disclosure=d,
        name=name,
        kind="txt",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=people.clerk,
        **fields,
    )
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment


@pytest.fixture
def story(people, tree, village_catalog, settings, tmp_path):  # type: ignore[no-untyped-def]
    """Entries recorded by the real append (`log.record_move`, which builds with Records)."""
    settings.MEDIA_ROOT = tmp_path
    catalog = village_catalog
    item = Item.objects.order_by("pk").first()
    assert item is not None
    made: list[LogEntry] = []

    def disclosure(title: str, **fields: Any) -> Disclosure:
        return Disclosure.objects.create(
            organization=tree.village,
            catalog=catalog,
            catalog_version=1,
            item=item,
            title=title,
            scope=fields.pop("scope", Scope.PUBLIC),
            state=State.PUBLISHED,
            publish_from=_at(0),
            public_from=fields.pop("public_from", _at(0)),
            created_by=people.clerk,
            **fields,
        )

    def revision(d: Disclosure, number: int, *, published: bool = True, **fields: Any) -> Revision:
        r = Revision.objects.create(disclosure=d, number=number, created_by=people.clerk, **fields)
        if published:
            r.published_title = "已发布：" + r.title
            r.published_body = fields.get("body", "").replace("13912345678", "139****5678")
            r.published_data = fields.get("data")
            r.published_period = d.period
            r.save()
        return r

    def record(d: Disclosure, kind: str, r: Revision, event: Event, minutes: int) -> None:
        d.published_revision = r
        d.save()
        made.append(ledger.record_move(d, kind=kind, revision=r, event=event, at=_at(minutes)))

    # A disclosure with kept mobile numbers, data with whole floats and NFD text, odd
    # characters, opinions dated on both sides of its entry (one handled twice), and three
    # attachments.
    first = disclosure(
        "联系电话 13912345678",
        mask_exceptions={"mobile": "负责人电话须公开"},
        period="2026年 第一季度",
        publicity_until=_at(60 * 24 * 7),
        body=ODD,
    )
    _event(first, "create", -50)
    _event(first, "submit", -40)
    _event(first, "review", -30, role="reviewer")
    Opinion.objects.create(
        disclosure=first, text="身份证 11010519491231002X 有误", received_at=_at(-20)
    )
    # Handled through the workflow, then handled again after the first entry: each entry
    # shows the handling as it stood at its time (the `opinion_handled` events).
    handled = Opinion.objects.create(
        disclosure=first,
        text=ODD,
        handling="初步意见",
        received_at=_at(-10),
        handled_at=_at(-8),
    )
    _handled(first, handled, "初步意见", -8)
    Opinion.objects.create(disclosure=first, text="来晚了", received_at=_at(30))
    r1 = revision(
        first,
        1,
        title="联系电话 13912345678",
        body="<p>电话 13912345678</p>" + ODD,
        data={"rows": [{"金额": 100.0, "比例": 0.25, NFD: NFD, "n": 3}], "空": {}},
        # What readers are shown beside the documents agrees with the entries (verify).
        published_at=_at(0),
    )
    original = _attachment(
        first,
        people,
        "名单.txt",
        b"plain list",
        complete=True,
        text="名单",
        parts=[{"name": "page 1", "start": 0, "end": 2}],
    )
    as_text = _attachment(
        first,
        people,
        "电话 13912345678.txt",
        b"secret-ish",
        complete=False,
        text="电话 13912345678 身份证 11010519491231002X",
        parts=[
            {"name": "page 1", "start": 0, "end": 14},
            {"name": "word/footer1.xml", "start": 14, "end": 37},
        ],
    )
    gone = _attachment(first, people, "gone.txt", b"gone", complete=True)
    r1.attachments.set([original, as_text, gone])
    gone.file.delete(save=False)
    record(first, Kind.PUBLISH, r1, _event(first, "publish", 0), 0)
    # Internal and later events stay out of the first entry's timeline.
    _event(first, "note", 5)
    _handled(first, handled, "已采纳 13912345678", 5)
    handled.handling, handled.handled_at = "已采纳 13912345678", _at(5)
    handled.save()
    correcting = _event(first, "correct", 10, role="reviewer", reason="电话 13912345678 有误" + ODD)
    # Made after the correction's event but dated before it: on its timeline (time order).
    _event(first, "review", 7, role="reviewer")
    r2 = revision(
        first,
        2,
        title="更正后",
        body="<p>改正</p>",
        data={"rows": []},
        published_at=_at(10),
        note=correcting.reason,
    )
    record(first, Kind.CORRECT, r2, correcting, 10)
    first.state = State.WITHDRAWN
    first.withdrawal_reason = "撤回：身份证 11010519491231002X"
    first.withdrawn_at = _at(20)
    first.save()
    record(first, Kind.WITHDRAW, r2, _event(first, "withdraw", 20, reason="撤回"), 20)

    # A party-only disclosure whose revision was never published through the workflow:
    # its content is masked now, without exceptions.
    second = disclosure(
        "内部事项", scope=Scope.PARTY, public_from=None, period="第三次会议 13912345678"
    )
    r = revision(
        second,
        1,
        published=False,
        title="内部 11010519491231002X",
        body="<p>13912345678</p>",
        data={"电话": "13912345678", "x": [1.0, 2.5, None, True]},
        published_at=_at(0),
    )
    record(second, Kind.PUBLISH, r, _event(second, "publish", 40), 40)
    return made


def _subjects(entries: list[LogEntry]) -> list[tuple[Subject, RowSubject]]:
    pairs = []
    for e in entries:
        assert e.disclosure_id is not None and e.revision_id is not None
        pairs.append(
            (
                Subject(e.kind, e.disclosure_id, e.revision_id, e.event_id, e.at),
                RowSubject(
                    e.kind, e.disclosure_id, e.revision_id, e.event_id, canonical_time(e.at) or ""
                ),
            )
        )
    return pairs


def test_fast_documents_are_the_real_builders_byte_for_byte(story):
    entries = list(
        LogEntry.objects.filter(kind__in=list(ledger.DISCLOSURE_KINDS)).order_by("index")
    )
    assert len(entries) == 4
    pairs = _subjects(entries)
    reference = Records.load([s for s, _row in pairs])
    fast = RowRecords.load([row for _s, row in pairs])
    for entry, (subject, row) in zip(entries, pairs, strict=True):
        published, sealed = reference.documents(subject)
        fast_published, fast_sealed = fast.documents(row)
        assert fast_published.encode() == canonical_json(published) == entry.document.encode()
        assert fast_sealed.encode() == canonical_json(sealed)
        assert ledger.sealed_hash_of(entry.salt, fast_sealed.encode()) == entry.sealed_hash
    # The handling as it stood at each entry, and the timeline cut in time order.
    first, correction = (json.loads(e.document) for e in entries[:2])
    assert [o["handling"] for o in first["opinions"]][1] == "初步意见"
    assert [o["handling"] for o in correction["opinions"]][1] == "已采纳 139****5678"
    assert [e["kind"] for e in correction["events"]][-2:] == ["review", "correct"]


def test_the_batch_loader_reads_the_same_records(story):
    entries = list(LogEntry.objects.order_by("log", "index"))
    log_id = entries[0].log_id
    rows, records = entry_batch(log_id, 0, 100, using="default", sparse=Sparse.load("default"))
    assert [r.index for r in rows] == [e.index for e in entries if e.log_id == log_id]
    for row in rows:
        if row.kind in ledger.DISCLOSURE_KINDS:
            assert row.disclosure_id is not None and row.revision_id is not None
            subject = RowSubject(
                row.kind, row.disclosure_id, row.revision_id, row.event_id, row.at_text
            )
            assert records.documents(subject)[0] == row.document
    assert verification.verify().ok


def test_what_is_not_nfc_goes_the_slow_way_and_still_matches(story):
    entry = LogEntry.objects.get(index=0)
    assert NFD not in entry.document and unicodedata.normalize("NFC", NFD) in entry.document


# -- arbitrary rows -------------------------------------------------------------------------

TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(TEXT.map(lambda k: unicodedata.normalize("NFC", k)), children, max_size=3)
    ),
    max_leaves=8,
)
TIME = st.one_of(st.none(), st.just("2026-03-01T02:03:04.000005+00:00"))


@st.composite
def rows(draw: st.DrawFn) -> tuple[Any, ...]:
    keep = tuple(draw(st.lists(st.sampled_from(["mobile", "id18", "bank_card"]), max_size=2)))
    d = DisclosureRow(
        draw(st.integers(1, 10**9)),
        draw(TEXT),
        draw(TEXT),
        draw(st.sampled_from(["public", "party", "unit"])),
        draw(TIME),
        draw(TIME),
        draw(TIME),
        draw(TEXT),
        keep,
        draw(TEXT),
    )
    # As read from the database: numbers canonical already.
    data = parse_json(canonical_json(draw(JSON)).decode())
    published = draw(st.booleans())
    revision = RevisionRow(
        draw(st.integers(1, 10**9)),
        draw(st.integers(1, 100)),
        draw(TEXT),
        draw(TEXT),
        data,
        draw(TEXT) if published else None,
        draw(st.one_of(st.none(), TEXT)),
        draw(st.one_of(st.just(data), st.just(None))) if published else None,
        draw(st.one_of(st.none(), TEXT)),
    )
    events = [
        EventRow(pk, f"2026-03-01T02:03:0{pk % 10}.000000+00:00", action, draw(TEXT), draw(TEXT))
        for pk, action in enumerate(
            draw(
                st.lists(
                    st.sampled_from(["create", "publish", "correct", "withdraw", "note"]),
                    max_size=4,
                )
            ),
            start=1,
        )
    ]
    opinions = [
        OpinionRow(
            draw(TIME) or "2026-01-01T00:00:00.000000+00:00", draw(TEXT), draw(TEXT), draw(TIME)
        )
        for _ in range(draw(st.integers(0, 2)))
    ]
    subject = RowSubject(
        draw(st.sampled_from(["publish", "correct", "withdraw"])),
        d.pk,
        revision.pk,
        draw(st.one_of(st.none(), st.integers(1, 4))),
        "2026-03-01T02:03:05.000000+00:00",
    )
    return subject, d, revision, events, opinions


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows())
def test_the_templates_write_canonical_json_for_any_rows(case: tuple[Any, ...]) -> None:
    published, sealed = build(*case)
    published_doc, sealed_doc = dicts(*case)
    assert published.encode() == canonical_json(published_doc)
    assert sealed.encode() == canonical_json(sealed_doc)


def test_rows_follow_the_records_layout(story):
    # `dicts` is laid out as Records.documents: the same keys for each kind of entry.
    entries = list(
        LogEntry.objects.filter(kind__in=list(ledger.DISCLOSURE_KINDS)).order_by("index")
    )
    for entry, (subject, _row) in zip(entries, _subjects(entries), strict=True):
        published, sealed = Records.load([subject]).documents(subject)
        assert set(published) == set(parse_json(entry.document))
        assert sealed.keys() == {"title", "period", "reason"} | (
            set() if entry.kind == Kind.WITHDRAW else {"body", "data", "attachments", "opinions"}
        )
    assert timezone.now() > T0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows())
def test_the_templates_themselves_are_canonical_when_the_text_is_nfc(case: tuple[Any, ...]) -> None:
    # `build` falls back to the slow path for text that is not NFC; the templates must be
    # right on everything else, not merely rescued by the fallback.
    subject, d, revision, events, opinions = case
    published, sealed = _texts(subject, d, revision, events, opinions, ([], []))
    published_doc, sealed_doc = dicts(*case)
    if unicodedata.is_normalized("NFC", published):
        assert published.encode() == canonical_json(published_doc)
    if unicodedata.is_normalized("NFC", sealed):
        assert sealed.encode() == canonical_json(sealed_doc)


def test_the_story_covers_every_kind_of_attachment_and_opinion(story):
    first = parse_json(LogEntry.objects.get(index=0).document)
    assert [(a["served"], a["sha256"] is None) for a in first["attachments"]] == [
        ("original", False),
        ("text", False),
        ("original", True),
    ]
    # Every opinion, also one dated after the entry (documents.py: one received later
    # was slipped in, and shows as a change).
    assert [o["text"] for o in first["opinions"]] == [
        "身份证 1101**********002X 有误",
        ODD,
        "来晚了",
    ]
    assert [e["kind"] for e in first["events"]] == ["create", "submit", "review", "publish"]
    assert "13912345678" in first["title"]  # kept: a reviewer recorded why
