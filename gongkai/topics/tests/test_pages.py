"""The members' and the console's pages of topic requests: masked text, the proposer never
named to members, refusals in Chinese (never a 500), the guard on proposing, the answer
actions."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from gongkai.catalog.effective import applicable_catalog
from gongkai.catalog.models import Scope
from gongkai.conftest import client_for
from gongkai.topics import services
from gongkai.topics.models import Outcome, TopicRequest

from .conftest import item_key

PHONE = "13812345678"


def test_members_see_the_list_masked_and_without_the_proposer(people, tree, topic, members):
    services.support(topic, actor=members[0])
    page = client_for(members[1]).get(f"/o/{tree.village.code}/topics/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "村集体经济收支情况" in html and "1 人附议" in html
    assert PHONE not in html
    assert people.member.display_name not in html and "党员于" in html
    assert "附议" in html


def test_the_detail_page_is_masked_and_anonymous_for_members(people, tree, topic, members):
    html = client_for(members[0]).get(services.member_link(topic)).content.decode()
    assert PHONE not in html and people.member.display_name not in html
    assert "1381****678" in html or "****" in html


def test_others_do_not_see_open_topics(people, tree, topic):
    assert client_for(people.outsider).get("/o/QS-01/topics/").status_code == 403
    assert client_for(people.outsider).get(services.member_link(topic)).status_code == 404
    assert Client().get("/o/QS-01/topics/").status_code == 302  # to sign in


def test_an_answer_in_public_scope_is_seen_by_anyone(people, tree, topic):
    services.decline(topic, actor=people.clerk, reason="已另行公开", echo_scope=Scope.PUBLIC)
    page = Client().get(services.member_link(topic))
    html = page.content.decode()
    assert page.status_code == 200 and "已另行公开" in html
    assert PHONE not in html and people.member.display_name not in html


def test_proposing_through_the_form(people, tree):
    client = client_for(people.member)
    assert client.get("/o/QS-01/topics/new").status_code == 200
    answer = client.post(
        "/o/QS-01/topics/new", {"title": "<i>公开</i>党费", "description": "请公开"}
    )
    topic = TopicRequest.objects.get()
    assert answer.status_code == 302 and answer["Location"] == services.member_link(topic)
    assert topic.title == "公开党费" and topic.proposer == people.member


@pytest.mark.parametrize(
    ("title", "description"),
    [("a\x00b", ""), ("标题", "说明\x00"), ("x" * 101, ""), ("标题", "y" * 2001), ("", "")],
)
def test_bad_input_keeps_the_form_and_says_why_in_chinese(people, tree, title, description):
    page = client_for(people.member).post(
        "/o/QS-01/topics/new", {"title": title, "description": description}
    )
    assert page.status_code == 400
    html = page.content.decode()
    [alert] = re.findall(r'role="alert">(.*?)</div>', html, re.S)
    assert re.search("[\u4e00-\u9fff]", alert), alert
    assert "nul character" not in alert.lower()
    assert not TopicRequest.objects.exists()


def test_proposing_is_rate_limited_keeping_what_was_typed(people, tree, settings):
    from gongkai.guard.limits import Limit

    settings.GUARD_LIMITS = {
        "topic": Limit(per_address=1, soft=1, per_organization=100, window_seconds=3600)
    }
    client = client_for(people.member)
    client.post("/o/QS-01/topics/new", {"title": "第一个"})
    refused = client.post("/o/QS-01/topics/new", {"title": "第二个点题内容"})
    assert refused.status_code == 429
    assert "第二个点题内容" in refused.content.decode()
    assert TopicRequest.objects.count() == 1


def test_support_and_take_back_with_the_button(people, tree, topic, members):
    client = client_for(members[0])
    client.post(f"/o/QS-01/topics/{topic.pk}/support", {"support": "1"})
    topic.refresh_from_db()
    assert topic.support_count == 1
    html = client.get(services.member_link(topic)).content.decode()
    assert "撤回附议" in html
    client.post(f"/o/QS-01/topics/{topic.pk}/support", {"support": "0"})
    topic.refresh_from_db()
    assert topic.support_count == 0


def test_the_proposer_gets_a_message_not_a_500_supporting_their_own(people, topic):
    answer = client_for(people.member).post(
        f"/o/QS-01/topics/{topic.pk}/support", {"support": "1"}, follow=True
    )
    assert answer.status_code == 200 and "本人提出" in answer.content.decode()


def test_the_console_lists_overdue_first_then_by_support(people, tree, members):
    import datetime as dt

    a = services.propose(tree.village, actor=people.member, title="甲")
    b = services.propose(tree.village, actor=people.member, title="乙")
    c = services.propose(tree.village, actor=people.member, title="丙")
    services.support(b, actor=members[0])
    TopicRequest.objects.filter(pk=c.pk).update(due_date=dt.date(2020, 1, 2))
    order = [t.pk for t in services.for_console(tree.village)]
    assert order == [c.pk, b.pk, a.pk]
    html = client_for(people.clerk).get("/console/topics/").content.decode()
    assert html.index("丙") < html.index("乙") < html.index("甲")
    assert people.member.display_name in html  # the handling staff see the proposer


def test_the_console_declines_and_the_member_sees_the_answer(people, tree, topic):
    clerk = client_for(people.clerk)
    assert clerk.get(services.console_link(topic)).status_code == 200
    answer = clerk.post(
        f"/console/topics/{topic.pk}/answer/decline",
        {"decline-answer": "涉及个人信息", "decline-echo_scope": "party"},
    )
    assert answer.status_code == 302
    topic.refresh_from_db()
    assert topic.outcome == Outcome.DECLINED
    html = client_for(people.member).get("/o/QS-01/topics/").content.decode()
    assert "涉及个人信息" in html and "不予采纳" in html


def test_the_console_accepts_as_an_item(people, tree, village_catalog, topic):
    office = client_for(people.office)
    office.post("/console/switch", {"org": "QS-01", "next": "/console/"})
    html = office.get(services.console_link(topic)).content.decode()
    assert "增设本级事项" in html
    category = services.item_categories(tree.village)[0][0]
    answer = office.post(
        f"/console/topics/{topic.pk}/answer/item",
        {
            "item-answer": "列入目录",
            "item-echo_scope": "public",
            "item-category_key": category,
            "item-item_name": "集体经济收支",
            "item-item_scope": "public",
            "item-timing": "event",
        },
    )
    assert answer.status_code == 302, answer.content.decode()
    topic.refresh_from_db()
    assert applicable_catalog(tree.village).find(topic.item_key).value("name") == "集体经济收支"


def test_the_console_accepts_as_a_disclosure(people, tree, village_catalog, topic):
    answer = client_for(people.clerk).post(
        f"/console/topics/{topic.pk}/answer/disclosure",
        {
            "disclosure-answer": "将予公开",
            "disclosure-echo_scope": "party",
            "disclosure-item_key": item_key(village_catalog, "dues"),
        },
    )
    assert answer.status_code == 302
    topic.refresh_from_db()
    assert topic.disclosure is not None and topic.disclosure.organization == tree.village


def test_bad_answers_are_refused_in_chinese(people, topic):
    page = client_for(people.clerk).post(
        f"/console/topics/{topic.pk}/answer/decline",
        {"decline-answer": "a\x00", "decline-echo_scope": "party"},
    )
    assert page.status_code == 400
    page = client_for(people.clerk).post(
        f"/console/topics/{topic.pk}/answer/decline",
        {"decline-answer": "x" * 2001, "decline-echo_scope": "nowhere"},
    )
    assert page.status_code == 400
    assert (
        client_for(people.clerk).post(f"/console/topics/{topic.pk}/answer/nothing").status_code
        == 404
    )


def test_members_cannot_answer(people, topic):
    answer = client_for(people.member).post(
        f"/console/topics/{topic.pk}/answer/decline",
        {"decline-answer": "不", "decline-echo_scope": "party"},
    )
    assert answer.status_code == 403


def test_the_organization_page_links_members_to_the_topics(people, tree):
    assert "/o/QS-01/topics/" in client_for(people.member).get("/o/QS-01/").content.decode()
    assert "/o/QS-01/topics/" not in Client().get("/o/QS-01/").content.decode()


def test_supervisors_read_topics_in_the_console_masked_and_without_the_proposer(people, topic):
    supervisor = client_for(people.supervisor)
    supervisor.post("/console/switch", {"org": "QS-01", "next": "/console/"})
    for url in ("/console/topics/", services.console_link(topic)):
        html = supervisor.get(url).content.decode()
        assert PHONE not in html and people.member.display_name not in html, url
    assert '<form method="post" action="/console/topics/' not in html  # no answer actions
    clerk_html = client_for(people.clerk).get(services.console_link(topic)).content.decode()
    assert PHONE in clerk_html and people.member.display_name in clerk_html
