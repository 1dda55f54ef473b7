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
from gongkai.compliance import obligations
from gongkai.compliance.models import StagePlan
from gongkai.devtools.demo.year import Year
from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure, State
from gongkai.disclosures.scanning import id18_check_digit
from gongkai.organizations.models import Organization, Role

BEIJING = ZoneInfo("Asia/Shanghai")
CHECKLIST = dict.fromkeys(workflow.SECRECY_CHECKLIST, True)
NAMES = [
    "王建国",
    "李秀英",
    "张志强",
    "刘桂兰",
    "陈国华",
    "杨丽华",
    "黄春生",
    "赵玉梅",
    "周永福",
    "吴晓燕",
]
#: Men and women alternate in NAMES, so a table's 性别 column agrees with its 姓名 column.
GENDER = {name: "男" if n % 2 == 0 else "女" for n, name in enumerate(NAMES)}


#: Eleven opinions members gave on the renovation plan, and how each was handled.
RENOVATION_OPINIONS = [
    ("建议公开三家施工单位的比价结果", "已在方案中补充比价结果"),
    ("建议优先修缮消防设施，确保安全", "已调整施工顺序，消防设施先行"),
    ("同意方案，请注意节约开支", "已记录，将严格控制预算"),
    ("建议邀请村务监督委员会参与验收", "已纳入验收程序"),
    ("施工期间办事群众如何安排？", "施工期间便民服务窗口临时移至一楼东侧"),
    ("屋面防水建议选用质保十年以上的材料", "已写入采购要求"),
    ("建议公示资金来源和支付进度", "资金来源已在方案中说明，支付进度完工后公示"),
    ("外墙修缮是否可以推迟到明年", "外墙渗水影响档案室，经研究维持原计划"),
    ("建议避开农忙时节施工", "已将工期安排在11月至12月"),
    ("希望增设无障碍坡道", "已纳入本次修缮内容，预算内调剂解决"),
    ("建议完工后公开决算", "完工后将公开决算情况"),
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


#: Plausible values for a text column, by its label (every name and place is invented).
COLUMN_TEXT: dict[str, list[str]] = {
    "主题": [
        "学习贯彻党的二十届四中全会精神",
        "讨论村道硬化项目实施方案",
        "“我为群众办实事”主题党日志愿服务",
        "专题党课：发挥党员先锋模范作用",
    ],
    "主持人或授课人": ["{secretary}", "{secretary}", "{clerk}", "{secretary}"],
    "评议过程": [
        "召开支部党员大会，经个人自评、党员互评、群众代表测评和支委会综合评定，确定评议等次"
    ],
    "学历": ["高中", "大专", "初中", "本科"],
    "现任职务": ["东岭村党支部委员", "村委会副主任", "镇党政办干事", "村务监督委员会委员"],
    "拟任职务": ["东岭村党支部副书记"],
    "职务": ["村党支部书记", "村委会主任", "村务监督委员会主任", "村报账员"],
    "用途": ["购买党建学习资料", "慰问困难党员", "开展主题党日活动", "党员活动室维修"],
    "审批情况": ["经支委会研究同意", "经支部书记审批", "经支委会研究同意", "报镇党委备案"],
    "帮扶对象户": ["吴长顺户", "郑玉兰户", "孙大山户", "何秋菊户"],
    "帮扶措施": [
        "协调小额信贷发展养殖，每月走访一次",
        "联系县医院办理慢性病门诊，代办医保报销",
        "帮助申请助学金，定期辅导孩子功课",
        "介绍到镇农业合作社务工",
    ],
    "帮扶成效": [
        "养殖生猪12头，年增收约8000元",
        "医疗费用报销比例提高",
        "子女顺利升入高中",
        "实现稳定就业",
    ],
    "岗位名称": ["政策宣传岗", "环境卫生监督岗", "矛盾纠纷调解岗", "关爱留守老人岗"],
    "岗位职责": [
        "宣传惠民政策，每月入户不少于4次",
        "督促村组保洁，每周巡查2次",
        "调解邻里纠纷，及时向支部报告",
        "每周走访留守老人，登记困难诉求",
    ],
    "所在村（社区）": ["{place}"],
    "所在村（组）": ["{place}一组", "{place}三组", "{place}二组", "{place}四组"],
    "所在党组织或单位": ["东岭村党支部", "石桥村党支部", "青石社区党支部", "柳溪村党支部"],
    "帮扶事由": ["因病致困", "老党员生活困难", "因灾致困", "独居高龄老人"],
    "帮扶方式": ["走访慰问并发放慰问金", "发放慰问金", "送去米面油", "走访慰问并发放慰问金"],
    "资金项目": ["耕地地力保护补贴", "临时救助", "一事一议财政奖补", "耕地地力保护补贴"],
    "发放对象（户主）": ["吴长顺", "郑玉兰", "孙大山", "何秋菊"],
    "发放标准": ["每亩95元（8亩）", "每户800元", "每户1500元", "每亩95元（6亩）"],
    "意见反映联系方式": ["镇党委组织办，电话0871-6123456"],
    "处置结果": ["无", "无", "无", "无"],
    "备注": ["按时足额缴纳", "按时足额缴纳", "补交3月党费", "按时足额缴纳"],
    "拟推荐称号": ["优秀共产党员", "优秀党务工作者"],
    "主要事迹": ["带头发展特色种植，帮带10户群众增收", "坚持义务调解纠纷十余年"],
    "承建单位": ["青石建筑有限公司"],
    "项目名称": ["党群服务中心维修"],
    "实施进度": ["已完成招标，计划12月开工"],
    "党内职务或所设岗位": ["支部委员", "政策宣传岗", "环境卫生监督岗", "党小组长"],
    "联系困难户": ["吴长顺户", "郑玉兰户", "孙大山户", "何秋菊户"],
    "主要困难": ["因病致困", "缺少劳动力", "住房老旧", "子女上学负担重"],
    "联系帮扶内容": [
        "每月走访，协助办理医保报销",
        "帮助联系务工岗位",
        "协调危房改造补助",
        "帮助申请助学金",
    ],
}
#: Labels whose column holds people's names.
NAME_LABELS = ("姓名", "党员", "户主")


#: Date columns by label: (first, last) of the plausible range; others fall in `dates`.
DATE_RANGES = {
    "申请入党时间": (dt.date(2023, 3, 1), dt.date(2024, 6, 30)),
    "确定为入党积极分子时间": (dt.date(2024, 9, 1), dt.date(2025, 3, 31)),
    "接收为预备党员时间": (dt.date(2025, 6, 1), dt.date(2025, 9, 30)),
    "入党时间": (dt.date(1985, 1, 1), dt.date(2020, 12, 31)),
}
#: What each form's "benefit paid" amount is, matching COLUMN_TEXT["发放标准"].
BENEFIT_AMOUNTS = ["760.00", "800.00", "1500.00", "570.00"]


def _rows(
    item: EffectiveItem,
    rng: random.Random,
    count: int = 4,
    *,
    org: Organization | None = None,
    people: tuple[str, str] = ("", ""),
    dates: tuple[dt.date, dt.date] = (dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
) -> dict[str, Any]:
    """Structured data that reads like a real table: names only in name columns, values that
    fit each column and the organization (its villages, its secretary), dates in the period,
    genders that agree with the names, and totals that add up (dues, balances)."""
    form = item.value("form") or {}
    data: dict[str, Any] = {}
    names = rng.sample(NAMES, k=len(NAMES))
    place = _place(org) if org is not None else "青石镇"
    secretary, clerk = people

    def day(label: str) -> str:
        first, last = DATE_RANGES.get(label, dates)
        return (first + dt.timedelta(days=rng.randint(0, (last - first).days))).isoformat()

    def text(label: str, i: int) -> str:
        if label in COLUMN_TEXT:
            options = COLUMN_TEXT[label]
            value = options[i % len(options)]
            return value.format(place=place, secretary=secretary, clerk=clerk)
        if any(word in label for word in NAME_LABELS):
            return names[i % len(names)]
        return "按规定执行"

    def number(label: str) -> int:
        if "人数" in label or (label.endswith("数") and ("党员" in label or "代表" in label)):
            return rng.randint(15, 40)
        if "积分" in label:
            return rng.randint(60, 100)
        return rng.randint(1, 6)

    samples = {
        "number": lambda label, i: number(label),
        "money": lambda label, i: f"{rng.randint(2, 60) * 10}.00",
        "date": lambda label, i: day(label),
        "month": lambda label, i: f"19{rng.randint(70, 99)}-{rng.randint(1, 12):02d}",
        "boolean": lambda label, i: True,
    }

    def value(entry: dict[str, Any], i: int) -> Any:
        if entry.get("choices"):
            choices = entry["choices"]
            if "等次" in entry["label"]:  # most are rated in the middle, a few at the top
                return choices[0] if i % 3 == 0 else choices[1]
            if entry["label"] == "拟发展阶段" and "发展对象" in choices:
                return "发展对象"
            return choices[i % len(choices)]
        if entry["type"] in ("text", "longtext"):
            return text(entry["label"], i)
        return samples[entry["type"]](entry["label"], i)

    for field in form.get("fields", []):
        data[field["key"]] = value(field, 0)
    if form.get("columns"):
        data["rows"] = [{c["key"]: value(c, i) for c in form["columns"]} for i in range(count)]
    _make_columns_agree(form, data)
    return data


def _make_columns_agree(form: dict[str, Any], data: dict[str, Any]) -> None:
    """Columns that depend on each other agree: a gender on a name, rows of dated events in
    date order, an amount on its standard, dues paid are months × monthly dues and add up
    to the total, a balance is the opening balance plus income minus spending."""
    key_of = {e["label"]: e["key"] for e in [*form.get("fields", []), *form.get("columns", [])]}
    rows = data.get("rows", [])
    name, gender = key_of.get("姓名"), key_of.get("性别")
    if name and gender:
        for row in rows:
            row[gender] = GENDER.get(row[name], row[gender])
    when = key_of.get("日期")
    if when and rows:
        rows.sort(key=lambda row: row[when])
    standard, paid_out = key_of.get("发放标准"), key_of.get("发放金额")
    if standard and paid_out:
        for row in rows:
            row[paid_out] = BENEFIT_AMOUNTS[COLUMN_TEXT["发放标准"].index(row[standard])]
    months, monthly, paid = (key_of.get(k) for k in ("缴纳月数", "每月应交金额", "实交金额"))
    if months and monthly and paid:
        for n, row in enumerate(data.get("rows", [])):
            row[months] = 6
            row[monthly] = ["2.00", "5.00", "10.00", "3.00"][n % 4]
            row[paid] = f"{6 * float(row[monthly]):.2f}"
        if "合计金额" in key_of:
            data[key_of["合计金额"]] = f"{sum(float(r[paid]) for r in data['rows']):.2f}"
        if "应交党费党员人数" in key_of:
            data[key_of["应交党费党员人数"]] = len(data["rows"])
    opening, income, spent, closing = (
        key_of.get(k) for k in ("期初结余", "本期收入", "本期支出", "期末结余")
    )
    if opening and income and spent and closing:
        total = (
            sum(float(r[key_of["金额"]]) for r in data.get("rows", [])) if "金额" in key_of else 0
        )
        data[opening], data[income] = "3260.00", "1820.00"
        data[spent] = f"{total:.2f}"
        data[closing] = f"{3260 + 1820 - total:.2f}"


#: What a notice without a table says, by catalog item: the text matches the title.
BODIES = {
    "democratic-life-meeting": "<p>为开好镇党委领导班子2026年度民主生活会，现通过座谈、"
    "个别谈话和意见箱广泛征求意见。截至目前共收集意见建议14条，主要涉及联系服务群众、"
    "村级项目监管和会风文风等方面，班子成员将在会上逐条回应并制定整改措施。</p>",
    "team-duties": "<p>镇党委书记周建国：主持镇党委全面工作，联系东岭村、石桥村。"
    "镇党委副书记孙立平：负责党建和宣传工作，联系西岭村、南岗村、青石社区。"
    "镇纪委书记吴清廉：负责纪检监察工作，联系北坪村、柳溪村。"
    "组织委员郑组织：负责组织和人事工作，联系桃源村、杏花村。</p>",
    "report-channels": "<p>青石镇纪委受理党员和群众的监督举报。举报电话：0871-6123499；"
    "举报信箱：镇政府一楼大厅；网址：云岭县纪委监委网站“青石镇”栏目。"
    "来信来访时间：工作日上午8:30至12:00，下午14:30至18:00。</p>",
    "decision-rules": "<p>镇党委实行集体领导和个人分工负责相结合的制度。“三重一大”事项"
    "须经调查研究、征求意见、合法性审查后，提交镇党委会议集体讨论，按少数服从多数的原则"
    "表决；会议须有半数以上委员到会方能召开，讨论干部任免事项须有三分之二以上委员到会。</p>",
    "village-four-deliberations": "<p>经{place}党支部提议、村“两委”商议、党员大会审议，"
    "拟对{place}至南岗村3.2公里村道进行硬化，估算投资48万元，资金来源为一事一议财政奖补"
    "和村集体经济收入。提交村民代表会议决议前，现征求党员意见。</p>",
    "village-supervision": "<p>第三季度，{place}村务监督委员会列席村“两委”会议6次，"
    "审核村级财务票据87张、金额21.6万元，对村道维修工程验收进行了现场监督，"
    "提出意见建议3条，均已整改落实。</p>",
    "village-collective-assets": "<p>{place}2026年集体经济经营性收入38.5万元。"
    "拟提取公积公益金30%，用于村内基础设施维护；其余按股分配，每股分红120元，"
    "共1286股。本方案超出村党支部决定权限，报镇党委审核。</p>",
    "village-duty-roster": "<p>{place}村干部每个工作日轮流坐班，地点在村党群服务中心："
    "周一李春生、周二王桂兰、周三赵德明、周四吴长江、周五孙小红。"
    "值班电话：0871-6123412。</p>",
}


def _notice(org: Organization, title: str, has_table: bool, local: str = "") -> str:
    """A short notice whose words match its title."""
    if not has_table and local in BODIES:
        return BODIES[local].format(place=_place(org))
    table = "详见下表" if has_table else "具体内容如下"
    phone = org.supervision_phone or "0871-6123456"
    return (
        f"<p>根据党务公开目录要求，现将{title}予以公开，{table}。"
        f"公示期间如有意见或建议，请向{org.name}反映，监督电话：{phone}。</p>"
    )


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
    *,
    data: dict[str, Any] | None = None,
    rows: int = 4,
    dates: tuple[dt.date, dt.date] = (dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
    **extra: Any,
) -> Disclosure:
    _catalog, item = _find(org, local)
    if data is None:
        secretary = Role.objects.filter(organization=org, kind=Role.Kind.PRINCIPAL).first()
        data = _rows(
            item,
            rng,
            rows,
            org=org,
            people=(secretary.user.display_name if secretary else "", clerk.display_name),
            dates=dates,
        )
    return workflow.create_disclosure(
        org,
        actor=clerk,
        item_key=item.key,
        title=title,
        body=body or _notice(org, title, bool(data), local),
        data=data,
        **extra,
    )


def _place(branch: Organization) -> str:
    """东岭村党支部 → 东岭村, 青石社区党支部 → 青石社区."""
    return branch.name.removesuffix("党支部")


def fake_id(rng: random.Random, born: dt.date) -> str:
    first17 = f"5301{rng.randint(10, 99)}{born:%Y%m%d}{rng.randint(100, 999)}"
    return first17 + id18_check_digit(first17)


def load_demo_disclosures(town: Organization, branches: list[Organization]) -> int:
    """Build the demo's history in time order: the year of obligations (year.py) with the
    branches' routine publications, and the story's own flows at their dates, every move on
    the workflow's simulated clock, so events, publication times, obligation states and
    ledger entries agree and the ledger's times rise with its sequence."""
    if Disclosure.objects.exists():
        return 0
    rng = random.Random(2026)
    office, secretary, county = _person("office"), _person("superior"), _person("yl-reviewer")
    year = Year(town, branches, rng)
    at = year.at

    def people_of(branch: Organization) -> tuple[User, User]:
        clerk, reviewer, _superior = year.staff(branch)
        return clerk, reviewer

    state: dict[str, Any] = {}

    # Scenario 4: the town renovates its building (major matter, consultation, county review,
    # party first), a staged plan: the scheme is published in its first stage, the final
    # accounts are owed when the works are accepted.
    @at(_at(2026, 10, 20))
    def renovation_consulted() -> None:
        plan = StagePlan.objects.create(
            organization=town,
            item_key=_find(town, "major-projects")[1].key,
            title="镇党委办公楼修缮改造",
            stages=[
                {"name": "方案公示", "date": "2026-10-28"},
                {"name": "竣工验收和决算公开", "date": "2027-01-15"},
            ],
            created_by=office,
            created_at=workflow.now(),
        )
        d = _draft(
            town,
            office,
            "major-projects",
            "镇党委办公楼修缮改造方案（预算6.8万元）",
            rng,
            data={
                "project": "镇党委办公楼屋面防水、外墙及消防设施修缮",
                "budget": "68000.00",
                "procurement_method": "询价",
                "contractor": "经三家比价后确定",
                "progress": "方案征求意见中，计划11月开工、12月底完工",
            },
            body="<p>拟对镇党委办公楼屋面防水、外墙及消防设施进行修缮，预算6.8万元，资金来源为镇级公用经费。</p>",
            period_key=f"P{plan.pk}-0",
        )
        workflow.submit(d, actor=office)
        workflow.open_consultation(d, actor=office, days=5)
        for n, (text, handling) in enumerate(RENOVATION_OPINIONS):
            opinion = workflow.add_opinion(d, author=f"党员{NAMES[n % 10][0]}某", text=text)
            workflow.handle_opinion(opinion, actor=office, handling=handling)
        state["renovation"] = d

    @at(_at(2026, 11, 2))
    def renovation_published() -> None:
        d = state["renovation"]
        workflow.close_consultation(d, actor=office)
        workflow.review(d, actor=secretary, checklist=CHECKLIST)
        workflow.superior_approve(d, actor=county)
        workflow.publish(d, actor=office)

    # Scenario 5: the town committee settles a cadre appointment (a recorded event, which owes
    # its pre-appointment publicity within three working days); approved on Friday morning,
    # scheduled for 16:00 before National Day. The daily job ends the publicity.
    @at(_at(2026, 9, 24, 17))
    def appointment_decided() -> None:
        state["appointment_event"] = obligations.record_event(
            town,
            actor=office,
            item_key=_find(town, "pre-appointment")[1].key,
            title="镇党委会议研究确定东岭村党支部副书记拟任人选",
            happened_on=dt.date(2026, 9, 24),
        )

    @at(_at(2026, 9, 25, 10))
    def pre_appointment() -> None:
        d = _draft(
            town,
            office,
            "pre-appointment",
            "关于拟任东岭村党支部副书记人选的任前公示",
            rng,
            rows=1,
            period="2026年9月",
            period_key=f"E{state['appointment_event'].pk}",
        )
        state["appointment"] = _publish(
            d, office, secretary, superior=county, publish_from=_at(2026, 9, 25, 16)
        )

    # Scenario 3: a development candidate (a recorded recruitment step), publicised inside
    # the party, then filed away once the publicity is over.
    village = branches[0]

    @at(_at(2026, 9, 4, 16))
    def recruitment_step() -> None:
        clerk, _reviewer = people_of(village)
        state["recruitment_event"] = obligations.record_event(
            village,
            actor=clerk,
            item_key=_find(village, "recruitment")[1].key,
            title="支部委员会研究确定2026年第二批发展对象",
            happened_on=dt.date(2026, 9, 4),
        )

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
            period_key=f"E{state['recruitment_event'].pk}",
        )
        state["recruitment"] = _publish(d, clerk, reviewer)

    @at(_at(2026, 9, 30, 17))
    def recruitment_filed() -> None:
        d = Disclosure.objects.get(pk=state["recruitment"].pk)
        if d.state == State.PUBLICITY_ENDED:
            workflow.archive(d, actor=people_of(village)[0])

    # Scenario 6: a hardship list pasted with ID and mobile numbers; masked, then withdrawn
    # once its week was over. Published outside the catalog's obligations (a withdrawal
    # reopens the obligation a disclosure fulfils).
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

    # A standing item confirmed for the year, then corrected in a way that stays visible.
    second = branches[1]
    duties_key = year.claim(second, "branch-committee-duties", "S2026")

    @at(_at(2026, 1, 20))
    def duties() -> None:
        clerk, reviewer = people_of(second)
        d = _draft(
            second,
            clerk,
            "branch-committee-duties",
            "西岭村党支部委员职责分工及联系电话",
            rng,
            body="<p>书记：主持全面工作。联系电话0871-6123402。</p>",
            period_key=duties_key,
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

    # Work in progress in every other state, this month, for obligations still to come.
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
            _draft(
                branch, people_of(branch)[0], "member-review", title, rng, period_key="2026"
            )  # drafts
        for branch in branches[5:7]:
            clerk, _reviewer = people_of(branch)
            workflow.submit(
                _draft(
                    branch,
                    clerk,
                    "posts-for-members",
                    f"{_place(branch)}无职党员设岗定责情况（2026年下半年）",
                    rng,
                    period_key="2026-H2",
                ),
                actor=clerk,
            )
        clerk, reviewer = people_of(branches[7])
        d = _draft(
            branches[7],
            clerk,
            "benefit-funds",
            "杏花村2026年第四季度惠民资金发放情况",
            rng,
            dates=(dt.date(2026, 10, 1), dt.date(2026, 11, 13)),
            period_key="2026-Q4",
        )
        workflow.submit(d, actor=clerk)
        workflow.return_to_clerk(d, actor=reviewer, reason="请补充发放对象的户数和发放日期")
        clerk, reviewer = people_of(branches[8])
        d = _draft(
            branches[8],
            clerk,
            "member-pairing",
            "青山村党员结对帮扶情况（2026年下半年）",
            rng,
            period_key="2026-H2",
        )
        workflow.submit(d, actor=clerk)
        workflow.review(d, actor=reviewer, checklist=CHECKLIST)  # reviewed, waiting for approval
        # A change to a standing item (a recorded change owes its publication): approved,
        # waiting to be published.
        clerk, reviewer = people_of(branches[9])
        change = obligations.record_event(
            branches[9],
            actor=clerk,
            item_key=_find(branches[9], "village-power-list")[1].key,
            title="村级小微权力清单调整：新增村级小型工程项目管理事项",
            happened_on=dt.date(2026, 11, 13),
        )
        d = _draft(
            branches[9],
            clerk,
            "village-power-list",
            "白水村村级小微权力清单和运行流程图（2026年11月修订）",
            rng,
            period_key=f"C{change.pk}",
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

    # What the member of 东岭村 reads inside the party: the half year's reports.
    ideology_key = year.claim(village, "ideology-responsibility", "2026-H1")
    mobile_key = year.claim(village, "mobile-members", "2026-H1")

    @at(_at(2026, 7, 8, 15))
    def ideology() -> None:
        clerk, reviewer = people_of(village)
        d = _draft(
            village,
            clerk,
            "ideology-responsibility",
            "东岭村党支部2026年上半年意识形态工作责任制落实情况",
            rng,
            body="<p>上半年，支部召开专题会议4次，分析研判党员群众思想动态；"
            "组织党员收听收看专题辅导6次；村广播、宣传栏内容均经支部审核后发布，"
            "未发现错误思想言论传播情况。</p>",
            period_key=ideology_key,
        )
        _publish(d, clerk, reviewer)

    @at(_at(2026, 7, 9, 10))
    def mobile_members() -> None:
        clerk, reviewer = people_of(village)
        d = _draft(
            village,
            clerk,
            "mobile-members",
            "东岭村党支部流动党员管理和组织关系转接情况（2026年上半年）",
            rng,
            body="<p>本支部现有流动党员5名，均已纳入“口袋党支部”线上管理，每月按时参加线上"
            "组织生活。上半年转出党员组织关系1名（转至云岭县城区社区党委），转入1名。</p>",
            period_key=mobile_key,
        )
        _publish(d, clerk, reviewer)

    @at(_at(2026, 11, 18))
    def renewal_plan() -> None:
        # A town major matter: consulted, reviewed by the town, now with the county.
        d = _draft(
            town,
            office,
            "major-projects",
            "青石镇2027年村级公益事业建设项目安排（预算120万元）",
            rng,
            data={
                "project": "2027年村级公益事业建设项目（6个）",
                "budget": "1200000.00",
                "procurement_method": "公开招标",
                "contractor": "按项目分别招标确定",
                "progress": "方案已征求意见并经镇党委审核，待县委审批",
            },
            body="<p>2027年拟实施村级公益事业建设项目6个，总预算120万元，其中一事一议财政奖补"
            "80万元、镇级配套40万元，重点用于村道硬化、饮水安全和党群服务中心维修。</p>",
            period="2027年",
        )
        workflow.submit(d, actor=office)
        workflow.open_consultation(d, actor=office, days=5)
        for n, (text, handling) in enumerate(
            (
                ("建议优先安排南岗村饮水安全工程", "已调整为第一批实施"),
                ("党群服务中心维修能否与村道硬化同步招标", "按项目分别招标，便于验收"),
                ("请公开各村项目的测算依据", "已在方案附表中补充测算依据"),
            )
        ):
            opinion = workflow.add_opinion(d, author=f"党员{NAMES[n + 3][0]}某", text=text)
            workflow.handle_opinion(opinion, actor=office, handling=handling)
        state["renewal"] = d

    @at(_at(2026, 11, 27))
    def renewal_reviewed() -> None:
        d = state["renewal"]
        workflow.close_consultation(d, actor=office)
        workflow.review(d, actor=secretary, checklist=CHECKLIST)  # now the county's to approve

    @at(_at(2026, 11, 30))
    def office_draft() -> None:
        # For the office: a town draft to finish.
        _draft(
            town,
            office,
            "democratic-life-meeting",
            "镇党委领导班子2026年度民主生活会会前征求意见情况",
            rng,
            period="2026年度",
        )

    @at(_at(2026, 11, 23))
    def village_queue() -> None:
        clerk, reviewer = people_of(village)
        # For the reviewer: submitted this week.
        workflow.submit(
            _draft(
                village,
                clerk,
                "dues-use",
                "东岭村党支部2026年前三季度党费使用和管理情况",
                rng,
                dates=(dt.date(2026, 1, 5), dt.date(2026, 9, 30)),
                period="2026年前三季度",
            ),
            actor=clerk,
        )
        # For the clerk: returned with the reviewer's reason.
        d = _draft(
            village,
            clerk,
            "member-pairing",
            "东岭村党员结对帮扶情况（2026年下半年）",
            rng,
            period_key="2026-H2",
        )
        workflow.submit(d, actor=clerk)
        workflow.return_to_clerk(
            d, actor=reviewer, reason="请补充每户的帮扶成效和下一步措施，帮扶对象户主姓名请核对。"
        )

    year.run()

    # Out for consultation from today, whenever the demo is built: the member can still give
    # an opinion (the window closes at its minute, so a dated history would have closed it).
    clerk, reviewer = people_of(village)
    d = _draft(
        village, clerk, "village-four-deliberations", "东岭村村道硬化项目“四议两公开”决议", rng
    )
    workflow.submit(d, actor=clerk)
    workflow.open_consultation(d, actor=clerk, days=5)
    workflow.add_opinion(d, author="村民代表", text="建议明确施工期间的通行安排")

    # A new duty roster decided today (a recorded change of a standing item), scheduled for
    # next Monday 09:00: it appears on its own at that minute and fulfils its obligation.
    duty_branch = branches[11]
    clerk, reviewer = people_of(duty_branch)
    today = timezone.localtime(timezone.now(), BEIJING).date()
    change = obligations.record_event(
        duty_branch,
        actor=clerk,
        item_key=_find(duty_branch, "village-duty-roster")[1].key,
        title="村干部坐班值班安排调整",
        happened_on=today,
    )
    next_monday = today + dt.timedelta(days=7 - today.weekday())
    _publish(
        _draft(
            duty_branch,
            clerk,
            "village-duty-roster",
            "竹园村干部坐班值班表",
            rng,
            period_key=f"C{change.pk}",
        ),
        clerk,
        reviewer,
        publish_from=dt.datetime.combine(next_monday, dt.time(9), tzinfo=BEIJING),
    )
    # The daily job's run today, after the day's moves.
    obligations.daily(today)
    return Disclosure.objects.count()
