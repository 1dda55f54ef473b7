"""The demo's opinions and echo wall (Scenario 7): at the touch screen in the service hall a
villager asks why the dues table shows one member as unpaid; 东岭村党支部 answers within the
deadline, the answer is on the echo wall, and the villager, with the code from the receipt
slip, taps 满意. A few more opinions in other states: new, assigned, overdue (for
`gongkai remind`), a duplicate, spam, out of scope, and one the town answered to its members.

Dates are counted back from the day the demo is loaded, so the story is always recent and
the overdue one is overdue. Idempotent: nothing is made when opinions exist.
"""

from __future__ import annotations

import datetime as dt

from gongkai.accounts.models import User
from gongkai.catalog.models import Scope
from gongkai.compliance import obligations
from gongkai.devtools.demo.disclosures import BEIJING
from gongkai.disclosures.models import Disclosure
from gongkai.engagement import services
from gongkai.engagement.models import Opinion
from gongkai.organizations.models import Organization


def _moment(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BEIJING)


def _dues_table(village: Organization) -> Disclosure | None:
    """The village's latest published disclosure about party dues, if the demo holds one."""
    return (
        Disclosure.objects.filter(organization=village, title__contains="党费", state="published")
        .order_by("-publish_from")
        .first()
    )


def load_demo_opinions(town: Organization, branches: list[Organization]) -> int:
    if Opinion.objects.exists():
        return 0
    today = obligations.today()
    village = branches[0]
    clerk = User.objects.get(username="clerk")
    secretary = User.objects.get(username="reviewer")
    office = User.objects.get(username="office")
    member = User.objects.get(username="member")
    made = 0

    # Scenario 7: the kiosk, the dues table, answered in time, on the echo wall, 满意.
    asked = today - dt.timedelta(days=21)
    question = services.submit(
        village,
        kind="report",
        channel="kiosk",
        text=(
            "党费收缴情况表上写着第三党小组的刘春生同志本季度未缴，可他说早就交了，"
            "是不是表格登记错了？请支部核实一下。"
        ),
        sender_contact="13800138021",
        disclosure=_dues_table(village),
        now=_moment(asked, 10, 5),
    )
    services.assign(question, actor=clerk, to=secretary, now=_moment(asked + dt.timedelta(1), 9))
    services.answer(
        question,
        actor=secretary,
        text=(
            "经核对收缴记录，刘春生同志已于本季度第二个月按时足额缴纳党费，表格登记时漏记。"
            "支部已更正党费收缴情况表并重新公布，感谢您的监督。"
        ),
        now=_moment(asked + dt.timedelta(4), 16, 30),
    )
    services.publish(
        question, actor=secretary, scope=Scope.PUBLIC, now=_moment(asked + dt.timedelta(4), 16, 40)
    )
    services.rate(question, "satisfied", now=_moment(asked + dt.timedelta(6), 9, 20))
    made += 1

    # The same question again, on paper from the opinion box: a duplicate.
    again = services.submit(
        village,
        kind="report",
        channel="paper",
        text="党费表上第三党小组有人显示未缴，请核实。",
        now=_moment(asked + dt.timedelta(1), 8, 30),
    )
    services.triage(
        again,
        actor=clerk,
        state="duplicate",
        reason="与触摸屏收到的留言为同一事项，合并办理。",
        duplicate_of=question.tracking_code,
        now=_moment(asked + dt.timedelta(1), 9, 10),
    )
    made += 1

    # A member's suggestion from the portal, accepted and assigned; still within its deadline.
    fresh = services.submit(
        village,
        kind="suggestion",
        channel="portal",
        text="建议在村务公开栏旁边加装照明，晚上也能看清公开内容。",
        account=member,
        sender_name="王党员",
        now=_moment(today - dt.timedelta(days=2), 20, 15),
    )
    services.assign(fresh, actor=clerk, to=clerk, now=_moment(today - dt.timedelta(days=1), 9))
    made += 1

    # An inquiry nobody has answered: overdue, so `gongkai remind` reminds and escalates.
    services.submit(
        village,
        kind="inquiry",
        channel="api",
        text="村集体土地流转的租金什么时候分配？分配方案会公开吗？",
        sender_name="陈秀英",
        sender_contact="13800138055",
        now=_moment(today - dt.timedelta(days=30), 11),
    )
    made += 1

    # Spam at a sibling village; out of scope at another.
    sibling = branches[1]
    sibling_clerk = User.objects.get(username=f"clerk-{sibling.code.lower()}")
    junk = services.submit(
        sibling,
        kind="suggestion",
        channel="portal",
        text="低价代办各类证件，联系微信 abc123。",
        now=_moment(today - dt.timedelta(days=10), 3, 12),
    )
    services.triage(junk, actor=sibling_clerk, state="spam", reason="广告信息，与党务公开无关。")
    made += 1
    far = branches[4]
    far_clerk = User.objects.get(username=f"clerk-{far.code.lower()}")
    outside = services.submit(
        far,
        kind="report",
        channel="kiosk",
        text="村口的路灯坏了好几天了。",
        now=_moment(today - dt.timedelta(days=8), 19),
    )
    services.triage(
        outside,
        actor=far_clerk,
        state="out_of_scope",
        reason="属于村委会公共设施维护事项，已转告村委会办理，村委会电话0871-6123405。",
    )
    made += 1

    # The town answers a member's suggestion to its members (inside the party), 基本满意.
    town_asked = today - dt.timedelta(days=15)
    study = services.submit(
        town,
        kind="suggestion",
        channel="portal",
        text="建议镇党委把“三会一课”的学习材料提前一周公开，方便党员预习。",
        account=member,
        now=_moment(town_asked, 9, 40),
    )
    services.answer(
        study,
        actor=office,
        text="采纳。自下月起，学习材料在组织生活会前一周通过党内公开栏和网站发布。",
        now=_moment(town_asked + dt.timedelta(3), 15),
    )
    services.publish(
        study, actor=office, scope=Scope.PARTY, now=_moment(town_asked + dt.timedelta(3), 15, 10)
    )
    services.rate(study, "basically", now=_moment(town_asked + dt.timedelta(5), 10))
    made += 1
    return made
