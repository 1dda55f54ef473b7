"""The stored roll-ups always equal a count of the obligations, whatever happens in whatever
order: generated sequences of generation at random dates, calendar refreshes, publications on
time and late, withdrawals, exemptions and deferrals asked for and decided, recorded events,
and organizations re-hung in the tree. After every step `rollups.recompute(fix=False)` finds
no row that disagrees, and every obligation agrees with its organization and its disclosure.

Publication and withdrawal take the fast path (the disclosure's state set directly, then
`obligations.fulfil` / `unfulfil`, exactly what the workflow's publish and withdraw moves
call); `test_the_workflow_keeps_the_rollups_exact` drives the real moves once. Runs on SQLite,
and on PostgreSQL under scripts/with-postgres.sh.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.compliance import exemptions, obligations, periods, rollups
from gongkai.compliance.models import (
    FULFILLED_STATES,
    OPEN_STATES,
    Exemption,
    Obligation,
    State,
)
from gongkai.compliance.tests.test_obligations import key_of, publish
from gongkai.conftest import grant, make_user
from gongkai.disclosures import clock, workflow
from gongkai.disclosures.models import Disclosure
from gongkai.disclosures.models import State as DState
from gongkai.organizations.models import Organization, Role
from gongkai.organizations.services import move_organization

pytestmark = pytest.mark.django_db

BEIJING = dt.timezone(dt.timedelta(hours=8))
START = dt.date(2026, 1, 1)
SEQUENCES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=BEIJING)


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


#: Periodic items of the test catalog (compliance/tests/conftest.py) owed by the villages.
PERIODS = {"meetings": "quarterly", "dues": "semiannual", "monthly": "monthly", "yearly": "annual"}
days = st.integers(min_value=0, max_value=420)
picks = st.integers(min_value=0, max_value=10_000)
steps = st.one_of(
    st.tuples(st.just("generate"), days),
    st.tuples(st.just("refresh"), days),
    st.tuples(st.just("publish"), picks, st.integers(min_value=-3, max_value=15)),
    st.tuples(st.just("publish_ahead"), picks, st.sampled_from(sorted(PERIODS)), days),
    st.tuples(st.just("withdraw"), picks, st.integers(min_value=0, max_value=30)),
    st.tuples(st.just("exempt"), picks, st.booleans()),
    st.tuples(st.just("defer"), picks, st.booleans(), st.integers(min_value=1, max_value=90)),
    st.tuples(st.just("event"), picks, days),
    st.tuples(st.just("move"), picks),
)


class World:
    """The tree, its people and what the steps need to find again."""

    def __init__(self, tree: Any, people: Any) -> None:
        self.tree = tree
        self.people = people
        self.orgs = [tree.town, tree.village, tree.sibling_village]
        # One clerk for every organization that owes something, and a leading group above
        # each of them to decide exemptions (the county's for the town's own obligations).
        for org in self.orgs:
            if not people.clerk.roles.filter(organization=org, kind=Role.Kind.CLERK).exists():
                grant(people.clerk, org, Role.Kind.CLERK)
        county_reviewer = make_user("county-reviewer", "县委审核人")
        grant(county_reviewer, tree.county, Role.Kind.REVIEWER)
        other_reviewer = make_user("other-reviewer", "白沙镇审核人")
        grant(other_reviewer, tree.other_town, Role.Kind.REVIEWER)
        self.deciders = {
            tree.county.pk: county_reviewer,
            tree.town.pk: people.superior_reviewer,
            tree.other_town.pk: other_reviewer,
        }
        people.clerk.__dict__.pop("roles_cached", None)
        self.today = START

    def at(self, day: dt.date) -> contextlib.AbstractContextManager[None]:
        self.today = max(self.today, day)
        return clock.clock(moment(day))

    def open_obligation(self, pick: int) -> Obligation | None:
        found = list(Obligation.objects.filter(state__in=OPEN_STATES).order_by("pk"))
        return found[pick % len(found)] if found else None

    def decider(self, ob: Obligation) -> Any:
        """The leading group of the organization's superior (wherever it hangs now)."""
        parent_id = Organization.objects.get(pk=ob.organization_id).parent_id
        return self.deciders[parent_id]

    # --- the steps ------------------------------------------------------------------------

    def generate(self, offset: int) -> None:
        day = START + dt.timedelta(days=offset)
        with self.at(day):
            obligations.generate(day)

    def refresh(self, offset: int) -> None:
        day = START + dt.timedelta(days=offset)
        with self.at(day):
            obligations.refresh(day)

    def publish(self, pick: int, days_after_due: int) -> None:
        ob = self.open_obligation(pick)
        if ob is None:
            return
        day = max(ob.due_date + dt.timedelta(days=days_after_due), ob.basis_date)
        when = moment(day)
        with self.at(day):
            d = workflow.create_disclosure(
                ob.organization,
                actor=self.people.clerk,
                item_key=ob.item_key,
                title="公开",
                period_key=ob.period_key.partition("~")[0],
            )
            with transaction.atomic():
                Disclosure.objects.filter(pk=d.pk).update(
                    state=DState.PUBLISHED, publish_from=when, public_from=when
                )
                d.refresh_from_db()
                obligations.fulfil(d)

    def publish_ahead(self, pick: int, local: str, offset: int) -> None:
        """A village publishes for a period whose obligation may not be generated yet."""
        org = [self.tree.village, self.tree.sibling_village][pick % 2]
        day = START + dt.timedelta(days=offset)
        key = periods.containing(PERIODS[local], day).key
        with self.at(day):
            d = workflow.create_disclosure(
                org,
                actor=self.people.clerk,
                item_key=key_of(org, local),
                title="公开",
                period_key=key,
            )
            with transaction.atomic():
                Disclosure.objects.filter(pk=d.pk).update(
                    state=DState.PUBLISHED, publish_from=moment(day), public_from=moment(day)
                )
                d.refresh_from_db()
                obligations.fulfil(d)

    def withdraw(self, pick: int, days_later: int) -> None:
        shown = list(Disclosure.objects.filter(state=DState.PUBLISHED).order_by("pk"))
        if not shown:
            return
        d = shown[pick % len(shown)]
        assert d.publish_from is not None
        day = d.publish_from.astimezone(BEIJING).date() + dt.timedelta(days=days_later)
        with self.at(day), transaction.atomic():
            Disclosure.objects.filter(pk=d.pk).update(
                state=DState.WITHDRAWN, withdrawn_at=moment(day), withdrawal_reason="撤回"
            )
            d.refresh_from_db()
            obligations.unfulfil(d)

    def _ask(self, ob: Obligation, kind: str, approve: bool, defer_until: Any = None) -> None:
        try:
            asked = exemptions.request(
                ob,
                actor=self.people.clerk,
                kind=kind,
                reason_category="process",
                reason="正在研究",
                legal_basis="条例第十一条",
                defer_until=defer_until,
            )
        except (ValidationError, PermissionDenied):
            return
        exemptions.decide(asked, actor=self.decider(ob), approve=approve, reason="已研究")

    def exempt(self, pick: int, approve: bool) -> None:
        ob = self.open_obligation(pick)
        if ob is not None:
            with self.at(self.today):
                self._ask(ob, Exemption.Kind.EXEMPT, approve)

    def defer(self, pick: int, approve: bool, days_on: int) -> None:
        ob = self.open_obligation(pick)
        if ob is not None:
            until = max(self.today, ob.due_date) + dt.timedelta(days=days_on)
            with self.at(self.today):
                self._ask(ob, Exemption.Kind.DEFER, approve, until)

    def event(self, pick: int, offset: int) -> None:
        org = self.orgs[pick % len(self.orgs)]
        day = START + dt.timedelta(days=offset)
        with self.at(day):
            obligations.record_event(
                org,
                actor=self.people.clerk,
                item_key=key_of(org, "appointment"),
                title="任前公示",
                happened_on=day,
            )

    def move(self, pick: int) -> None:
        """Re-hang a village under the other town, or back (the admin's move)."""
        tree = self.tree
        village = [tree.village, tree.sibling_village][pick % 2]
        village.refresh_from_db()
        target = tree.other_town if village.parent_id == tree.town.pk else tree.town
        move_organization(village, new_parent=target)


def check(world: World) -> None:
    report = rollups.recompute(fix=False)
    assert report.mismatches == 0, report.details
    for ob in Obligation.objects.select_related("organization", "disclosure"):
        assert ob.path == ob.organization.path, ob
        if ob.state in FULFILLED_STATES:
            assert ob.disclosure is not None and ob.fulfilled_at is not None, ob
            assert ob.disclosure.state != DState.WITHDRAWN, ob
            assert ob.state == obligations.fulfilled_state(ob.due_date, ob.fulfilled_at), ob
        else:
            assert ob.disclosure_id is None, ob


@pytest.fixture
def world(tree, people, catalogs) -> World:  # type: ignore[no-untyped-def]
    return World(tree, people)


@SEQUENCES
@given(sequence=st.lists(steps, min_size=1, max_size=14))
def test_the_rollups_equal_the_obligations_after_any_sequence(world, sequence):
    with rolled_back():
        world.today = START
        obligations.generate(START)
        for step in sequence:
            name, *args = step
            getattr(world, name)(*args)
            check(world)


def test_the_workflow_keeps_the_rollups_exact(world, tree, people):
    """Publish on time, publish late, withdraw, through the real moves."""
    obligations.generate(dt.date(2026, 7, 20))
    obligations.refresh(dt.date(2026, 7, 20))
    q2 = Obligation.objects.get(
        organization=tree.village, period_key="2026-Q2", item_key__endswith=".meetings"
    )
    on_time = publish(people, tree.village, "meetings", "2026-Q2", moment(q2.due_date))
    check(world)
    h1 = Obligation.objects.get(
        organization=tree.village, period_key="2026-H1", item_key__endswith=".dues"
    )
    late = moment(h1.due_date + dt.timedelta(days=10))
    publish(people, tree.village, "dues", "2026-H1", late)
    check(world)
    with clock.clock(late), time_machine.travel(late, tick=False):
        workflow.withdraw(on_time, actor=people.reviewer, reason="内容有误，撤回重发")
    check(world)
    q2.refresh_from_db()
    assert q2.state == State.OVERDUE
