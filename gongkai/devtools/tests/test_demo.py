"""The demo town matches Scenario 1 and loading it twice changes nothing."""

from io import StringIO

from django.core.management import call_command
from django.test import Client

from gongkai.accounts.models import User
from gongkai.catalog.effective import effective_catalog
from gongkai.catalog.models import Catalog
from gongkai.devtools.demo import ACCOUNTS, DEMO_PASSWORD, load_demo
from gongkai.devtools.demo.disclosures import NAME_LABELS, NAMES
from gongkai.organizations.models import Organization, Role


def test_the_demo_town_has_sixteen_branches_two_of_them_pilots(db):
    load_demo()
    town = Organization.objects.get(code="QS")
    branches = Organization.objects.subtree(town, include_self=False)
    assert branches.count() == 16
    assert sorted(branches.filter(is_pilot=True).values_list("name", flat=True)) == [
        "东岭村党支部",
        "石桥村党支部",
    ]
    assert town.spokesperson and town.press_liaison and town.supervision_phone
    assert Role.objects.filter(organization=town, kind=Role.Kind.SUPERVISOR).count() == 2
    for branch in branches:
        assert Role.objects.filter(organization=branch, kind=Role.Kind.MEMBER).count() >= 4


def test_every_branch_inherits_the_town_catalog_and_the_pilots_add_two_items(db):
    load_demo()
    town_catalog = Catalog.objects.get(organization__code="QS")
    town_items = {i.key for i in effective_catalog(town_catalog).items}
    assert len(town_items) == 64
    for layer in Catalog.objects.filter(parent=town_catalog).select_related("organization"):
        items = effective_catalog(layer).items
        local = [i for i in items if not i.inherited_by(layer)]
        assert {i.key for i in items} >= town_items
        assert len(local) == (2 if layer.organization.is_pilot else 0)
    assert Catalog.objects.filter(parent=town_catalog).count() == 16


def test_loading_the_demo_again_changes_nothing(db):
    load_demo()
    counts = (
        Organization.objects.count(),
        User.objects.count(),
        Role.objects.count(),
        Catalog.objects.count(),
    )
    load_demo()
    assert (
        Organization.objects.count(),
        User.objects.count(),
        Role.objects.count(),
        Catalog.objects.count(),
    ) == counts


def test_every_printed_demo_account_signs_in_with_the_demo_password(db, client):
    load_demo()
    for account in ACCOUNTS:
        user = User.objects.get(username=account.username)
        assert user.check_password(DEMO_PASSWORD)
        assert user.mobile == account.mobile


def test_the_demo_has_over_fifty_disclosures_in_every_state(db):
    from gongkai.disclosures.models import Disclosure, State

    load_demo()
    states = set(Disclosure.objects.values_list("state", flat=True))
    assert Disclosure.objects.count() >= 50
    assert states == set(State.values)


def test_the_demo_plays_the_scenarios(db):
    from gongkai.disclosures.models import Disclosure, State

    load_demo()
    renovation = Disclosure.objects.get(title__startswith="镇党委办公楼修缮")
    assert (
        renovation.state == State.PUBLISHED
        and renovation.opinions.filter(handled_at__isnull=False).count() == 11
    )
    assert [e.action for e in renovation.events.all()][-2:] == ["superior_approve", "publish"]
    assert renovation.public_from and renovation.publish_from
    assert renovation.public_from > renovation.publish_from  # party first
    withdrawn = Disclosure.objects.get(state=State.WITHDRAWN)
    assert "一周公示期已满" in withdrawn.withdrawal_reason
    corrected = Disclosure.objects.get(title__startswith="西岭村党支部委员职责分工")
    assert corrected.published_revision.note == "组织委员调整，更新分工"


def test_the_demo_history_runs_forward_in_time_and_its_ledger_verifies(db):
    from gongkai.ledger.models import Kind, LogEntry
    from gongkai.ledger.verification import verify

    load_demo()
    town = LogEntry.objects.filter(log__root__code="QS").order_by("index")
    times = list(town.values_list("at", flat=True))
    assert times == sorted(times) and len(times) >= 40
    # The town is a log root of its own, witnessed in the county's log.
    witness = LogEntry.objects.get(log__root__code="YL")
    assert witness.kind == Kind.WITNESS and f'"size":{len(times)}' in witness.document
    report = verify()
    assert report.ok, report.failure
    assert report.logs == {"QS": len(times), "YL": 1}


def test_the_renovation_page_shows_how_each_opinion_was_handled_without_names(db, client):
    from gongkai.disclosures.models import Disclosure

    load_demo()
    renovation = Disclosure.objects.get(title__startswith="镇党委办公楼修缮")
    html = client.get(f"/d/{renovation.pk}/").content.decode()
    assert "共 11 条意见" in html and "已在方案中补充比价结果" in html
    assert "党员王某" not in html


def test_every_account_is_printed_with_its_role_and_what_to_try_first(db):
    out = StringIO()
    call_command("demo", "--accounts", stdout=out)
    text = out.getvalue()
    for account in ACCOUNTS:
        assert f"用户名 {account.username}，手机号 {account.mobile}" in text
    assert "县级审核人" in text and "yl-reviewer" in text
    assert text.count("先试试：") == len(ACCOUNTS)
    assert "gongkai" not in text.replace("gongkai-demo-2026", "")


#: Where each demo persona starts, and a line that must be there: every one finds work or
#: something to read.
STARTS = {
    "clerk": ("/console/todo/", ["被退回的", "东岭村党员结对帮扶情况（2026年下半年）"]),
    "reviewer": ("/console/todo/", ["待审核", "东岭村党支部2026年前三季度党费使用和管理情况"]),
    "superior": ("/console/todo/", ["待上级审核", "枫林村集体经济收益分配方案"]),
    "yl-reviewer": ("/console/todo/", ["待上级审核", "青石镇2027年村级公益事业建设项目安排"]),
    "member": ("/me/", ["党内公开", "意识形态工作责任制落实情况", "流动党员管理", "村道硬化"]),
    "supervisor": ("/me/", ["您监督的党组织", "青石镇党委", "最近公开的内容"]),
    "office": ("/console/todo/", ["我的待办", "镇党委领导班子2026年度民主生活会会前征求意见情况"]),
    "admin": ("/console/", ["系统管理员"]),
}


def test_every_demo_persona_signs_in_to_a_page_with_something_to_do_or_read(db):
    load_demo()
    assert set(STARTS) == {a.username for a in ACCOUNTS}
    for username, (start, expected) in STARTS.items():
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}, follow=True
        )
        assert response.redirect_chain[-1][0] == start, username
        assert response.status_code == 200, username
        html = response.content.decode()
        for text in expected:
            assert text in html, (username, text)


def _is_name(value: object) -> bool:
    """A person's name from the demo's pools (of table rows and of accounts)."""
    people = set(User.objects.values_list("display_name", flat=True))
    return isinstance(value, str) and (value in NAMES or value in people)


def test_demo_tables_hold_names_only_in_name_columns_and_their_sums_agree(db):
    from gongkai.disclosures.models import Disclosure

    load_demo()
    for d in Disclosure.objects.select_related("item"):
        form = d.item.form or {}
        labels = {c["key"]: c["label"] for c in form.get("columns", [])}
        for row in d.data.get("rows", []):
            for key, value in row.items():
                name_column = any(w in labels[key] for w in (*NAME_LABELS, "主持人"))
                if _is_name(value):
                    assert name_column, (d.title, labels[key], value)
        if d.item.key.endswith("dues-paid"):
            rows = d.data["rows"]
            paid = sum(float(r["amount"]) for r in rows)
            assert all(
                float(r["amount"]) == r["months_paid"] * float(r["monthly_amount"]) for r in rows
            )
            assert float(d.data["total_amount"]) == paid
    titles = list(Disclosure.objects.values_list("title", flat=True))
    assert not [t for t in titles if "党员2026" in t and "村党员" not in t and "社区党员" not in t]


def test_demo_opinions_are_distinct_and_notices_speak_of_their_titles(db):
    from gongkai.disclosures.models import Disclosure

    load_demo()
    renovation = Disclosure.objects.get(title__startswith="镇党委办公楼修缮")
    texts = list(renovation.opinions.values_list("text", flat=True))
    handlings = list(renovation.opinions.values_list("handling", flat=True))
    assert len(set(texts)) == len(texts) == 11
    assert len(set(handlings)) == 11
    for d in Disclosure.objects.filter(title__contains="党费缴纳情况"):
        assert d.title in d.body
