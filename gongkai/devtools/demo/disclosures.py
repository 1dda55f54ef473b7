"""Disclosures for the demo town, made through the real workflow so every state, event and
ledger entry is what the product itself would have written. Names and numbers are invented;
the ID numbers are synthetic (valid checksums, fictional people) so the masking shows."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from gongkai.accounts.models import User
from gongkai.catalog.effective import EffectiveItem
from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure
from gongkai.disclosures.scanning import id18_check_digit
from gongkai.organizations.models import Organization

BEIJING = ZoneInfo("Asia/Shanghai")
CHECKLIST = dict.fromkeys(workflow.SECRECY_CHECKLIST, True)
NAMES = [
    "王建国",
    "李秀英",
    "张志强",
    "刘桂兰",
    "陈海涛",
    "杨丽华",
    "黄春生",
    "赵玉梅",
    "周德明",
    "吴晓燕",
]


def _at(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=BEIJING)


def _find(org: Organization, local: str) -> tuple[Any, EffectiveItem]:
    from gongkai.catalog.effective import effective_catalog
    from gongkai.catalog.models import Catalog

    catalog = Catalog.objects.get(organization=org)
    for item in effective_catalog(catalog).items:
        if item.key.endswith("." + local):
            return catalog, item
    raise LookupError(local)


def _rows(item: EffectiveItem, rng: random.Random, count: int = 4) -> dict[str, Any]:
    form = item.value("form") or {}
    data: dict[str, Any] = {}

    def text_for(label: str, i: int) -> str:
        # Plausible by column: a project, a unit, or a person (invented names).
        if "单位" in label:
            return ["青石建筑有限公司", "云岭县监理站", "青石镇财政所"][i % 3]
        if "名称" in label or "项目" in label or "事项" in label:
            return ["村道硬化", "饮水安全改造", "党群服务中心维修"][i % 3]
        if "措施" in label or "情况" in label or "内容" in label or "备注" in label:
            return ["按计划完成", "已走访慰问", "持续跟进"][i % 3]
        return NAMES[(i + rng.randint(0, 9)) % len(NAMES)]

    samples = {
        "number": lambda i: rng.randint(1, 12),
        "money": lambda i: f"{rng.randint(2, 60) * 10}.00",
        "date": lambda i: f"2026-0{rng.randint(1, 6)}-1{rng.randint(0, 9)}",
        "month": lambda i: f"19{rng.randint(60, 99)}-0{rng.randint(1, 9)}",
        "boolean": lambda i: True,
    }

    def value(entry: dict[str, Any], i: int) -> Any:
        if entry.get("choices"):
            return entry["choices"][i % len(entry["choices"])]
        if entry["type"] in ("text", "longtext"):
            return text_for(entry["label"], i)
        return samples[entry["type"]](i)

    for field in form.get("fields", []):
        data[field["key"]] = value(field, 0)
    if form.get("columns"):
        data["rows"] = [{c["key"]: value(c, i) for c in form["columns"]} for i in range(count)]
    return data


def _person(username: str) -> User:
    return User.objects.get(username=username)


def _publish(
    d: Disclosure,
    clerk: User,
    reviewer: User,
    superior: User | None = None,
    publish_from: dt.datetime | None = None,
) -> Disclosure:
    workflow.submit(d, actor=clerk)
    workflow.review(d, actor=reviewer, checklist=CHECKLIST)
    if d.needs_superior_review:
        assert superior is not None
        workflow.superior_approve(d, actor=superior)
    else:
        workflow.approve(d, actor=reviewer)
    return workflow.publish(d, actor=clerk, publish_from=publish_from)


def _draft(
    org: Organization,
    clerk: User,
    local: str,
    title: str,
    rng: random.Random,
    body: str = "",
    **extra: Any,
) -> Disclosure:
    _catalog, item = _find(org, local)
    return workflow.create_disclosure(
        org,
        actor=clerk,
        item_key=item.key,
        title=title,
        body=body or f"<p>{title}。</p>",
        data=_rows(item, rng),
        **extra,
    )


def fake_id(rng: random.Random, born: dt.date) -> str:
    first17 = f"5301{rng.randint(10, 99)}{born:%Y%m%d}{rng.randint(100, 999)}"
    return first17 + id18_check_digit(first17)


def load_demo_disclosures(town: Organization, branches: list[Organization]) -> int:
    """Build the demo's history in time order: every flow runs on the workflow's simulated
    clock at its own date, so events, publication times and ledger entries agree and the
    ledger's times rise with its sequence."""
    if Disclosure.objects.exists():
        return 0
    rng = random.Random(2026)
    office, secretary, county = _person("office"), _person("superior"), _person("yl-reviewer")
    flows: list[tuple[dt.datetime, Any]] = []

    def at(when: dt.datetime) -> Any:
        def register(flow: Any) -> Any:
            flows.append((when, flow))
            return flow

        return register

    def people_of(branch: Organization) -> tuple[User, User]:
        if branch.code == "QS-01":
            return _person("clerk"), _person("reviewer")
        return _person(f"clerk-{branch.code.lower()}"), _person(f"sec-{branch.code.lower()}")

    # Every branch: the half-year dues table and the third quarter's 三会一课, published on time.
    for index, branch in enumerate(branches):
        clerk, reviewer = people_of(branch)

        def dues(
            branch: Organization = branch, clerk: User = clerk, reviewer: User = reviewer
        ) -> None:
            d = _draft(
                branch,
                clerk,
                "dues-paid",
                f"{branch.name[:-4]}党员2026年上半年党费缴纳情况",
                rng,
                period="2026年上半年",
            )
            _publish(d, clerk, reviewer)

        def meetings(
            branch: Organization = branch, clerk: User = clerk, reviewer: User = reviewer
        ) -> None:
            d = _draft(
                branch,
                clerk,
                "three-meetings-one-lesson",
                f"{branch.name[:-4]}2026年第三季度“三会一课”开展情况",
                rng,
                period="2026年第三季度",
            )
            _publish(d, clerk, reviewer)

        at(_at(2026, 7, 6 + index % 5, 9 + index % 8))(dues)
        at(_at(2026, 10, 12 + index % 4, 9 + index % 8))(meetings)

    # Scenario 4: the town renovates its building (major matter, consultation, county review,
    # party first): drafted and consulted from 20 October, published 2 November.
    state: dict[str, Disclosure] = {}

    @at(_at(2026, 10, 20))
    def renovation_consulted() -> None:
        d = _draft(
            town,
            office,
            "major-projects",
            "镇党委办公楼修缮改造方案（预算6.8万元）",
            rng,
            body="<p>拟对镇党委办公楼屋面防水、外墙及消防设施进行修缮，预算6.8万元，资金来源为镇级公用经费。</p>",
            period="2026年",
        )
        workflow.submit(d, actor=office)
        workflow.open_consultation(d, actor=office, days=5)
        for n in range(11):
            opinion = workflow.add_opinion(
                d,
                author=f"党员{NAMES[n % 10][0]}某",
                text=[
                    "建议公开三家比价结果",
                    "建议优先修缮消防设施",
                    "同意方案",
                    "建议邀请村务监督委员会参与验收",
                ][n % 4],
            )
            workflow.handle_opinion(
                opinion,
                actor=office,
                handling=["已在方案中补充比价结果", "已调整施工顺序", "已记录", "已纳入验收程序"][
                    n % 4
                ],
            )
        state["renovation"] = d

    @at(_at(2026, 11, 2))
    def renovation_published() -> None:
        d = state["renovation"]
        workflow.close_consultation(d, actor=office)
        workflow.review(d, actor=secretary, checklist=CHECKLIST)
        workflow.superior_approve(d, actor=county)
        workflow.publish(d, actor=office)

    # Scenario 5: approved on Friday morning, scheduled for 16:00 before National Day.
    @at(_at(2026, 9, 25, 10))
    def pre_appointment() -> None:
        d = _draft(
            town,
            office,
            "pre-appointment",
            "关于拟任东岭村党支部副书记人选的任前公示",
            rng,
            period="2026年9月",
        )
        state["appointment"] = _publish(
            d, office, secretary, superior=county, publish_from=_at(2026, 9, 25, 16)
        )

    @at(_at(2026, 10, 12, 8))
    def appointment_over() -> None:
        workflow.end_publicity(state["appointment"])  # what the daily job records

    # Scenario 3: a development candidate, publicised inside the party, then filed away.
    village = branches[0]

    @at(_at(2026, 9, 7))
    def recruitment() -> None:
        clerk, reviewer = people_of(village)
        d = _draft(
            village,
            clerk,
            "recruitment",
            "东岭村党支部拟确定发展对象公示",
            rng,
            period="2026年第二批",
        )
        state["recruitment"] = _publish(d, clerk, reviewer)

    @at(_at(2026, 9, 30, 17))
    def recruitment_filed() -> None:
        d = state["recruitment"]
        if d.publicity_until and d.publicity_until <= _at(2026, 9, 30, 17):
            workflow.end_publicity(d)
            workflow.archive(d, actor=people_of(village)[0])

    # Scenario 6: a hardship list pasted with ID and mobile numbers; masked, then withdrawn.
    community = branches[-1]

    @at(_at(2026, 9, 21))
    def hardship_list() -> None:
        clerk, reviewer = people_of(community)
        ids = [fake_id(rng, dt.date(1950 + i * 7, 3 + i, 10 + i)) for i in range(4)]
        full_width = ids[1].translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
        body = (
            f"<p>困难群众帮扶名单：王某 {ids[0]} 电话13987650001；李某 {full_width}；"
            f"张某 {ids[2][:6]} {ids[2][6:14]} {ids[2][14:]}；刘某 {ids[3]}，电话１３９８７６５０００４。</p>"
        )
        d = _draft(
            community,
            clerk,
            "hardship-support",
            "青石社区2026年困难群众帮扶慰问名单",
            rng,
            body=body,
            period="2026年中秋",
        )
        state["hardship"] = _publish(d, clerk, reviewer)

    @at(_at(2026, 9, 29, 9))
    def hardship_withdrawn() -> None:
        workflow.withdraw(
            state["hardship"],
            actor=people_of(community)[1],
            reason="一周公示期已满，按规定撤下名单；如有疑问请联系社区党支部。",
        )

    # A correction that stays visible.
    second = branches[1]

    @at(_at(2026, 3, 2))
    def duties() -> None:
        clerk, reviewer = people_of(second)
        d = _draft(
            second,
            clerk,
            "branch-committee-duties",
            "西岭村党支部委员职责分工及联系电话",
            rng,
            body="<p>书记：主持全面工作。联系电话0871-6123402。</p>",
        )
        state["duties"] = _publish(d, clerk, reviewer)

    @at(_at(2026, 4, 15))
    def duties_corrected() -> None:
        d = state["duties"]
        workflow.correct(
            d,
            actor=people_of(second)[1],
            reason="组织委员调整，更新分工",
            title=d.title,
            body="<p>书记：主持全面工作；组织委员：负责发展党员。联系电话0871-6123402。</p>",
        )

    # Standing town items.
    @at(_at(2026, 1, 5))
    def standing() -> None:
        for local, title in (
            ("team-duties", "镇党委领导班子成员分工及联系村（社区）情况"),
            ("report-channels", "镇纪委监督举报电话、信箱和网址"),
            ("decision-rules", "镇党委议事规则和决策程序"),
        ):
            _publish(_draft(town, office, local, title, rng), office, secretary)

    # Work in progress in every other state, this month.
    @at(_at(2026, 11, 16))
    def in_progress() -> None:
        for branch, title in zip(
            branches[2:5],
            (
                "南岗村2026年民主评议党员结果",
                "北坪村2026年民主评议党员结果",
                "石桥村2026年民主评议党员结果",
            ),
            strict=True,
        ):
            _draft(branch, people_of(branch)[0], "member-review", title, rng)  # drafts
        for branch in branches[5:7]:
            clerk, _reviewer = people_of(branch)
            workflow.submit(
                _draft(
                    branch,
                    clerk,
                    "posts-for-members",
                    f"{branch.name[:-4]}无职党员设岗定责情况",
                    rng,
                ),
                actor=clerk,
            )
        clerk, reviewer = people_of(branches[7])
        d = _draft(branches[7], clerk, "benefit-funds", "杏花村2026年第三季度惠民资金发放情况", rng)
        workflow.submit(d, actor=clerk)
        workflow.return_to_clerk(d, actor=reviewer, reason="请补充发放对象的户数和发放日期")
        clerk, reviewer = people_of(branches[8])
        d = _draft(branches[8], clerk, "member-pairing", "青山村党员结对帮扶情况", rng)
        workflow.submit(d, actor=clerk)
        workflow.review(d, actor=reviewer, checklist=CHECKLIST)  # reviewed, waiting for approval
        clerk, reviewer = people_of(village)
        d = _draft(
            village, clerk, "village-four-deliberations", "东岭村村道硬化项目“四议两公开”决议", rng
        )
        workflow.submit(d, actor=clerk)
        workflow.open_consultation(d, actor=clerk, days=5)
        workflow.add_opinion(
            d, author="村民代表", text="建议明确施工期间的通行安排"
        )  # consultation under way
        clerk, reviewer = people_of(branches[9])
        d = _draft(
            branches[9], clerk, "village-supervision", "白水村村务监督委员会第三季度监督情况", rng
        )
        workflow.submit(d, actor=clerk)
        workflow.review(d, actor=reviewer, checklist=CHECKLIST)
        workflow.approve(d, actor=reviewer)  # approved, waiting to be published
        clerk, reviewer = people_of(branches[10])
        d = _draft(
            branches[10],
            clerk,
            "village-collective-assets",
            "枫林村集体经济收益分配方案",
            rng,
            beyond_authority=True,
        )
        workflow.submit(d, actor=clerk)
        workflow.review(
            d, actor=reviewer, checklist=CHECKLIST
        )  # beyond its authority: with the town now

    for when, flow in sorted(flows, key=lambda pair: pair[0]):
        with workflow.clock(min(when, timezone.now())):
            flow()

    # Scheduled for next Monday 09:00, decided today: it appears on its own at that minute.
    clerk, reviewer = people_of(branches[11])
    today = timezone.localtime(timezone.now(), BEIJING).date()
    next_monday = today + dt.timedelta(days=7 - today.weekday())
    _publish(
        _draft(branches[11], clerk, "village-duty-roster", "竹园村干部坐班值班表", rng),
        clerk,
        reviewer,
        publish_from=dt.datetime.combine(next_monday, dt.time(9), tzinfo=BEIJING),
    )
    return Disclosure.objects.count()
