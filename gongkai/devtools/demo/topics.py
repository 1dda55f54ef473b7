"""The demo's topic requests (点题公开) at 东岭村党支部, with support from its members: one
turned into a local item of the village's catalog, one declined with a reason, one merged
into it, and two open (one of them well supported). Idempotent: nothing is made twice."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gongkai.accounts.models import User
from gongkai.catalog.models import Scope, Timing
from gongkai.organizations.models import Organization
from gongkai.topics import services
from gongkai.topics.models import TopicRequest
from gongkai.workdays import services as workdays


def _proposed(org: Organization, username: str, title: str, description: str) -> TopicRequest:
    return services.propose(
        org, actor=User.objects.get(username=username), title=title, description=description
    )


def _backdate(topic: TopicRequest, working_days_ago: int) -> None:
    """Say the topic was proposed some working days ago (its deadline counted from then)."""
    day, counted = timezone.localdate(), 0
    while counted < working_days_ago:
        day -= dt.timedelta(days=1)
        counted += _working(day)
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)))
    due = workdays.deadline(day, topic.answer_days)
    TopicRequest.objects.filter(pk=topic.pk).update(
        created_at=moment, due_date=due.date, due_provisional=due.provisional
    )
    topic.refresh_from_db()


def _working(day: dt.date) -> bool:
    description = workdays.describe(day)
    return bool(description and description.working)


def load_demo_topics(village: Organization) -> None:
    if TopicRequest.objects.filter(organization=village).exists():
        return
    members = [f"m-{village.code.lower()}-{n}" for n in range(1, 5)]
    people = {name: User.objects.get(username=name) for name in ["member", *members]}
    secretary = User.objects.get(username="reviewer")  # the branch secretary (principal)
    clerk = User.objects.get(username="clerk")

    economy = _proposed(
        village,
        "member",
        "村集体经济项目收益分配情况",
        "去年村里的光伏和林下种植项目收益如何分配？希望按季度在公开栏公开收支和分配明细。",
    )
    _backdate(economy, 12)
    for name in members[:3]:
        services.support(economy, actor=people[name])
    services.accept_as_item(
        economy,
        actor=secretary,
        answer="支部委员会研究同意，已将“村集体经济项目收益分配”列入本村党务公开目录，"
        "每发生一次分配即在公开栏和微信群公开。",
        echo_scope=Scope.PUBLIC,
        item_name="村集体经济项目收益分配",
        item_scope=Scope.PUBLIC,
        timing=Timing.EVENT,
    )

    same = _proposed(village, members[3], "光伏项目收益怎么用", "光伏电站的收益用在了哪些方面？")
    _backdate(same, 11)
    services.support(same, actor=people[members[0]])
    services.merge(
        same,
        actor=clerk,
        into=economy,
        answer="与“村集体经济项目收益分配情况”内容相同，合并办理。",
    )

    declined = _proposed(
        village,
        members[1],
        "公开每名党员的家庭收入",
        "想了解党员家庭收入情况。",
    )
    _backdate(declined, 9)
    services.support(declined, actor=people[members[2]])
    services.decline(
        declined,
        actor=clerk,
        reason="党员家庭收入属于个人信息，不属于党务公开内容，依规不予公开。"
        "如对党员廉洁情况有疑问，可向镇纪委反映。",
        echo_scope=Scope.PARTY,
    )

    dues = _proposed(
        village,
        members[0],
        "党费收缴和使用情况",
        "希望每半年公开一次党费收缴、使用和管理情况。",
    )
    _backdate(dues, 4)
    for name in ("member", members[1], members[2], members[3]):
        services.support(dues, actor=people[name])

    road = _proposed(village, members[2], "村道硬化工程的招标过程", "想了解施工单位是怎么选定的。")
    _backdate(road, 1)
    services.support(road, actor=people["member"])
