from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from gongkai.catalog.effective import effective_catalog
from gongkai.catalog.models import Catalog
from gongkai.compliance import exemptions, obligations, rollups
from gongkai.compliance.models import Exemption, Obligation, Rollup, StagePlan, State
from gongkai.disclosures import clock, workflow
from gongkai.disclosures.tests.conftest import CHECKLIST
from gongkai.workdays import services as workdays

pytestmark = pytest.mark.django_db

BEIJING = dt.timezone(dt.timedelta(hours=8))


def at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=BEIJING)


def key_of(org, local: str) -> str:  # type: ignore[no-untyped-def]
    layer = Catalog.objects.get(organization=org)
    return next(i.key for i in effective_catalog(layer).items if i.key.endswith("." + local))


def owed(org) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {
        (o.item_key.rpartition(".")[2], o.period_key)
        for o in Obligation.objects.filter(organization=org)
    }


def publish(people, org, local: str, period_key: str, when: dt.datetime):  # type: ignore[no-untyped-def]
    with clock.clock(when), time_machine.travel(when, tick=False):
        d = workflow.create_disclosure(
            org,
            actor=people.clerk,
            item_key=key_of(org, local),
            title="公开",
            period_key=period_key,
        )
        workflow.submit(d, actor=people.clerk)
        workflow.review(d, actor=people.reviewer, checklist=CHECKLIST)
        workflow.approve(d, actor=people.reviewer)
        return workflow.publish(d, actor=people.clerk)


def test_each_organization_owes_only_the_items_that_apply_to_it(tree, catalogs):
    obligations.generate(dt.date(2026, 4, 2))
    village = owed(tree.village)
    town = owed(tree.town)
    assert ("meetings", "2026-Q1") in village and ("meetings", "2026-Q2") in village
    assert not any(item == "meetings" for item, _k in town)
    assert ("town-budget", "2026-H1") in town
    assert not any(item == "town-budget" for item, _k in village)
    assert ("monthly", "2026-M04") in town and ("monthly", "2026-M04") in village
    assert ("phones", "S2026") in village
    # The catalog took effect on 15 December 2025: the month and the year then running
    # already owe their disclosure, the quarter then running does not (it began before).
    assert ("monthly", "2025-M12") not in village
    assert ("yearly", "2026") in village and ("yearly", "2025") not in village
    assert not any(k.startswith("2025-Q") for _i, k in village)


def test_generation_is_idempotent_and_catches_up(tree, catalogs):
    first = obligations.generate(dt.date(2026, 2, 1))
    again = obligations.generate(dt.date(2026, 2, 1))
    assert first.created > 0 and again.created == 0
    # Months later, after downtime: everything since is there once.
    obligations.generate(dt.date(2026, 8, 1))
    months = sorted(k for i, k in owed(tree.village) if i == "monthly")
    assert months == [f"2026-M{m:02d}" for m in range(1, 9)]
    assert Obligation.objects.count() == len(
        set(Obligation.objects.values_list("organization", "item_key", "period_key"))
    )


def test_due_dates_count_working_days_after_the_period(tree, catalogs):
    obligations.generate(dt.date(2026, 4, 2))
    q1 = Obligation.objects.get(
        organization=tree.village, period_key="2026-Q1", item_key__endswith=".meetings"
    )
    assert q1.basis_date == dt.date(2026, 3, 31)
    assert q1.due_date == workdays.add_working_days(dt.date(2026, 3, 31), 10)
    assert workdays.count_working_days(q1.basis_date, q1.due_date) == 10
    assert q1.state == State.UPCOMING
    assert q1.rules["deadline_days_used"] == 10


def test_states_follow_the_calendar_and_publication(tree, people, catalogs):
    obligations.generate(dt.date(2026, 4, 1))
    q1 = Obligation.objects.get(
        organization=tree.village, period_key="2026-Q1", item_key__endswith=".meetings"
    )
    due = q1.due_date
    three_before = due
    for _ in range(3):
        three_before -= dt.timedelta(days=1)
        while not workdays.is_working_day(three_before):
            three_before -= dt.timedelta(days=1)
    day_before = three_before - dt.timedelta(days=1)
    obligations.refresh(day_before)
    q1.refresh_from_db()
    assert q1.state == State.UPCOMING
    assert obligations.refresh(three_before)[State.DUE_SOON] >= 1
    q1.refresh_from_db()
    assert q1.state == State.DUE_SOON
    obligations.refresh(due)
    q1.refresh_from_db()
    assert q1.state == State.DUE_SOON  # the due day itself is not late
    obligations.refresh(due + dt.timedelta(days=1))
    q1.refresh_from_db()
    assert q1.state == State.OVERDUE
    assert obligations.remaining_days(q1, due + dt.timedelta(days=1)) <= 0
    d = publish(
        people,
        tree.village,
        "meetings",
        "2026-Q1",
        at(due.year, due.month, due.day) + dt.timedelta(days=3),
    )
    q1.refresh_from_db()
    assert q1.state == State.LATE and q1.disclosure == d
    workflow.withdraw(d, actor=people.reviewer, reason="内容有误，撤回重发")
    q1.refresh_from_db()
    assert q1.state == State.OVERDUE and q1.disclosure is None


def test_publishing_on_time_and_before_generation(tree, people, catalogs):
    # Published before the obligation exists (the quarter's row is generated later).
    publish(people, tree.village, "meetings", "2026-Q1", at(2026, 4, 2))
    obligations.generate(dt.date(2026, 4, 3))
    q1 = Obligation.objects.get(
        organization=tree.village, period_key="2026-Q1", item_key__endswith=".meetings"
    )
    assert q1.state == State.ON_TIME
    # Published after generation, on time.
    obligations.generate(dt.date(2026, 7, 1))
    publish(people, tree.village, "meetings", "2026-Q2", at(2026, 7, 3))
    q2 = Obligation.objects.get(
        organization=tree.village, period_key="2026-Q2", item_key__endswith=".meetings"
    )
    assert q2.state == State.ON_TIME


def test_events_and_stages_create_obligations(tree, people, catalogs):
    with clock.clock(at(2026, 3, 2)):
        event = obligations.record_event(
            tree.village,
            actor=people.clerk,
            item_key=key_of(tree.village, "appointment"),
            title="村党支部副书记任前公示",
            happened_on=dt.date(2026, 3, 2),
        )
    ob = Obligation.objects.get(event=event)
    assert ob.period_key == f"E{event.pk}"
    assert ob.due_date == workdays.add_working_days(dt.date(2026, 3, 2), 5)
    assert ob.period_label == "村党支部副书记任前公示"
    assert ob.rules["min_publicity_days"] == 5
    plan = StagePlan.objects.create(
        organization=tree.village,
        item_key=key_of(tree.village, "project"),
        title="村道硬化",
        stages=[{"name": "酝酿", "date": "2026-03-01"}, {"name": "实施", "date": "2026-09-01"}],
        created_by=people.clerk,
        created_at=at(2026, 2, 1),
    )
    obligations.generate(dt.date(2026, 4, 1))
    assert [o.period_key for o in Obligation.objects.filter(plan=plan)] == [f"P{plan.pk}-0"]
    assert Obligation.objects.get(plan=plan).period_label == "村道硬化：酝酿"
    obligations.generate(dt.date(2026, 9, 1))
    assert Obligation.objects.filter(plan=plan).count() == 2


def test_exemption_and_deferral_are_decided_by_the_superior(tree, people, catalogs):
    obligations.generate(dt.date(2026, 7, 1))
    dues = Obligation.objects.get(
        organization=tree.village, period_key="2026-H1", item_key__endswith=".dues"
    )
    with pytest.raises(PermissionDenied):
        exemptions.request(
            dues,
            actor=people.outsider,
            kind="exempt",
            reason_category="personal_privacy",
            reason="涉及个人隐私",
            legal_basis="条例第十一条",
        )
    with pytest.raises(ValidationError):
        exemptions.request(
            dues,
            actor=people.clerk,
            kind="exempt",
            reason_category="personal_privacy",
            reason="  ",
            legal_basis="条例第十一条",
        )
    with time_machine.travel(at(2026, 7, 2), tick=False):
        asked = exemptions.request(
            dues,
            actor=people.clerk,
            kind="defer",
            reason_category="process",
            reason="党费标准正在核定",
            legal_basis="条例第十一条",
            likely_harm="公布未定数字引起误解",
            defer_until=dt.date(2026, 9, 30),
        )
        with pytest.raises(PermissionDenied):
            exemptions.decide(asked, actor=people.reviewer, approve=True, reason="同意")
        exemptions.decide(
            asked,
            actor=people.superior_reviewer,
            approve=True,
            reason="同意暂缓",
            shown_scope="party",
        )
    dues.refresh_from_db()
    assert dues.state == State.DEFERRED and asked.status == Exemption.Status.APPROVED
    moved = Obligation.objects.get(origin=dues)
    assert moved.period_key == "2026-H1~1" and moved.due_date == dt.date(2026, 9, 30)
    assert moved.period_label == "2026年上半年"
    publish(people, tree.village, "dues", "2026-H1", at(2026, 9, 10))
    moved.refresh_from_db()
    assert moved.state == State.ON_TIME
    # An exemption for the sibling's half year.
    sibling = Obligation.objects.get(
        organization=tree.sibling_village, period_key="2026-H1", item_key__endswith=".dues"
    )
    from gongkai.conftest import grant, make_user
    from gongkai.organizations.models import Role

    clerk2 = make_user("clerk2", "西岭文书")
    grant(clerk2, tree.sibling_village, Role.Kind.CLERK)
    asked = exemptions.request(
        sibling,
        actor=clerk2,
        kind="exempt",
        reason_category="personal_privacy",
        reason="仅一名党员，公开即暴露个人缴费",
        legal_basis="条例第十一条",
    )
    exemptions.decide(
        asked, actor=people.superior_reviewer, approve=True, reason="同意", shown_scope="public"
    )
    sibling.refresh_from_db()
    assert sibling.state == State.EXEMPTED
    assert rollups.recompute().mismatches == 0


def test_rollups_count_the_subtree(tree, people, catalogs):
    obligations.generate(dt.date(2026, 7, 20))
    obligations.refresh(dt.date(2026, 7, 20))
    county_total = sum(
        sum(
            getattr(r, s)
            for s in ("upcoming", "due_soon", "overdue", "on_time", "late", "exempted", "deferred")
        )
        for r in Rollup.objects.filter(organization=tree.county)
    )
    assert county_total == Obligation.objects.filter(path__startswith=tree.county.path).count()
    assert rollups.recompute().mismatches == 0
    Rollup.objects.filter(organization=tree.town).update(overdue=999)
    check = rollups.recompute()
    assert check.mismatches > 0
    assert rollups.recompute().mismatches == 0


def test_a_retimed_item_changes_obligations_from_the_next_period_on(tree, people, catalogs):
    from gongkai.catalog import services as catalog_services
    from gongkai.catalog.models import CatalogVersion

    obligations.generate(dt.date(2026, 2, 10))
    town = Catalog.objects.get(pk=catalogs.pk)
    item = effective_catalog(town, town.draft_version).find(key_of(tree.town, "yearly"))
    catalog_services.save_item(
        town,
        actor=people.office,
        key=item.key,
        values={
            **{n: item.value(n) for n in ("category_key", "name", "scope", "timing")},
            "period": "quarterly",
            "deadline_days": 10,
            "deadline_basis": "period_end",
        },
    )
    catalog_services.publish_catalog(town, actor=people.office)
    town.refresh_from_db()
    CatalogVersion.objects.filter(catalog=town, number=town.version).update(
        published_at=at(2026, 2, 10)
    )
    village = Catalog.objects.get(organization=tree.village)
    catalog_services.accept_parent_change(village, actor=people.office)
    CatalogVersion.objects.filter(catalog=village, number__gt=1).update(
        published_at=at(2026, 2, 10)
    )
    obligations.generate(dt.date(2026, 7, 1))
    yearly = sorted(k for i, k in owed(tree.village) if i == "yearly")
    # The year's obligation stays as generated; quarters owe from the next quarter on.
    assert yearly == ["2026", "2026-Q2", "2026-Q3"]


def test_a_moved_subtree_takes_its_obligations_and_counts_along(tree, people, catalogs):
    from gongkai.organizations.services import move_organization

    obligations.generate(dt.date(2026, 5, 1))
    own = Obligation.objects.filter(organization=tree.village).count()
    move_organization(tree.village, new_parent=tree.other_town)
    tree.village.refresh_from_db()
    assert set(
        Obligation.objects.filter(organization=tree.village).values_list("path", flat=True)
    ) == {tree.village.path}
    assert rollups.recompute(fix=False).mismatches == 0
    other = Rollup.objects.filter(organization=tree.other_town)
    assert sum(r.upcoming + r.due_soon + r.overdue for r in other) == own


def test_levels_count_from_where_the_layers_are_after_a_move(tree, people, catalogs):
    from gongkai.catalog.effective import applicable_catalog
    from gongkai.organizations.services import move_organization

    def owes_meetings() -> bool:
        village = type(tree.village).objects.get(pk=tree.village.pk)
        found = applicable_catalog(village)
        return found is not None and any(i.key.endswith(".meetings") for i in found.items)

    assert owes_meetings()  # cached now, with the town at depth 1
    move_organization(tree.town, new_parent=tree.other_town)
    assert owes_meetings()  # the town at depth 2, the village at 3: still one level below


def test_a_withdrawal_after_the_publicity_period_keeps_the_obligation_met(tree, people, catalogs):
    with clock.clock(at(2026, 3, 2)):
        event = obligations.record_event(
            tree.village,
            actor=people.clerk,
            item_key=key_of(tree.village, "appointment"),
            title="任前公示",
            happened_on=dt.date(2026, 3, 2),
        )
    ob = Obligation.objects.get(event=event)
    d = publish(people, tree.village, "appointment", ob.period_key, at(2026, 3, 3))
    ob.refresh_from_db()
    assert ob.state == State.ON_TIME and d.publicity_until is not None
    # Withdrawn once its five working days on show are over: what was owed was done.
    after = d.publicity_until + dt.timedelta(hours=1)
    with clock.clock(after), time_machine.travel(after, tick=False):
        workflow.withdraw(d, actor=people.reviewer, reason="公示期满，撤下")
    ob.refresh_from_db()
    assert ob.state == State.ON_TIME and ob.disclosure == d
