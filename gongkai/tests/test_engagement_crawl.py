"""Issue 9's planted crawler: what the public and members send, and what only some may read,
is planted through every engagement app at once (an opinion, an information request, topic
requests, a supervision finding, accountability records), then an anonymous reader follows
every link, feed and API address the site offers (gongkai.devtools.crawl) and finds none of
the senders' or applicant's identities, no unmasked number, nothing of the party-internal
answers or the leading group's record."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from gongkai.catalog.models import Scope
from gongkai.conftest import grant, make_user
from gongkai.devtools.crawl import crawl
from gongkai.engagement import services as opinions
from gongkai.guard import tracking
from gongkai.inforequests import services as requests
from gongkai.inforequests.models import Outcome, RefusalReason
from gongkai.organizations.models import Role
from gongkai.supervision import workflow as supervision
from gongkai.supervision.models import Category, Measure
from gongkai.supervision.scopes import RecordScope
from gongkai.topics import services as topics

pytestmark = pytest.mark.django_db
BEIJING = dt.timezone(dt.timedelta(hours=8))

#: Identities and numbers that must never reach the public, wherever they were typed.
SENDER = ("韩梅梅", "13912345678", "11010519491231002X")
APPLICANT = ("周申请", "13698765432", "110101199003077777", "东岭村3组12号")
NUMBERS_IN_TEXT = ("13587654321", "13712345670", "13812349876")
#: Texts that exist but only for members or the leading group.
INSIDE = ("只给党员看的答复", "只给领导班子看的问责事实", "党员内部的点题答复")


def _plant(tree: Any, people: Any) -> dict[str, str]:
    discipline = make_user("discipline", "吴清廉")
    grant(discipline, tree.town, Role.Kind.DISCIPLINE_SECRETARY)
    shown = opinions.submit(
        tree.village,
        kind="report",
        text=f"党费表有误，请回电{NUMBERS_IN_TEXT[0]}，我是{SENDER[0]}",
        channel="kiosk",
        sender_name=SENDER[0],
        sender_contact=f"{SENDER[1]} {SENDER[2]}",
    )
    opinions.answer(shown, actor=people.clerk, text="已核对并更正，公开答复可见")
    opinions.publish(shown, actor=people.clerk, scope=Scope.PUBLIC)
    inside = opinions.submit(tree.village, kind="inquiry", text="内部问题", channel="portal")
    opinions.answer(inside, actor=people.clerk, text=INSIDE[0])
    opinions.publish(inside, actor=people.clerk, scope=Scope.PARTY)

    asked = requests.receive(
        tree.village,
        requests.Application(
            name=APPLICANT[0],
            phone=APPLICANT[1],
            id_number=APPLICANT[2],
            address=APPLICANT[3],
            description=f"办公楼修缮会议纪要，联系{NUMBERS_IN_TEXT[1]}",
        ),
    )
    requests.decide(
        asked,
        actor=people.clerk,
        decision=requests.Decision(
            outcome=Outcome.PARTLY,
            reply_text=f"{APPLICANT[0]}：公开决定部分",
            refusal_reason=RefusalReason.INTERNAL,
            legal_basis="党务公开条例第十一条",
        ),
    )
    requests.confirm(asked, actor=people.superior_reviewer)

    public_topic = topics.propose(
        tree.village, actor=people.member, title=f"公开集体资产出租，电话{NUMBERS_IN_TEXT[2]}"
    )
    topics.decline(
        public_topic, actor=people.clerk, reason="已在村务公开栏公布", echo_scope=Scope.PUBLIC
    )
    party_topic = topics.propose(tree.village, actor=people.member, title="党费使用明细")
    topics.decline(party_topic, actor=people.clerk, reason=INSIDE[2], echo_scope=Scope.PARTY)

    finding = supervision.file_finding(
        tree.village,
        actor=people.supervisor,
        category=Category.FORM,
        description=f"公开栏仍是去年的党费表，联系人{SENDER[1]}",
    )
    supervision.rectify(finding, actor=people.clerk, text="已更换公开栏")
    supervision.confirm(finding, actor=people.supervisor)
    supervision.publish(finding, actor=people.supervisor, scope=Scope.PUBLIC)
    supervision.record_accountability(
        tree.village,
        actor=discipline,
        deciding=tree.town,
        person_name="钱某某",
        person_position="村支部书记",
        measure=Measure.REMINDER_TALK,
        facts=INSIDE[1],
        decision_date=dt.date(2026, 10, 20),
        scope=RecordScope.LEADING_GROUP,
        findings=[finding],
    )
    return {
        "opinion": tracking.display(shown.tracking_code),
        "request": tracking.display(asked.tracking_code),
    }


def test_an_anonymous_crawler_reaches_nothing_private(tree, people):
    with time_machine.travel(dt.datetime(2026, 10, 21, 10, tzinfo=BEIJING), tick=False):
        codes = _plant(tree, people)
        org = tree.village.code
        starts = [
            "/",
            f"/o/{org}/",
            f"/o/{tree.town.code}/",
            f"/o/{org}/echo/",
            f"/kiosk/{org}/",
            f"/kiosk/{org}/echo/",
            f"/o/{org}/supervision/",
            f"/o/{org}/topics/",
            f"/requests/track/?code={codes['request']}",
            f"/api/v1/opinions/track/{codes['opinion']}",
            f"/api/v1/organizations/{org}/echo",
            f"/api/v1/topics/?organization={org}",
            "/api/v1/accountability/",
            f"/api/v1/supervision/organizations/{org}/results",
            "/api/v1/disclosures/",
            "/assessments/",
        ]
        result = crawl(Client(), starts)
        tracked = Client().post("/track/", {"code": codes["opinion"]})
    result.pages["POST /track/"] = tracked.content.decode()
    assert len(result.pages) > 15
    # The crawl did reach the public answers (so finding nothing below means something).
    everything = "\n".join(result.pages.values())
    assert "已核对并更正，公开答复可见" in everything
    assert "已在村务公开栏公布" in everything
    assert "公开栏仍是去年的党费表" in everything
    forbidden = (*SENDER, *APPLICANT, *NUMBERS_IN_TEXT, *INSIDE, "钱某某")
    leaks = {needle: result.containing(needle) for needle in forbidden if result.containing(needle)}
    assert leaks == {}
