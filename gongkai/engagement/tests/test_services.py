"""The rules of opinions: submission (plain text, bounds, deadline, code), triage, assignment,
answer, publication (masked, in a scope), the one satisfaction vote, and the history."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.catalog.models import Scope
from gongkai.engagement import services
from gongkai.engagement.models import AnswerRule, Opinion, OpinionEvent, State
from gongkai.guard import tracking
from gongkai.guard.text import plain
from gongkai.notifications.models import Notification

from .conftest import ID_NUMBER, NAME, PHONE, send

pytestmark = pytest.mark.django_db


def test_submit_gives_code_deadline_history_and_tells_the_clerk(people, tree):
    opinion = send(tree.village, sender_name=NAME, sender_contact=PHONE)
    assert tracking.normalize(opinion.code_display) == opinion.tracking_code
    assert opinion.responsible == tree.village
    assert opinion.state == State.RECEIVED
    assert [e.kind for e in opinion.events.all()] == [OpinionEvent.Kind.SUBMITTED]
    told = Notification.objects.get(recipient=people.clerk, key=f"opinion:{opinion.pk}:received")
    assert opinion.code_display in told.body
    assert NAME not in told.body and PHONE not in told.body


def test_html_is_stripped_and_text_bounded(tree):
    opinion = send(tree.village, text="<script>alert(1)</script><b>路灯</b> 坏了 &amp; 没人修")
    assert opinion.text == "路灯 坏了 & 没人修"
    assert send(tree.village, text="1 < 2 & 3 > 2").text == "1 < 2 & 3 > 2"
    with pytest.raises(ValidationError) as caught:
        send(tree.village, text="长" * 2001)
    assert "2000" in str(caught.value)
    with pytest.raises(ValidationError):
        send(tree.village, text="a\x00b")
    with pytest.raises(ValidationError):
        send(tree.village, text="<p>  </p>")
    with pytest.raises(ValidationError):
        send(tree.village, kind="nonsense")


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_plain_never_raises_otherwise_and_never_keeps_a_tag(value):
    try:
        out = plain(value, max_length=300)
    except ValidationError:
        return
    assert "\x00" not in out
    assert len(out) <= 300
    assert out == out.strip()


def test_deadline_follows_the_organization_rule_or_its_superiors(tree):
    AnswerRule.objects.create(organization=tree.town, answer_days=5, escalate_after_days=2)
    assert services.rule_for(tree.village) == (5, 2)
    AnswerRule.objects.create(organization=tree.village, answer_days=15)
    assert services.rule_for(tree.village) == (15, 5)
    assert services.rule_for(tree.other_town) == (10, 5)


def test_triage_rules(people, tree):
    first = send(tree.village)
    again = send(tree.village)
    with pytest.raises(PermissionDenied):
        services.triage(again, actor=people.member, state=State.SPAM, reason="广告")
    with pytest.raises(PermissionDenied):
        services.triage(again, actor=people.superior_reviewer, state=State.SPAM, reason="x")
    with pytest.raises(ValidationError):
        services.triage(again, actor=people.clerk, state=State.SPAM, reason="")
    with pytest.raises(ValidationError):
        services.triage(again, actor=people.clerk, state=State.DUPLICATE, reason="同上")
    services.triage(
        again,
        actor=people.clerk,
        state=State.DUPLICATE,
        reason="与前一条相同",
        duplicate_of=first.code_display.lower(),
    )
    again.refresh_from_db()
    assert again.state == State.DUPLICATE and again.duplicate_of == first
    with pytest.raises(ValidationError):
        services.answer(again, actor=people.clerk, text="答复")
    # The town office reaches the village and handles its opinions too.
    services.triage(first, actor=people.office, state=State.VALID)
    assert Opinion.objects.get(pk=first.pk).state == State.VALID


def test_assign_answer_publish_rate(people, tree):
    opinion = send(
        tree.village,
        text=f"我是{NAME}，身份证{ID_NUMBER}，电话{PHONE}，党费表有误。",
        sender_name=NAME,
        sender_contact=PHONE,
        account=people.member,
    )
    assert ID_NUMBER not in opinion.masked_question and PHONE not in opinion.masked_question
    with pytest.raises(ValidationError):
        services.assign(opinion, actor=people.clerk, to=people.member)
    services.assign(opinion, actor=people.clerk, to=people.reviewer)
    assert Notification.objects.filter(recipient=people.reviewer).exists()
    with pytest.raises(ValidationError):
        services.publish(opinion, actor=people.clerk)
    with pytest.raises(ValidationError):
        services.rate(opinion, "satisfied")
    services.answer(opinion, actor=people.reviewer, text=f"已核对，{PHONE} 的来电已回复。")
    assert PHONE not in opinion.masked_answer
    assert Notification.objects.filter(
        recipient=people.member, key=f"opinion:{opinion.pk}:answered"
    ).exists()
    with pytest.raises(ValidationError):
        services.publish(opinion, actor=people.clerk, scope="everyone")
    services.publish(opinion, actor=people.clerk, scope=Scope.PUBLIC)
    assert list(services.echo_wall(tree.village, people.outsider)) == [opinion]
    services.rate(opinion, "satisfied")
    with pytest.raises(ValidationError):
        services.rate(opinion, "dissatisfied")
    opinion.refresh_from_db()
    assert opinion.rating == "satisfied"
    kinds = list(opinion.events.values_list("kind", flat=True))
    assert kinds == ["submitted", "assigned", "answered", "published", "rated"]


def test_echo_wall_scope_uses_the_visibility_rule(people, tree):
    opinion = send(tree.village)
    services.answer(opinion, actor=people.clerk, text="答复")
    services.publish(opinion, actor=people.clerk, scope=Scope.PARTY)
    from django.contrib.auth.models import AnonymousUser

    assert list(services.echo_wall(tree.village, AnonymousUser())) == []
    assert list(services.echo_wall(tree.village, people.outsider)) == []
    assert list(services.echo_wall(tree.village, people.member)) == [opinion]
    assert list(services.echo_wall(tree.sibling_village, people.member)) == []
    services.unpublish(opinion, actor=people.clerk)
    assert list(services.echo_wall(tree.village, people.member)) == []


def test_pass_on_to_a_unit_below_or_the_superior(people, tree):
    opinion = send(tree.town)
    with pytest.raises(ValidationError):
        services.pass_on(opinion, actor=people.office, to=tree.unrelated_village)
    services.pass_on(opinion, actor=people.office, to=tree.village, reason="属村级事务")
    opinion.refresh_from_db()
    assert opinion.responsible == tree.village and opinion.organization == tree.town
    assert Notification.objects.filter(recipient=people.clerk).exists()


def test_find_reads_what_people_type(tree):
    opinion = send(tree.village)
    typed = " " + opinion.code_display.lower().replace("0", "o") + " "
    assert services.find(typed) == opinion
    assert services.find("nonsense") is None
    assert services.find("x" * 1000) is None
