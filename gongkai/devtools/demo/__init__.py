"""The demo town: 青石镇 with 15 village branches and one community branch, under 云岭县.

Every name is invented. The demo plays the town's year of obligations from 1 January 2026 up
to the day it is loaded (year.py). Loading is idempotent: running it again changes nothing
that is already there, so `make setup` can run it on every start.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gongkai.accounts.models import User
from gongkai.catalog import exchange, services
from gongkai.catalog.builtin import builtin_templates
from gongkai.catalog.models import Catalog, Channel, Scope, Timing
from gongkai.devtools.demo.boards import load_demo_boards
from gongkai.devtools.demo.disclosures import BEIJING, load_demo_disclosures
from gongkai.devtools.demo.engagement import load_demo_opinions
from gongkai.devtools.demo.inforequests import load_demo_requests
from gongkai.devtools.demo.reporting import load_demo_reports
from gongkai.devtools.demo.supervision import load_demo_supervision
from gongkai.devtools.demo.topics import load_demo_topics
from gongkai.devtools.demo.year import adopt_catalogs_before_the_year
from gongkai.ledger import log as ledger
from gongkai.organizations.models import Organization, Role
from gongkai.organizations.services import create_organization

DEMO_PASSWORD = "gongkai-demo-2026"
#: When the demo town became a log root: before its first publication.
DEMO_LOG_CREATED = dt.datetime(2025, 12, 1, 9, tzinfo=BEIJING)

K = Organization.Kind
R = Role.Kind

VILLAGES = [
    ("QS-01", "东岭村党支部", True),
    ("QS-02", "西岭村党支部", False),
    ("QS-03", "南岗村党支部", False),
    ("QS-04", "北坪村党支部", False),
    ("QS-05", "石桥村党支部", True),
    ("QS-06", "柳溪村党支部", False),
    ("QS-07", "桃源村党支部", False),
    ("QS-08", "杏花村党支部", False),
    ("QS-09", "青山村党支部", False),
    ("QS-10", "白水村党支部", False),
    ("QS-11", "枫林村党支部", False),
    ("QS-12", "竹园村党支部", False),
    ("QS-13", "梨树村党支部", False),
    ("QS-14", "松坡村党支部", False),
    ("QS-15", "荷塘村党支部", False),
    ("QS-16", "青石社区党支部", False),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = [
    "建国",
    "秀英",
    "志强",
    "桂兰",
    "海涛",
    "丽华",
    "春生",
    "玉梅",
    "德明",
    "晓燕",
    "文华",
    "金凤",
    "永福",
    "红霞",
    "国庆",
    "淑珍",
    "明亮",
    "小红",
    "长江",
    "翠花",
    "宏伟",
    "雪梅",
    "振华",
    "春兰",
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    mobile: str
    #: Who this is, as `gongkai demo --accounts` prints it.
    persona: Promise
    #: What to try first after signing in; the demo data gives each of them something.
    try_first: Promise


#: The accounts `make demo` prints, one per persona (every password is DEMO_PASSWORD).
ACCOUNTS = [
    DemoAccount(
        "clerk",
        "李文书",
        "13900000001",
        _("Clerk of 东岭村党支部"),
        _(
            "To-do list, “Returned”: a draft with the reviewer's reason to fix and submit again; "
            "the opinions on the road-hardening resolution in consultation."
        ),
    ),
    DemoAccount(
        "reviewer",
        "张德明",
        "13900000002",
        _("Reviewer: secretary of 东岭村党支部"),
        _(
            "To-do list, “To review”: the party-dues report submitted this week; check its "
            "secrecy, then approve or return it."
        ),
    ),
    DemoAccount(
        "superior",
        "周建国",
        "13900000003",
        _("Superior reviewer: secretary of 青石镇党委"),
        _(
            "To-do list, “To review as the superior”: 枫林村's collective-income distribution "
            "plan, which goes beyond the branch's authority."
        ),
    ),
    DemoAccount(
        "yl-reviewer",
        "冯县审",
        "13900000021",
        _("County reviewer: 云岭县委 leading group, approves the town's major items"),
        _(
            "To-do list, “To review as the superior”: the town's 2027 village public-works "
            "plan (a major matter, consulted and reviewed by the town)."
        ),
    ),
    DemoAccount(
        "member",
        "王秀英",
        "13900000004",
        _("Member of 东岭村党支部"),
        _(
            "My organizations: the items 东岭村党支部 disclosed inside the party; give an "
            "opinion on the road-hardening resolution in consultation."
        ),
    ),
    DemoAccount(
        "supervisor",
        "刘正清",
        "13900000005",
        _("Supervisor of 青石镇党委 and every branch below it (supervision group of the pilots)"),
        _(
            "Supervision overview: the pilot villages' records (read only, every view logged), "
            "their overdue obligations, and the finding about 东岭村's board, rectified with a "
            "photo, confirmed and published."
        ),
    ),
    DemoAccount(
        "supervisor2",
        "何明镜",
        "13900000014",
        _("Supervisor of 青石镇党委, the second member of the pilots' supervision group"),
        _("Findings and rectification: the board finding you confirmed; file a new one."),
    ),
    DemoAccount(
        "qs-discipline",
        "吴清廉",
        "13900000011",
        _("Discipline secretary of 青石镇党委: decides accountability"),
        _(
            "Accountability records: record who is held responsible for an overdue "
            "obligation; the supervisors' view log of any branch."
        ),
    ),
    DemoAccount(
        "office",
        "陈海涛",
        "13900000006",
        _("Town leading-group office (also the town's clerk)"),
        _(
            "To-do list and the catalog: the town's drafts, the catalog pushed down to the "
            "16 branches, the organization tree."
        ),
    ),
    DemoAccount(
        "assessor",
        "考核评议员",
        "13900000023",
        _("Assessor: staff of the 云岭县委 leading-group office, assesses the towns' disclosure"),
        _(
            "The compliance figures of 青石镇党委 and its 16 branches: who published on time, "
            "桃源村 always late, 梨树村 overdue and escalated, 松坡村's exemption and 柳溪村's "
            "deferral."
        ),
    ),
    DemoAccount(
        "admin",
        "系统管理员",
        "13900000000",
        _("System administrator"),
        _("The system administration (/admin/): people, roles and the holiday calendar."),
    ),
]
#: Accounts with a role in the demo town; the administrator is made apart.
ROLE_USERNAMES = ("clerk", "reviewer", "superior", "member", "supervisor", "office", "assessor")

#: The demo password hashed once per load: a hundred demo people share it, and hashing it
#: for each of them (a deliberately slow hash) was most of the demo's loading time.
_hashed: dict[str, str] = {}


def _person(username: str, display_name: str, mobile: str | None = None) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(
            username=username, password=None, display_name=display_name, mobile=mobile
        )
        if "password" not in _hashed:
            _hashed["password"] = make_password(DEMO_PASSWORD)
        user.password = _hashed["password"]
        user.save(update_fields=["password"])
    return user


def _role(
    user: User, org: Organization, kind: str, title: str = "", reach: bool | None = None
) -> None:
    Role.objects.get_or_create(
        user=user,
        organization=org,
        kind=kind,
        defaults={
            "title": title,
            "reaches_subtree": Role.DEFAULT_REACH[kind] if reach is None else reach,
        },
    )


def _org(
    code: str, name: str, kind: str, parent: Organization | None, **extra: object
) -> Organization:
    existing = Organization.objects.filter(code=code).first()
    return existing or create_organization(parent=parent, code=code, name=name, kind=kind, **extra)


def _name(n: int) -> str:
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)]


@transaction.atomic
def load_demo() -> None:
    _hashed.clear()  # the hasher is a setting: hash once per load, with today's hasher
    county = _org(
        "YL",
        "云岭县委",
        K.COMMITTEE,
        None,
        address="云岭县人民路1号",
        supervision_phone="0871-6000000",
    )
    town = _org(
        "QS",
        "青石镇党委",
        K.COMMITTEE,
        county,
        setting=Organization.Setting.AGENCY,
        supervision_phone="0871-6123456",
        opinion_mailbox="镇政府一楼大厅意见箱；qsz-dwgk@example.cn",
        address="云岭县青石镇政府街8号",
        spokesperson="孙立平（镇党委副书记）",
        press_liaison="马晓燕（党政办）",
    )
    branches = [
        _org(
            code,
            name,
            K.BRANCH,
            town,
            is_pilot=pilot,
            setting=Organization.Setting.COMMUNITY
            if "社区" in name
            else Organization.Setting.VILLAGE,
            supervision_phone=f"0871-61234{index:02d}",
            address=f"青石镇{name.removesuffix('党支部')}{'居' if '社区' in name else '村'}委会",
        )
        for index, (code, name, pilot) in enumerate(VILLAGES, start=1)
    ]

    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User.objects.create_superuser(
            username="admin",
            password=DEMO_PASSWORD,
            display_name="系统管理员",
            mobile="13900000000",
        )
    people = {
        a.username: _person(a.username, a.display_name, a.mobile)
        for a in ACCOUNTS
        if a.username in ROLE_USERNAMES
    }
    village = branches[0]
    _role(people["clerk"], village, R.CLERK, "党务干事")
    _role(people["reviewer"], village, R.REVIEWER, "支部书记")
    _role(people["reviewer"], village, R.PRINCIPAL, "支部书记")
    _role(people["member"], village, R.MEMBER)
    # The town's leading group: the secretary leads, discipline, organization, publicity and
    # the party-government office sit in it; the office runs the day-to-day work.
    _role(people["superior"], town, R.REVIEWER, "镇党委书记、领导小组组长")
    _role(people["superior"], town, R.PRINCIPAL, "镇党委书记")
    _role(
        _person("qs-discipline", "吴清廉", "13900000011"),
        town,
        R.DISCIPLINE_SECRETARY,
        "镇纪委书记",
    )
    _role(_person("qs-organization", "郑组织", "13900000012"), town, R.REVIEWER, "组织委员")
    _role(_person("qs-publicity", "林宣", "13900000013"), town, R.REVIEWER, "宣传委员")
    _role(people["office"], town, R.OFFICE, "党政办主任、领导小组办公室")
    _role(people["office"], town, R.CLERK, "党政办")
    _role(people["supervisor"], town, R.SUPERVISOR, "党务公开监督员")
    _role(_person("supervisor2", "何明镜", "13900000014"), town, R.SUPERVISOR, "党务公开监督员")
    _role(
        _person("yl-reviewer", "冯县审", "13900000021"), county, R.REVIEWER, "县委党务公开领导小组"
    )
    _role(_person("yl-office", "曾县办", "13900000022"), county, R.OFFICE, "县委党务公开办公室")
    _role(people["assessor"], county, R.OFFICE, "县委党务公开办公室考核评议员")
    for index, branch in enumerate(branches):
        if branch == village:
            continue
        secretary = _person(f"sec-{branch.code.lower()}", _name(index * 3 + 1))
        _role(secretary, branch, R.REVIEWER, "支部书记")
        _role(secretary, branch, R.PRINCIPAL, "支部书记")
        _role(
            _person(f"clerk-{branch.code.lower()}", _name(index * 3 + 2)),
            branch,
            R.CLERK,
            "党务干事",
        )
    for index, branch in enumerate(branches):
        for n in range(4):
            member = _person(f"m-{branch.code.lower()}-{n + 1}", _name(100 + index * 4 + n))
            _role(member, branch, R.MEMBER)

    _load_catalogs(town, branches, people["office"])

    # The town is a log root of its own (as a province makes each county one): its entries
    # go to its log, and the county's log witnesses the town's signed heads.
    ledger.make_root(town, at=DEMO_LOG_CREATED)
    load_demo_disclosures(town, branches)
    ledger.witness()
    # Scenario 9: the supervisors' round of the pilot villages, a finding rectified.
    load_demo_supervision(town, branches)
    # The town's board for its villages (统一规格), and 东岭村's posting with a photo.
    load_demo_boards(town, village, people["office"], people["clerk"])
    # Scenario 10: the half-year summary ready to open, and the branches assessed.
    load_demo_reports(town, branches)
    # Scenario 7: a villager's opinion from the kiosk, answered on the echo wall and rated.
    load_demo_opinions(town, branches)
    # Issue 9: topic requests (点题公开) at 东岭村 with the members' support.
    load_demo_topics(village)
    # Scenario 8: an information request refused in part after a 补正, filed with the county.
    load_demo_requests(town, branches)


def _load_catalogs(town: Organization, branches: list[Organization], office: User) -> None:
    if Catalog.objects.filter(organization=town).exists():
        return
    template = builtin_templates()["town-seven-categories"]
    parsed = exchange.parse_yaml(template.read())
    assert not parsed.errors, parsed.errors
    catalog = services.create_catalog(
        town, actor=office, title=parsed.data["title"], source=template.source, inherit=False
    )
    services.load_catalog_data(catalog, actor=office, data=parsed.data)
    services.publish_catalog(catalog, actor=office, note="镇党务公开领导小组审定")
    services.push_down(catalog, actor=office)
    # The two pilot villages add two local items each (Scenario 1).
    for branch in (b for b in branches if b.is_pilot):
        layer = Catalog.objects.get(organization=branch)
        first_category = services.effective_catalog(layer, layer.draft_version).categories[0].key
        for name in ("村级集体经济项目进展", "村务监督委员会监督情况"):
            services.save_item(
                layer,
                actor=office,
                values={
                    "category_key": first_category,
                    "name": name,
                    "scope": Scope.PUBLIC,
                    "timing": Timing.PERIODIC,
                    "period": "quarterly",
                    "deadline_days": 10,
                    "deadline_basis": "period_end",
                    "channels": [Channel.BOARD, Channel.MEETING],
                    "responsible_unit": branch.name,
                },
            )
        services.publish_catalog(layer, actor=office, note="联系点增设本村事项")
    # Adopted before the year, so that 2026 owes its obligations from its first day.
    adopt_catalogs_before_the_year()
