"""The moves of a request at frozen times: clock stops, extension and confirmation across 国庆
2026 and 春节 2027, the refusals of moves out of turn, and who hears of what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongkai import permissions
from gongkai.compliance import reminders
from gongkai.inforequests import services
from gongkai.inforequests.models import InformationRequestPolicy, Outcome, RefusalReason, State
from gongkai.notifications.models import Notification

from .conftest import application, on

D = dt.date
pytestmark = pytest.mark.django_db


def _receive(tree, day, **extra):
    with on(day):
        return services.receive(tree.village, application(**extra))


def test_receipt_sets_the_deadline_and_tells_the_village_staff(
    tree, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        r = _receive(tree, D(2026, 9, 21))
    assert r.due_on == D(2026, 10, 26)
    assert r.state == State.HANDLING
    told = Notification.objects.filter(key=f"inforequest:{r.pk}:received")
    assert {n.recipient for n in told} == {people.clerk}
    # Notices never name the applicant (they may travel by SMS).
    assert all("周申请" not in n.subject + n.body for n in told)


def test_supplement_extension_and_third_party_across_national_day(tree, people):
    r = _receive(tree, D(2026, 9, 21))
    with on(D(2026, 9, 28)):
        r = services.request_supplement(r, actor=people.clerk, reason="请说明会议的大致时间")
    assert r.state == State.SUPPLEMENT and r.due_on is None
    with on(D(2026, 10, 9)):
        r = services.receive_supplement(r, actor=people.clerk)
    assert r.due_on == D(2026, 11, 5)
    with on(D(2026, 10, 12)):
        r = services.ask_third_party(
            r, actor=people.clerk, third_party="施工单位", reason="涉及合同"
        )
    with on(D(2026, 10, 16)):
        r = services.third_party_answered(r, actor=people.clerk)
    # Oct 13–16 (four working days) were not counted.
    assert r.due_on == D(2026, 11, 11)
    with on(D(2026, 11, 2)):
        r = services.extend(r, actor=people.clerk, days=20, reason="材料需逐页审查")
    assert r.due_on == D(2026, 12, 9)
    assert services.status(r, D(2026, 12, 10)).overdue


def test_the_notice_to_complete_is_refused_after_seven_working_days(tree, people):
    r = _receive(tree, D(2026, 9, 21))
    with on(D(2026, 10, 9)), pytest.raises(ValidationError) as refused:
        services.request_supplement(r, actor=people.clerk, reason="请补充")
    assert "2026年10月8日" in refused.value.messages[0]


def test_only_one_notice_and_one_extension(tree, people):
    r = _receive(tree, D(2026, 9, 21))
    with on(D(2026, 9, 22)):
        r = services.request_supplement(r, actor=people.clerk, reason="请补充")
        r = services.receive_supplement(r, actor=people.clerk)
        with pytest.raises(ValidationError):
            services.request_supplement(r, actor=people.clerk, reason="再补充")
        r = services.extend(r, actor=people.clerk, days=5, reason="原因")
        with pytest.raises(ValidationError):
            services.extend(r, actor=people.clerk, days=5, reason="原因")
        with pytest.raises(ValidationError):
            services.extend(_receive(tree, D(2026, 9, 22)), actor=people.clerk, days=21, reason="x")


def test_an_organization_with_a_shorter_period(tree):
    InformationRequestPolicy.objects.create(organization=tree.village, answer_days=15)
    assert _receive(tree, D(2026, 9, 21)).due_on == D(2026, 10, 19)


def test_spring_festival_2027_with_the_administrators_table(tree, people, spring_2027):
    r = _receive(tree, D(2026, 12, 28))
    with on(D(2027, 1, 5)):
        r = services.request_supplement(r, actor=people.clerk, reason="请明确范围")
    with on(D(2027, 2, 3)):
        r = services.receive_supplement(r, actor=people.clerk)
    assert r.due_on == D(2027, 3, 9)
    with on(D(2027, 3, 1)):
        r = services.extend(r, actor=people.clerk, days=10, reason="需要调取档案")
    assert r.due_on == D(2027, 3, 23)


def test_without_the_2027_table_the_deadline_is_provisional(tree):
    r = _receive(tree, D(2027, 1, 25))
    assert r.due_on == D(2027, 2, 22)
    assert services.status(r, D(2027, 1, 25)).clock.provisional


def test_a_partial_refusal_waits_for_the_towns_leading_group(
    tree, people, django_capture_on_commit_callbacks
):
    r = _receive(tree, D(2026, 9, 21))
    decision = services.Decision(
        outcome=Outcome.PARTLY,
        reply_text="公开会议纪要中关于修缮的决定部分。",
        refusal_reason=RefusalReason.INTERNAL,
        legal_basis="《中国共产党党务公开条例（试行）》第十一条",
    )
    with on(D(2026, 10, 12)), django_capture_on_commit_callbacks(execute=True):
        r = services.decide(r, actor=people.clerk, decision=decision)
    assert r.state == State.CONFIRMATION and r.decided_on is None
    assert Notification.objects.filter(recipient=people.superior_reviewer).exists()
    with on(D(2026, 10, 13)):
        with pytest.raises(PermissionDenied):
            services.confirm(r, actor=people.reviewer)
        with pytest.raises(PermissionDenied):
            services.confirm(r, actor=people.clerk)
        r = services.confirm(r, actor=people.superior_reviewer, note="同意")
    assert r.state == State.ANSWERED and r.decided_on == D(2026, 10, 13)
    assert r.confirmed_by == people.superior_reviewer


def test_a_refusal_needs_reason_and_legal_basis(tree, people):
    r = _receive(tree, D(2026, 9, 21))
    with on(D(2026, 9, 22)), pytest.raises(ValidationError):
        services.decide(
            r, actor=people.clerk, decision=services.Decision(outcome=Outcome.NOT_DISCLOSED)
        )


def test_the_superior_may_return_a_refusal(tree, people):
    r = _receive(tree, D(2026, 9, 21))
    with on(D(2026, 9, 22)):
        r = services.decide(
            r,
            actor=people.clerk,
            decision=services.Decision(
                outcome=Outcome.NOT_DISCLOSED, refusal_reason="internal", legal_basis="条例"
            ),
        )
        r = services.return_refusal(r, actor=people.superior_reviewer, reason="应部分公开")
    assert r.state == State.HANDLING and r.outcome == ""


def test_a_referral_is_final_at_once(tree, people):
    r = _receive(tree, D(2026, 9, 21))
    with on(D(2026, 9, 22)):
        r = services.decide(
            r,
            actor=people.clerk,
            decision=services.Decision(outcome=Outcome.REFERRED, referred_to=tree.town),
        )
    assert r.state == State.ANSWERED and r.referred_to == tree.town


def test_outsiders_and_members_cannot_handle(tree, people):
    r = _receive(tree, D(2026, 9, 21))
    for person in (people.member, people.outsider, people.supervisor):
        with on(D(2026, 9, 22)), pytest.raises(PermissionDenied):
            services.request_supplement(r, actor=person, reason="x")


def test_nothing_happens_out_of_turn(tree, people):
    r = _receive(tree, D(2026, 9, 21))
    with on(D(2026, 9, 22)), pytest.raises(ValidationError):
        services.receive_supplement(r, actor=people.clerk)
    with on(D(2026, 9, 22)), pytest.raises(ValidationError):
        services.confirm(r, actor=people.superior_reviewer)


def test_the_daily_reminder_tells_staff_once_and_the_superior_when_overdue(tree, people):
    r = _receive(tree, D(2026, 9, 21))
    with on(D(2026, 10, 22)):
        first = reminders.run(D(2026, 10, 22))
        again = reminders.run(D(2026, 10, 22))
    hook = "gongkai.inforequests.notices.remind"
    assert first.hooks[hook] == 1 and again.hooks[hook] == 0
    with on(D(2026, 10, 27)):
        late = reminders.run(D(2026, 10, 27))
    assert late.hooks[hook] == 2  # the clerk, and the town's office
    overdue = Notification.objects.filter(key=f"inforequest:{r.pk}:overdue:2026-10-26")
    assert {n.recipient for n in overdue} == {people.clerk, people.office}


def test_bad_input_is_refused_in_chinese_never_stored(tree):
    for bad in (
        {"name": "周\x00"},
        {"description": "x" * 5000},
        {"phone": "", "address": "", "email": ""},
    ):
        with on(D(2026, 9, 21)), pytest.raises(ValidationError) as refused:
            services.receive(tree.village, application(**bad))
        assert refused.value.message_dict


def test_the_towns_office_reads_the_filing_but_does_not_handle_the_villages_request(tree, people):
    r = _receive(tree, D(2026, 9, 21))
    with on(D(2026, 9, 22)), pytest.raises(PermissionDenied):
        services.request_supplement(r, actor=people.office, reason="x")
    assert permissions.can_see_applicant(people.office, tree.village)
    assert not permissions.can_see_applicant(people.office, tree.unrelated_village)


def test_what_the_applicant_typed_is_stored_as_plain_text(tree, people):
    with on(dt.date(2026, 9, 21)):
        request = services.receive(
            tree.village,
            application(description="<b>会议纪要</b><script>alert(1)</script> &amp; 附件"),
        )
    assert request.description == "会议纪要 & 附件"
    with on(dt.date(2026, 9, 21)), pytest.raises(ValidationError) as refused:
        services.receive(tree.village, application(description="纪要\x00"))
    assert any("\u4e00" <= c <= "\u9fff" for c in " ".join(refused.value.messages))
