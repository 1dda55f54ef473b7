"""The demo town matches Scenario 1 and loading it twice changes nothing.

The demo is loaded once for the module (it plays a year: tens of seconds) inside a
transaction rolled back at the end; each test runs in a savepoint of its own inside it.
"""

from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from gongkai.accounts.models import User
from gongkai.catalog.effective import effective_catalog
from gongkai.catalog.models import Catalog
from gongkai.devtools.demo import ACCOUNTS, DEMO_PASSWORD, load_demo
from gongkai.devtools.demo.disclosures import NAME_LABELS, NAMES
from gongkai.organizations.models import Organization, Role


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    from gongkai.conftest import _LEDGER_KEY

    # The test settings the per-test fixture (gongkai.conftest) gives, for the module.
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        GONGKAI_LEDGER_KEY_FILE=str(_LEDGER_KEY),
        GONGKAI_LEDGER_NAME="gongkai.test",
    )
    # Rolled-back tests reuse primary keys: nothing cached by key (effective catalogs) from
    # the tests before may reach the demo, nor the demo's outlive the module.
    cache.clear()
    with fast, django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        yield
        transaction.set_rollback(True)
    cache.clear()


def test_the_demo_town_has_sixteen_branches_two_of_them_pilots(demo, db):
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


def test_every_branch_inherits_the_town_catalog_and_the_pilots_add_two_items(demo, db):
    town_catalog = Catalog.objects.get(organization__code="QS")
    town_items = {i.key for i in effective_catalog(town_catalog).items}
    assert len(town_items) == 64
    for layer in Catalog.objects.filter(parent=town_catalog).select_related("organization"):
        items = effective_catalog(layer).items
        local = [i for i in items if not i.inherited_by(layer)]
        assert {i.key for i in items} >= town_items
        # The pilots add two items; 东岭村 a third, from a topic request (点题公开).
        expected = 2 if layer.organization.is_pilot else 0
        expected += 1 if layer.organization.code == "QS-01" else 0
        assert len(local) == expected
    assert Catalog.objects.filter(parent=town_catalog).count() == 16


def _everything() -> tuple[object, ...]:
    from gongkai.compliance.models import Exemption, Obligation, RecordedEvent, Rollup, StagePlan
    from gongkai.disclosures.models import Disclosure
    from gongkai.ledger.models import LogEntry

    return (
        Organization.objects.count(),
        User.objects.count(),
        Role.objects.count(),
        Catalog.objects.count(),
        sorted(Disclosure.objects.values_list("pk", "state", "period_key")),
        sorted(Obligation.objects.values_list("pk", "state", "state_since", "due_date")),
        sorted(Rollup.objects.values_list(*[f.attname for f in Rollup._meta.concrete_fields])),
        Exemption.objects.count(),
        RecordedEvent.objects.count(),
        StagePlan.objects.count(),
        LogEntry.objects.count(),
    )


def test_loading_the_demo_again_changes_nothing(demo, db):
    before = _everything()
    load_demo()
    assert _everything() == before


def test_every_printed_demo_account_signs_in_with_the_demo_password(demo, db, client):
    for account in ACCOUNTS:
        user = User.objects.get(username=account.username)
        assert user.check_password(DEMO_PASSWORD)
        assert user.mobile == account.mobile


def test_the_demo_has_over_fifty_disclosures_in_every_state(demo, db):
    from gongkai.disclosures.models import Disclosure, State

    states = set(Disclosure.objects.values_list("state", flat=True))
    assert Disclosure.objects.count() >= 50
    assert states == set(State.values)


def test_the_demo_plays_the_scenarios(demo, db):
    from gongkai.disclosures.models import Disclosure, State

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


def test_the_demo_history_runs_forward_in_time_and_its_ledger_verifies(demo, db):
    from gongkai.ledger.models import Kind, LogEntry
    from gongkai.ledger.verification import verify

    town = LogEntry.objects.filter(log__root__code="QS").order_by("index")
    times = list(town.values_list("at", flat=True))
    assert times == sorted(times) and len(times) >= 40
    # The town is a log root of its own, witnessed in the county's log.
    witness = LogEntry.objects.get(log__root__code="YL")
    assert witness.kind == Kind.WITNESS and f'"size":{len(times)}' in witness.document
    report = verify()
    assert report.ok, report.failure
    assert report.logs == {"QS": len(times), "YL": 1}


def test_the_renovation_page_shows_how_each_opinion_was_handled_without_names(demo, db, client):
    from gongkai.disclosures.models import Disclosure

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
    "assessor": ("/console/todo/", ["我的待办", "云岭县委"]),
    "admin": ("/console/", ["系统管理员"]),
}


def test_every_demo_persona_signs_in_to_a_page_with_something_to_do_or_read(demo, db):
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


def test_demo_tables_hold_names_only_in_name_columns_and_their_sums_agree(demo, db):
    from gongkai.disclosures.models import Disclosure

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


def test_demo_opinions_are_distinct_and_notices_speak_of_their_titles(demo, db):
    from gongkai.disclosures.models import Disclosure

    renovation = Disclosure.objects.get(title__startswith="镇党委办公楼修缮")
    texts = list(renovation.opinions.values_list("text", flat=True))
    handlings = list(renovation.opinions.values_list("handling", flat=True))
    assert len(set(texts)) == len(texts) == 11
    assert len(set(handlings)) == 11
    for d in Disclosure.objects.filter(title__contains="党费缴纳情况"):
        assert d.title in d.body


# --- the year of obligations (devtools/demo/year.py) ----------------------------------------


def _states(code: str, *sources: str) -> dict[str, int]:
    from collections import Counter

    from gongkai.compliance.models import Obligation

    rows = Obligation.objects.filter(organization__code=code)
    if sources:
        rows = rows.filter(source__in=sources)
    return dict(Counter(rows.values_list("state", flat=True)))


def test_the_catalog_took_effect_before_the_year(demo, db):
    import datetime as dt

    from gongkai.catalog.models import CatalogVersion
    from gongkai.devtools.demo.year import BEIJING

    # Except the version 东岭村 published when it answered a topic request with a new item.
    adopted = list(
        CatalogVersion.objects.exclude(note__startswith="点题公开").values_list(
            "published_at", flat=True
        )
    )
    assert len(adopted) >= 19  # the town, its 16 branches, the pilots' own items
    assert max(adopted) < dt.datetime(2026, 1, 1, tzinfo=BEIJING)


def test_most_branches_publish_every_report_on_time(demo, db):
    from gongkai.compliance.models import Source
    from gongkai.devtools.demo.year import LATE_BRANCH, STOPPED_BRANCH

    town = Organization.objects.get(code="QS")
    punctual = [
        o.code
        for o in Organization.objects.subtree(town)
        if o.code not in (LATE_BRANCH, STOPPED_BRANCH)
    ]
    assert len(punctual) == 15  # the town and 14 of its 16 branches
    for code in punctual:
        # Their periodic reports and yearly confirmations: on time, or not due yet.
        states = _states(code, Source.PERIOD, Source.STANDING)
        assert states.get("on_time", 0) >= 20, (code, states)
        assert not {"late", "overdue"} & set(states), (code, states)


def test_one_branch_is_always_late_and_one_is_overdue_long_enough_to_be_escalated(demo, db):
    from gongkai.compliance import obligations
    from gongkai.compliance.models import Obligation, Source, State
    from gongkai.devtools.demo.year import LATE_BRANCH, STOPPED_BRANCH, STOPPED_FROM

    late = _states(LATE_BRANCH, Source.PERIOD, Source.STANDING)
    assert late.get("late", 0) >= 20 and "on_time" not in late
    today = obligations.today()
    for ob in Obligation.objects.filter(organization__code=LATE_BRANCH, state=State.OVERDUE):
        # Overdue only for the few days before it publishes: never escalated.
        assert -obligations.remaining_days(ob, today) < ob.escalate_after_days, ob
    overdue = Obligation.objects.filter(organization__code=STOPPED_BRANCH, state=State.OVERDUE)
    assert overdue.count() >= 3
    for ob in overdue:
        assert ob.due_date >= STOPPED_FROM
        # Escalated: more working days overdue than the item allows before escalation.
        assert -obligations.remaining_days(ob, today) > ob.escalate_after_days, ob
    before = Obligation.objects.filter(
        organization__code=STOPPED_BRANCH, due_date__lt=STOPPED_FROM
    ).exclude(source=Source.EVENT)
    assert set(before.values_list("state", flat=True)) == {State.ON_TIME}


def test_states_changed_on_the_days_the_calendar_and_the_publications_say(demo, db):
    import datetime as dt

    from django.utils import timezone

    from gongkai.compliance.models import Obligation, State

    for ob in Obligation.objects.filter(state=State.OVERDUE):
        assert timezone.localdate(ob.state_since) == ob.due_date + dt.timedelta(days=1), ob
    for ob in Obligation.objects.filter(state__in=[State.ON_TIME, State.LATE]).select_related(
        "disclosure"
    ):
        assert ob.disclosure is not None and ob.fulfilled_at == ob.disclosure.publish_from
        assert (ob.state == State.ON_TIME) == (timezone.localdate(ob.fulfilled_at) <= ob.due_date)


def test_every_publication_names_the_obligation_it_fulfils(demo, db):
    from gongkai.compliance import rollups
    from gongkai.compliance.models import Obligation
    from gongkai.disclosures.models import Disclosure, State
    from gongkai.disclosures.states import PUBLIC_STATES

    # The one withdrawn list (Scenario 6) was published outside the obligations: a withdrawal
    # reopens the obligation a publication fulfilled.
    withdrawn = Disclosure.objects.get(state=State.WITHDRAWN)
    assert withdrawn.period_key == ""
    public = Disclosure.objects.filter(state__in=PUBLIC_STATES).exclude(pk=withdrawn.pk)
    assert public.count() >= 400
    fulfilled = dict(
        Obligation.objects.filter(disclosure__isnull=False).values_list("disclosure", "pk")
    )
    for d in public:
        assert d.period_key, d.title
        assert d.pk in fulfilled, d.title
    assert len(fulfilled) == public.count()
    assert rollups.recompute(fix=False).mismatches == 0


def test_the_town_exempts_one_report_and_defers_another(demo, db):
    from gongkai.compliance.models import Exemption, Obligation, State
    from gongkai.devtools.demo.year import DEFERRAL, EXEMPTION

    town = Organization.objects.get(code="QS")
    leading_group = set(
        Role.objects.filter(organization=town, kind=Role.Kind.REVIEWER).values_list(
            "user", flat=True
        )
    )
    exempt = Exemption.objects.get(kind=Exemption.Kind.EXEMPT)
    assert exempt.status == Exemption.Status.APPROVED and exempt.decided_by_id in leading_group
    assert exempt.obligation.organization.code == EXEMPTION.code
    assert exempt.obligation.state == State.EXEMPTED
    defer = Exemption.objects.get(kind=Exemption.Kind.DEFER)
    assert defer.status == Exemption.Status.APPROVED and defer.decided_by_id in leading_group
    assert defer.obligation.organization.code == DEFERRAL.code
    assert defer.obligation.state == State.DEFERRED
    moved = Obligation.objects.get(origin=defer.obligation)
    assert moved.due_date == DEFERRAL.defer_until
    assert moved.period_key == f"{DEFERRAL.period_key}~1" and moved.state == State.ON_TIME


def test_recorded_events_and_a_staged_plan_owe_their_publications(demo, db):
    from gongkai.compliance.models import Obligation, RecordedEvent, Source, StagePlan, State

    appointment = RecordedEvent.objects.get(item_key__endswith=".pre-appointment")
    step = RecordedEvent.objects.get(item_key__endswith=".recruitment")
    for event in (appointment, step):
        ob = Obligation.objects.get(event=event, source=Source.EVENT)
        assert ob.state == State.ON_TIME and ob.disclosure is not None
    assert Obligation.objects.get(event=appointment).disclosure.title.endswith("任前公示")
    plan = StagePlan.objects.get(title="镇党委办公楼修缮改造")
    first = Obligation.objects.get(plan=plan, period_key=f"P{plan.pk}-0")
    assert first.state == State.ON_TIME
    assert first.disclosure.title.startswith("镇党委办公楼修缮改造方案")


def test_the_assessor_is_a_county_office_account(demo, db):
    assessor = User.objects.get(username="assessor")
    assert assessor.display_name == "考核评议员"
    role = Role.objects.get(user=assessor)
    assert role.organization.code == "YL" and role.kind == Role.Kind.OFFICE
    assert role.reaches_subtree


def test_a_half_year_summary_is_ready_and_the_branches_are_assessed(demo, db):
    import docx

    from gongkai.compliance import figures
    from gongkai.reports.models import AssessmentPlan, Report

    report = Report.objects.get()
    assert report.status == Report.Status.READY and "上半年" in report.title
    town = Organization.objects.get(code="QS")
    text = "\n".join(p.text for p in docx.Document(report.docx.open("rb")).paragraphs)
    assert "青石镇党委" in text
    due = figures.subtree(town, report.first, report.last).due
    assert due > 0 and report.figures and report.figures.get("headline", {}).get("due", due) == due
    plan = AssessmentPlan.objects.get()
    assert plan.status == AssessmentPlan.Status.PUBLISHED and plan.public_summary
    assert plan.assessors.count() == 2
    rows = (plan.result or {})["rows"]
    assert len(rows) == 16
    # The two lagging branches rank below every branch that publishes on time.
    ranked = [row["organization"]["code"] for row in rows]
    assert set(ranked[-2:]) == {"QS-07", "QS-13"}
    loaded_again = (Report.objects.count(), AssessmentPlan.objects.count())
    load_demo()
    assert (Report.objects.count(), AssessmentPlan.objects.count()) == loaded_again


def test_topic_requests_with_support_at_the_village(demo, db, client):
    from gongkai.catalog.effective import applicable_catalog
    from gongkai.topics.models import Outcome, TopicRequest

    village = Organization.objects.get(code="QS-01")
    topics = TopicRequest.objects.filter(organization=village)
    outcomes = sorted(t.outcome for t in topics)
    assert outcomes == sorted(["", "", Outcome.CATALOG_ITEM, Outcome.DECLINED, Outcome.MERGED])
    item = topics.get(outcome=Outcome.CATALOG_ITEM)
    assert applicable_catalog(village).find(item.item_key) is not None
    assert item.support_count >= 3 and topics.get(outcome=Outcome.DECLINED).answer
    assert max(t.support_count for t in topics.filter(state="open")) >= 4
    client.force_login(User.objects.get(username="m-qs-01-1"))
    html = client.get("/o/QS-01/topics/").content.decode()
    assert "党费收缴和使用情况" in html and "王秀英" not in html
