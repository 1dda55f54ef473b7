"""Scenario 8 in the demo town: a resident asks the 东岭村 branch for the minutes of the meeting
that decided the building renovation; the branch sends the one-time notice to narrow the
request (the clock stops), receives the completed request (counting restarts), discloses the
decision part and refuses the personnel part with a reason and a legal basis that the town's
leading group confirms; the 答复书 is ready to download and the county sees the filing.
Two more requests keep the lists lively: one open and due soon, one referred.

Every step goes through gongkai.inforequests.services at its own date (the workflow clock is
moved, as the disclosures of the demo do), so the history reads like real history. Loading
twice changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gongkai.accounts.models import User
from gongkai.disclosures import clock
from gongkai.inforequests import services
from gongkai.inforequests.models import InformationRequest, Outcome, RefusalReason
from gongkai.organizations.models import Organization

from .disclosures import BEIJING

RESIDENT = services.Application(
    name="孙秀兰",
    id_number="530102198003154527",
    phone="13987654321",
    address="云岭县青石镇东岭村5组8号",
    description="请公开村党支部研究村委会办公楼修缮的会议记录。",
    purpose="了解办公楼修缮的决定过程",
    preferred_form="paper",
)


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=BEIJING)


def load_demo_requests(town: Organization, branches: list[Organization]) -> None:
    village = branches[0]
    if InformationRequest.objects.filter(
        organization=village, applicant_name=RESIDENT.name
    ).exists():
        return
    clerk = User.objects.get(username="clerk")
    superior = User.objects.get(username="superior")
    today = timezone.localtime(timezone.now(), BEIJING).date()
    received = today - dt.timedelta(days=70)
    with clock.clock(_at(received)):
        request = services.receive(village, RESIDENT)
    with clock.clock(_at(received + dt.timedelta(days=3))):
        request = services.request_supplement(
            request,
            actor=clerk,
            reason="支部当年召开了多次会议，请写明所需会议记录的大致时间或议题，以便查找。",
        )
    with clock.clock(_at(received + dt.timedelta(days=16))):
        request = services.receive_supplement(
            request,
            actor=clerk,
            note="申请人补正：所需为研究办公楼修缮方案的那次支部委员会会议记录。",
        )
    with clock.clock(_at(received + dt.timedelta(days=30))):
        request = services.decide(
            request,
            actor=clerk,
            decision=services.Decision(
                outcome=Outcome.PARTLY,
                reply_text=(
                    "公开该次会议记录中关于办公楼修缮的议题、讨论要点和表决结果（附后）；"
                    "会议记录中同时涉及的干部人事议题不予公开。"
                ),
                refusal_reason=RefusalReason.INTERNAL,
                legal_basis="《中国共产党党务公开条例（试行）》第十一条；《政府信息公开条例》第十六条第一款",
            ),
        )
    with clock.clock(_at(received + dt.timedelta(days=31))):
        services.confirm(request, actor=superior, note="镇党务公开领导小组审核同意。")

    # An open request at another village, due within days; and one referred to the town.
    other = branches[4]
    with clock.clock(_at(today - dt.timedelta(days=24))):
        services.receive(
            other,
            services.Application(
                name="马建国",
                phone="13712345678",
                description="请公开本村2026年上半年党费收缴和使用情况。",
            ),
        )
    with clock.clock(_at(today - dt.timedelta(days=12))):
        referred = services.receive(
            village,
            services.Application(
                name="何春生",
                address="云岭县青石镇东岭村2组",
                description="请公开镇里道路硬化工程的招标情况。",
            ),
        )
    with clock.clock(_at(today - dt.timedelta(days=10))):
        services.decide(
            referred,
            actor=clerk,
            decision=services.Decision(
                outcome=Outcome.REFERRED,
                referred_to=town,
                reply_text="该信息由镇党委、镇政府掌握，请向其申请。",
            ),
        )
