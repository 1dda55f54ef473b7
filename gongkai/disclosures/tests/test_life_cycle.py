"""A disclosure's life told as the scenarios tell it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gongkai.disclosures import workflow
from gongkai.disclosures.models import Revision, State
from gongkai.disclosures.visibility import published_content

from .conftest import CHECKLIST, item_key, published

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def renovation(people, tree, village_catalog):  # type: ignore[no-untyped-def]
    return workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "building"),
        title="村委会办公楼修缮方案",
        body="<p>预算6.8万元</p>",
    )


def test_a_major_matter_is_consulted_reviewed_sent_up_and_published_party_first(people, renovation):
    """Scenario 4, at village scale."""
    assert renovation.needs_superior_review and renovation.consultation_required
    workflow.submit(renovation, actor=people.clerk)
    with pytest.raises(ValidationError, match="须先征求意见"):
        workflow.review(renovation, actor=people.reviewer, checklist=CHECKLIST)
    workflow.open_consultation(renovation, actor=people.clerk, days=5)
    opinion = workflow.add_opinion(renovation, author="党员甲", text="建议公开比价")
    renovation.consultation_until = timezone.now() - dt.timedelta(minutes=1)
    renovation.save(update_fields=["consultation_until"])
    with pytest.raises(ValidationError, match="办理情况"):
        workflow.close_consultation(renovation, actor=people.clerk)
    workflow.handle_opinion(opinion, actor=people.clerk, handling="已补充三家比价")
    workflow.close_consultation(renovation, actor=people.clerk)

    moved = workflow.review(renovation, actor=people.reviewer, checklist=CHECKLIST)
    assert moved.state == State.SUPERIOR_REVIEW  # sent up on its own
    with pytest.raises(ValidationError, match="不能“批准”"):
        workflow.approve(renovation, actor=people.reviewer)
    with pytest.raises(PermissionDenied):
        workflow.superior_approve(renovation, actor=people.reviewer)  # not the superior
    workflow.superior_approve(renovation, actor=people.superior_reviewer)
    # Friday 2026-09-25 16:00: the public sees it three working days later (Wed 30th).
    friday = dt.datetime(2026, 9, 25, 16, 0, tzinfo=BEIJING)
    with workflow.clock(friday.replace(hour=10)):  # decided that morning, scheduled for 16:00
        done = workflow.publish(renovation, actor=people.clerk, publish_from=friday)
    assert done.state == State.PUBLISHED
    assert timezone.localtime(done.public_from, BEIJING) == dt.datetime(
        2026, 9, 30, 16, 0, tzinfo=BEIJING
    )
    # At least five working days on show, counted across National Day (Oct 1-7 off):
    # Sep 28, 29, 30, Oct 8, Oct 9 — so it ends when Oct 9 ends.
    assert timezone.localtime(done.publicity_until, BEIJING) == dt.datetime(
        2026, 10, 10, 0, 0, tzinfo=BEIJING
    )
    assert [(e.action, e.role) for e in done.events.order_by("pk")] == [
        ("create", "clerk"),
        ("submit", "clerk"),
        ("open_consultation", "clerk"),
        ("opinion_received", "clerk"),
        ("opinion_handled", "clerk"),
        ("close_consultation", "clerk"),
        ("review", "reviewer"),
        ("send_to_superior", "reviewer"),
        ("superior_approve", "superior"),
        ("publish", "clerk"),
    ]


def test_a_returned_draft_goes_back_to_the_clerk_with_the_reason(people, draft):
    workflow.submit(draft, actor=people.clerk)
    workflow.return_to_clerk(draft, actor=people.reviewer, reason="电话号码缺区号")
    assert draft.state == State.RETURNED
    assert draft.events.order_by("-pk").first().reason == "电话号码缺区号"
    workflow.edit_draft(draft, actor=people.clerk, title=draft.title, body="<p>0871-6123401</p>")
    workflow.submit(draft, actor=people.clerk)
    assert list(draft.revisions.values_list("number", flat=True)) == [1, 2]


def test_returning_needs_a_reason(people, draft):
    workflow.submit(draft, actor=people.clerk)
    with pytest.raises(ValidationError, match="理由"):
        workflow.return_to_clerk(draft, actor=people.reviewer, reason="  ")
    draft.refresh_from_db()
    assert draft.state == State.SUBMITTED


def test_a_secret_marking_blocks_the_item_until_a_reviewer_clears_it(people, draft):
    workflow.edit_draft(draft, actor=people.clerk, title=draft.title, body="<p>机密★ 会议纪要</p>")
    workflow.submit(draft, actor=people.clerk)  # the reviewer sees the finding
    with pytest.raises(ValidationError, match="密级标志"):
        workflow.review(draft, actor=people.reviewer, checklist=CHECKLIST)
    draft.refresh_from_db()
    assert draft.state == State.SUBMITTED
    reviewed = workflow.review(
        draft, actor=people.reviewer, checklist=CHECKLIST,
        secret_clearance="系引用的公开文件名称，经核实不涉密",
    )  # fmt: skip
    assert reviewed.state == State.REVIEWED and reviewed.secret_clearance


def test_the_review_refuses_an_unsigned_secrecy_checklist(people, draft):
    workflow.submit(draft, actor=people.clerk)
    with pytest.raises(ValidationError, match="保密审查清单"):
        workflow.review(
            draft, actor=people.reviewer, checklist={**CHECKLIST, "sources_checked": False}
        )


def test_the_reviewer_is_named_on_the_secrecy_review(people, draft):
    workflow.submit(draft, actor=people.clerk)
    reviewed = workflow.review(draft, actor=people.reviewer, checklist=CHECKLIST)
    assert reviewed.secrecy_reviewer == people.reviewer and reviewed.secrecy_reviewed_at


def test_personal_numbers_are_masked_in_what_is_published_unless_a_reason_was_recorded(
    people, draft
):
    workflow.edit_draft(
        draft,
        actor=people.clerk,
        title="困难户名单",
        body="<p>张三 110101199003074514 电话13800138000</p>",
        data={"rows": [{"id": "110101199003074514"}]},
    )
    workflow.submit(draft, actor=people.clerk)
    workflow.review(
        draft,
        actor=people.reviewer,
        checklist=CHECKLIST,
        mask_exceptions={"mobile": "便于群众联系核实"},
    )
    workflow.approve(draft, actor=people.reviewer)
    done = workflow.publish(draft, actor=people.clerk)
    assert done.published_revision is not None
    shown = published_content(done, done.published_revision)
    assert "110101199003074514" not in shown["body"] and "1101**********4514" in shown["body"]
    assert "13800138000" in shown["body"]  # the recorded exception
    assert shown["data"] == {"rows": [{"id": "1101**********4514"}]}


def test_a_correction_is_a_new_revision_with_its_reason_and_nothing_is_edited_in_place(
    people, draft
):
    done = published(people, draft)
    first = done.published_revision
    corrected = workflow.correct(
        done, actor=people.reviewer, reason="号码有误", title=done.title, body="<p>0871-6123409</p>"
    )
    assert corrected.published_revision.number == first.number + 1
    assert corrected.published_revision.note == "号码有误"
    assert Revision.objects.get(pk=first.pk).body == "<p>监督电话：0871-6123401</p>"
    with pytest.raises(ValidationError):
        workflow.edit_draft(corrected, actor=people.clerk, title="x", body="y")


def test_a_withdrawal_keeps_its_reason(people, draft):
    done = published(people, draft)
    withdrawn = workflow.withdraw(done, actor=people.reviewer, reason="公示期满，依规撤下")
    assert withdrawn.state == State.WITHDRAWN
    assert withdrawn.withdrawal_reason == "公示期满，依规撤下" and withdrawn.withdrawn_at


def test_the_publicity_period_ends_only_when_it_is_over(people, tree, village_catalog):
    disclosure = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "phones"),
        title="t",
    )
    done = published(people, disclosure)
    done.publicity_until = timezone.now() + dt.timedelta(days=1)
    done.save(update_fields=["publicity_until"])
    with pytest.raises(ValidationError, match="公示期至"):
        workflow.end_publicity(done)
    done.publicity_until = timezone.now() - dt.timedelta(seconds=1)
    done.save(update_fields=["publicity_until"])
    assert workflow.end_publicity(done).state == State.PUBLICITY_ENDED


def test_a_publication_cannot_be_backdated(people, draft):
    workflow.submit(draft, actor=people.clerk)
    workflow.review(draft, actor=people.reviewer, checklist=CHECKLIST)
    workflow.approve(draft, actor=people.reviewer)
    with pytest.raises(ValidationError, match="不能早于"):
        workflow.publish(
            draft, actor=people.clerk, publish_from=timezone.now() - dt.timedelta(days=3)
        )
    draft.refresh_from_db()
    assert draft.state == State.APPROVED


def test_the_simulated_clock_dates_events_publication_and_ledger_alike(people, draft):
    from gongkai.ledger.models import LogEntry

    then = dt.datetime(2026, 7, 6, 9, 0, tzinfo=BEIJING)
    with workflow.clock(then):
        done = published(people, draft)
    assert done.publish_from == then
    assert {e.at for e in done.events.exclude(action="create")} == {then}
    assert LogEntry.objects.get().at == then


def test_published_text_keeps_a_reviewed_exception_but_never_in_unreviewed_text(people, draft):
    from gongkai.disclosures.visibility import published_text

    draft.mask_exceptions = {"mobile": "便于群众联系"}
    assert published_text(draft, "电话13800138000") == "电话13800138000"
    assert published_text(draft, "电话13800138000", reviewed=False) == "电话138****8000"
    assert published_text(draft, "身份证110101199003074514") == "身份证1101**********4514"
