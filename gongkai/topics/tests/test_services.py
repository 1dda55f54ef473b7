"""The rules of topic requests: proposing (bounded plain text), support counting, the
answers (a local catalog item, a linked disclosure draft, declined, merged), masking and the
notifications each step sends."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from gongkai.catalog.effective import applicable_catalog
from gongkai.catalog.models import Catalog, Scope
from gongkai.disclosures.models import Disclosure
from gongkai.disclosures.states import State as DisclosureState
from gongkai.notifications.models import Notification
from gongkai.topics import echo, services
from gongkai.topics.models import Outcome, State, TopicRequest, TopicSettings, TopicSupport

from .conftest import item_key


def test_proposing_strips_html_and_counts_the_deadline(people, tree):
    topic = services.propose(
        tree.village,
        actor=people.member,
        title="<b>党费</b> &amp; 使用",
        description="<script>x</script>明细",
    )
    assert topic.title == "党费 & 使用"
    # The one cleaner of what people send (gongkai.guard.text) drops a script with its content.
    assert topic.description == "明细"
    assert topic.state == State.OPEN and topic.support_count == 0
    assert topic.answer_days == 15 and topic.due_date > topic.created_at.date()


def test_the_answer_days_are_the_organizations(people, tree):
    TopicSettings.objects.create(organization=tree.village, answer_days=5)
    topic = services.propose(tree.village, actor=people.member, title="公开党费")
    assert topic.answer_days == 5


@pytest.mark.parametrize(
    ("title", "description"),
    [("a\x00b", ""), ("x" * 101, ""), ("标题", "y" * 2001), ("", ""), ("<p></p>", "")],
)
def test_bad_input_is_refused_in_chinese(people, tree, title, description):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        services.propose(tree.village, actor=people.member, title=title, description=description)
    with translation.override("zh-hans"):
        message = " ".join(refused.value.messages)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    assert not TopicRequest.objects.exists()


def test_staff_hear_of_a_new_topic(people, tree, topic):
    told = Notification.objects.filter(key=f"topic:{topic.pk}:new")
    assert {n.recipient for n in told} == {people.clerk}


def test_support_and_unsupport_move_the_count(people, tree, topic, members):
    assert services.support(topic, actor=members[0])
    assert not services.support(topic, actor=members[0])  # once per person
    assert services.support(topic, actor=people.clerk)  # staff of the organization too
    topic.refresh_from_db()
    assert topic.support_count == 2
    assert services.unsupport(topic, actor=members[0])
    assert not services.unsupport(topic, actor=members[0])
    topic.refresh_from_db()
    assert topic.support_count == 1 == TopicSupport.objects.filter(topic=topic).count()


def test_the_proposer_does_not_support_their_own_topic(people, topic):
    with pytest.raises(ValidationError):
        services.support(topic, actor=people.member)


def test_support_thresholds_tell_the_staff(people, topic, members):
    for person in members[:3]:
        services.support(topic, actor=person)
    assert Notification.objects.filter(
        recipient=people.clerk, key=f"topic:{topic.pk}:support:3"
    ).exists()


def test_outsiders_neither_propose_nor_support(people, tree, topic):
    for person in (people.outsider, people.supervisor):
        with pytest.raises(PermissionDenied):
            services.propose(tree.village, actor=person, title="我也想问")
        with pytest.raises(PermissionDenied):
            services.support(topic, actor=person)


def test_accepting_as_an_item_adds_a_local_catalog_item(
    people, tree, village_catalog, topic, members
):
    services.support(topic, actor=members[0])
    services.accept_as_item(
        topic,
        actor=people.office,
        answer="已列入本村公开目录，每季度公开。",
        echo_scope=Scope.PUBLIC,
        item_name="村集体经济收支",
        item_scope=Scope.PUBLIC,
    )
    topic.refresh_from_db()
    assert topic.state == State.ANSWERED and topic.outcome == Outcome.CATALOG_ITEM
    catalog = Catalog.objects.get(organization=tree.village)
    item = applicable_catalog(tree.village).find(topic.item_key)
    assert item is not None and item.value("name") == "村集体经济收支"
    assert not item.inherited_by(catalog)  # a local addition of the village's own layer
    assert item.value("description").count("*") >= 4  # the phone number masked
    # the proposer and the supporter hear of it
    told = Notification.objects.filter(key=f"topic:{topic.pk}:answered")
    assert {n.recipient for n in told} == {people.member, members[0]}


def test_accepting_as_an_item_needs_the_catalog_editors(people, village_catalog, topic):
    with pytest.raises(PermissionDenied):
        services.accept_as_item(topic, actor=people.clerk, answer="好")


def test_accepting_as_a_disclosure_creates_a_linked_draft(people, tree, village_catalog, topic):
    services.accept_as_disclosure(
        topic,
        actor=people.clerk,
        answer="将于下月公开。",
        item_key=item_key(village_catalog, "dues"),
    )
    topic.refresh_from_db()
    assert topic.outcome == Outcome.DISCLOSURE
    disclosure = Disclosure.objects.get(pk=topic.disclosure_id)
    assert disclosure.state == DisclosureState.DRAFT
    assert disclosure.organization == tree.village
    assert list(TopicRequest.objects.filter(disclosure=disclosure)) == [topic]
    assert "13812345678" not in disclosure.body


def test_declining_needs_a_reason_and_cannot_happen_twice(people, topic):
    with pytest.raises(ValidationError):
        services.decline(topic, actor=people.clerk, reason="  ")
    services.decline(topic, actor=people.clerk, reason="涉及个人隐私，不宜公开。")
    with pytest.raises(ValidationError):
        services.decline(topic, actor=people.clerk, reason="再次")
    with pytest.raises(ValidationError):
        services.support(topic, actor=people.reviewer)


def test_only_the_handling_staff_answer(people, topic):
    for person in (people.member, people.supervisor, people.outsider, people.superior_reviewer):
        with pytest.raises(PermissionDenied):
            services.decline(topic, actor=person, reason="不")


def test_merging_moves_the_supporters(people, tree, topic, members):
    other = services.propose(tree.village, actor=members[0], title="集体经济")
    services.support(other, actor=members[1])
    services.support(other, actor=members[2])
    services.support(topic, actor=members[1])
    services.merge(other, actor=people.clerk, into=topic, answer="与另一题合并办理。")
    topic.refresh_from_db()
    other.refresh_from_db()
    assert other.outcome == Outcome.MERGED and other.merged_into == topic
    assert topic.support_count == 2 == topic.supports.count()
    with pytest.raises(ValidationError):
        services.merge(topic, actor=people.clerk, into=topic, answer="x")


def test_the_echo_wall_gets_answered_topics_in_scope_masked(people, tree, topic):
    services.decline(
        topic, actor=people.clerk, reason="请致电13812345678了解", echo_scope=Scope.PARTY
    )
    [entry] = echo.entries(tree.village, people.member)
    assert entry.kind == "topic" and "13812345678" not in entry.question + entry.answer
    assert entry.link == f"/o/QS-01/topics/{topic.pk}/"
    assert echo.entries(tree.village, people.outsider) == []
    TopicRequest.objects.filter(pk=topic.pk).update(echo_scope=Scope.PUBLIC)
    assert len(echo.entries(tree.village, None)) == 1


def test_open_topics_are_not_on_the_echo_wall(people, tree, topic):
    assert echo.entries(tree.village, people.member) == []
