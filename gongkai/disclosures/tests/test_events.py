"""Every change to a disclosure writes one event, with its sentence and the role the person
acted in at that time; the public timeline shows roles and public events only."""

from __future__ import annotations

import datetime as dt
import importlib
import struct
import zlib
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from gongkai.conftest import client_for, grant
from gongkai.disclosures import attachments, events, workflow
from gongkai.disclosures import migrations as migrations_package
from gongkai.disclosures.events import ActorRole, EventKind
from gongkai.disclosures.models import Event
from gongkai.organizations.models import Role
from gongkai.portal import reading

from .conftest import CHECKLIST, State, force_state, item_key, published


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _chinese():  # type: ignore[no-untyped-def]
    with translation.override("zh-hans"):
        yield


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def renovation(people, tree, village_catalog):  # type: ignore[no-untyped-def]
    """A major matter that needs consultation."""
    return workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "building"),
        title="村委会办公楼修缮方案",
        body="<p>预算6.8万元</p>",
    )


def last(disclosure) -> Event:  # type: ignore[no-untyped-def]
    return Event.objects.filter(disclosure=disclosure).order_by("-pk")[0]


def kinds(disclosure) -> list[str]:  # type: ignore[no-untyped-def]
    return list(Event.objects.filter(disclosure=disclosure).order_by("pk").values_list("action", flat=True))  # fmt: skip


def test_creating_and_editing_a_draft_are_events_of_the_clerk(people, draft):
    workflow.edit_draft(draft, actor=people.clerk, title="东岭村监督电话（新）", body="<p>改</p>")
    assert [(e.action, e.role, e.actor) for e in draft.events.order_by("pk")] == [
        (EventKind.CREATE, ActorRole.CLERK, people.clerk),
        (EventKind.EDIT, ActorRole.CLERK, people.clerk),
    ]
    assert last(draft).sentence == "修改草稿"
    assert not last(draft).role_derived


def test_attaching_and_removing_a_file_are_events_naming_the_file(people, draft):
    upload = SimpleUploadedFile("村务照片.png", png())
    attachment = attachments.attach(draft, upload, actor=people.clerk)
    added = last(draft)
    assert (added.action, added.role, added.detail["name"]) == (
        EventKind.ATTACHMENT_ADDED,
        ActorRole.CLERK,
        "村务照片.png",
    )
    assert added.sentence == "上传附件“村务照片.png”"
    attachments.remove(attachment, actor=people.clerk)
    assert last(draft).sentence == "删除附件“村务照片.png”"


def test_a_refused_attachment_leaves_no_event(people, draft):
    before = kinds(draft)
    with pytest.raises(ValidationError):
        attachments.attach(draft, SimpleUploadedFile("x.exe", b"MZ\x90\x00"), actor=people.clerk)
    assert kinds(draft) == before


def test_opinions_and_their_handling_are_events(people, renovation):
    workflow.submit(renovation, actor=people.clerk)
    workflow.open_consultation(renovation, actor=people.clerk, days=5)
    mine = workflow.add_opinion(
        renovation, author="王党员", text="建议公开比价", actor=people.member
    )
    paper = workflow.add_opinion(renovation, author="村民甲", text="纸面意见")
    workflow.handle_opinion(mine, actor=people.reviewer, handling="已补充三家比价")
    received = list(renovation.events.filter(action=EventKind.OPINION_RECEIVED).order_by("pk"))
    assert [(e.role, e.actor, e.detail["opinion"]) for e in received] == [
        (ActorRole.MEMBER, people.member, mine.pk),
        (ActorRole.CLERK, None, paper.pk),  # collected on paper and entered by the clerk
    ]
    handled = last(renovation)
    assert (handled.action, handled.role, handled.reason) == (
        EventKind.OPINION_HANDLED,
        ActorRole.REVIEWER,
        "已补充三家比价",
    )
    assert handled.to_state == handled.from_state == State.CONSULTATION


def test_a_clearance_and_unmasked_numbers_are_recorded_with_the_reviewers_words(people, draft):
    workflow.edit_draft(
        draft, actor=people.clerk, title=draft.title, body="<p>引用《绝密文件管理办法》名称</p>"
    )
    workflow.submit(draft, actor=people.clerk)
    workflow.review(
        draft,
        actor=people.reviewer,
        checklist=CHECKLIST,
        secret_clearance="系公开文件名称，经核实不涉密",
        mask_exceptions={"mobile": "便于群众联系核实"},
    )
    rows = {e.action: e for e in draft.events.all()}
    assert rows[EventKind.SECRET_CLEARED].reason == "系公开文件名称，经核实不涉密"
    assert rows[EventKind.SECRET_CLEARED].role == ActorRole.REVIEWER
    assert "手机号" in rows[EventKind.MASK_EXCEPTIONS].sentence
    assert rows[EventKind.MASK_EXCEPTIONS].reason == "便于群众联系核实"
    # The decisions come before the move they belong to.
    assert kinds(draft)[-3:] == [
        EventKind.SECRET_CLEARED,
        EventKind.MASK_EXCEPTIONS,
        EventKind.REVIEW,
    ]


def test_moves_record_the_role_the_table_required(people, draft):
    grant(people.clerk, draft.organization, Role.Kind.REVIEWER)  # clerk and reviewer at once
    workflow.submit(draft, actor=people.clerk)
    assert last(draft).role == ActorRole.CLERK  # submitting is the clerk's move
    workflow.review(draft, actor=people.clerk, checklist=CHECKLIST)
    assert last(draft).role == ActorRole.REVIEWER


def test_a_move_either_may_do_records_the_persons_own_role(people, draft):
    workflow.submit(draft, actor=people.clerk)
    workflow.review(draft, actor=people.reviewer, checklist=CHECKLIST)
    workflow.approve(draft, actor=people.reviewer)
    workflow.publish(draft, actor=people.reviewer)
    assert (last(draft).action, last(draft).role) == (EventKind.PUBLISH, ActorRole.REVIEWER)


def test_history_is_never_relabelled_when_roles_change(people, draft):
    workflow.submit(draft, actor=people.clerk)
    Role.objects.filter(user=people.clerk).delete()
    grant(people.clerk, draft.organization, Role.Kind.MEMBER)
    assert [e.role for e in draft.events.order_by("pk")] == [ActorRole.CLERK, ActorRole.CLERK]
    assert events.role_of(people.clerk, draft.organization) == ActorRole.MEMBER


def test_a_time_driven_move_is_the_systems(people, draft):
    disclosure = published(people, draft)
    assert disclosure.publish_from is not None
    force_state(disclosure, State.PUBLISHED, publicity_until=disclosure.publish_from)
    with workflow.clock(disclosure.publish_from + dt.timedelta(days=1)):
        workflow.end_publicity(disclosure)
    assert (last(disclosure).role, last(disclosure).actor) == (ActorRole.SYSTEM, None)


ROLE_OF = [
    ("clerk", ActorRole.CLERK),
    ("reviewer", ActorRole.REVIEWER),
    ("superior_reviewer", ActorRole.SUPERIOR),
    ("office", ActorRole.OFFICE),
    ("member", ActorRole.MEMBER),
    ("admin", ActorRole.ADMINISTRATOR),
    ("outsider", ActorRole.PUBLIC),
    ("supervisor", ActorRole.SUPERVISOR),
]


@pytest.mark.parametrize(("persona", "role"), ROLE_OF)
def test_role_of_names_the_capacity_at_the_organization(people, tree, persona, role):
    assert events.role_of(getattr(people, persona), tree.village) == role


def test_role_of_without_a_person_is_the_system(tree):
    assert events.role_of(None, tree.village) == ActorRole.SYSTEM
    assert events.role_of(AnonymousUser(), tree.village) == ActorRole.PUBLIC


def test_record_refuses_an_unknown_event_name(people, draft):
    with pytest.raises(ValueError):
        events.record(draft, "renamed_by_magic", actor=people.clerk)


@given(detail=st.dictionaries(st.sampled_from(["name", "kinds", "other"]), st.text(max_size=20)))
def test_every_sentence_reads_whatever_its_detail_holds(detail):
    for kind in EventKind:
        event = Event(action=kind, detail=detail, role=ActorRole.CLERK)
        sentence = event.sentence
        assert sentence and "%(" not in sentence


def test_every_event_name_has_a_sentence():
    assert set(events.SENTENCES) == set(EventKind.values)
    assert set(EventKind.values) >= events.PUBLIC_KINDS


def test_the_public_timeline_shows_public_events_by_role(people, draft):
    attachments.attach(draft, SimpleUploadedFile("照片.png", png()), actor=people.clerk)
    workflow.edit_draft(draft, actor=people.clerk, title=draft.title, body="<p>改</p>")
    disclosure = published(people, draft)
    workflow.correct(
        disclosure,
        actor=people.reviewer,
        reason="区号有误：13800000001",
        title=disclosure.title,
        body="<p>新</p>",
    )
    entries = reading.timeline(disclosure)
    assert [e.action for e in entries] == ["起草", "提交审核", "审核通过（含保密审查）", "批准", "发布", "发布更正"]  # fmt: skip
    assert [e.who for e in entries] == ["经办人", "经办人", "党组织审核", "党组织审核", "经办人", "党组织审核"]  # fmt: skip
    shown = " ".join(f"{e.action} {e.who} {e.reason}" for e in entries)
    assert "照片.png" not in shown and "李文书" not in shown
    assert "13800000001" not in shown and "区号有误" in shown  # the reason, masked


def test_the_console_audit_lists_every_event_with_name_role_and_sentence(people, draft):
    attachments.attach(draft, SimpleUploadedFile("照片.png", png()), actor=people.clerk)
    html = client_for(people.clerk).get(f"/console/disclosures/{draft.pk}/").content.decode()
    assert "上传附件“照片.png”" in html
    assert "李文书（经办人）" in html


def test_the_audit_names_the_role_alone_where_no_person_acted(people, renovation):
    workflow.submit(renovation, actor=people.clerk)
    workflow.open_consultation(renovation, actor=people.clerk, days=5)
    workflow.add_opinion(renovation, author="村民甲", text="纸面意见")  # entered by the clerk
    html = client_for(people.clerk).get(f"/console/disclosures/{renovation.pk}/").content.decode()
    assert "<td>经办人</td><td>收到一条意见</td>" in html


def _house_migration():  # type: ignore[no-untyped-def]
    """The data migration by its name's end: the coordinator may renumber it."""
    folder = Path(migrations_package.__file__).parent
    (path,) = folder.glob("*_house_events.py")
    return importlib.import_module(f"gongkai.disclosures.migrations.{path.stem}")


def test_the_migration_derives_the_roles_of_old_rows_and_backfills_missing_events(
    people, renovation
):
    attachments.attach(renovation, SimpleUploadedFile("图.png", png()), actor=people.clerk)
    workflow.submit(renovation, actor=people.clerk)
    workflow.open_consultation(renovation, actor=people.reviewer, days=5)
    opinion = workflow.add_opinion(renovation, author="王党员", text="建议", actor=people.member)
    workflow.handle_opinion(opinion, actor=people.reviewer, handling="已采纳")
    recorded = {
        e.pk: e.role
        for e in renovation.events.exclude(
            action__in=["opinion_received", "opinion_handled"]
        ).exclude(action="attachment_added")
    }
    # As the rows stood before roles were recorded: no role, no opinion or file events.
    renovation.events.filter(
        action__in=["opinion_received", "opinion_handled", "attachment_added"]
    ).delete()
    Event.objects.update(role="", role_derived=False)

    _house_migration().forwards(django_apps, None)

    derived = {e.pk: e.role for e in Event.objects.filter(pk__in=recorded)}
    assert derived == recorded
    assert all(Event.objects.values_list("role_derived", flat=True))
    backfilled = {
        e.action: e for e in renovation.events.filter(detail__backfilled=True).order_by("pk")
    }
    assert set(backfilled) == {"opinion_received", "opinion_handled", "attachment_added"}
    assert backfilled["opinion_handled"].role == ActorRole.REVIEWER
    assert backfilled["opinion_handled"].from_state == State.CONSULTATION
    assert backfilled["attachment_added"].sentence == "上传附件“图.png”"
