"""A year of obligations, walked day by day.

A town and its two village branches adopt a catalog on 15 September 2025 and live through
2026: the daily job (`gongkai remind`: `reminders.run`, which generates, moves states and
notifies) runs every morning, and in between people publish
(on time, on a make-up working day, late), withdraw and publish again, ask for an exemption
and a deferral that the town's leading group grants, record a cadre appointment, stage a
plan, and the town changes its catalog in July (an item re-timed, an item added). Every
state change and every reminder is recorded as it happens and compared with what an
independent oracle expects:
due dates and "due soon" counted here from the `chinese_calendar` package (never through the
project's workdays code), through 元旦, 春节 2026 (make-up working days 14 and 28 February),
中秋 and 国庆 2026 (make-up working days 20 September and 10 October).

Deadlines chosen so that the calendar matters:

- ``monthly`` (15 working days): January's report is due on 27 February, after 春节;
  August's on Sunday 20 September, a make-up working day; September's after 国庆.
- ``finance`` (quarterly, 33 working days, the town's): the fourth quarter of 2025 is due
  on 24 February, so it becomes "due soon" before 春节 and is published on Saturday 14
  February, a make-up working day.
- ``meetings`` (quarterly, 10 working days, the branches'): the fourth quarter of 2025 is
  due after 元旦 (with the make-up Sunday 4 January), the third of 2026 after 国庆.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
import time_machine
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gongkai.catalog import services as catalog_services
from gongkai.catalog.effective import effective_catalog
from gongkai.catalog.exchange import parse_yaml
from gongkai.catalog.models import Catalog, CatalogVersion, Item
from gongkai.compliance import exemptions, obligations, reminders, rollups
from gongkai.compliance.models import Exemption, Obligation, StagePlan, State
from gongkai.conftest import grant, make_user
from gongkai.disclosures import clock, workflow
from gongkai.disclosures.models import Disclosure
from gongkai.disclosures.tests.conftest import CHECKLIST
from gongkai.notifications.models import Notification
from gongkai.organizations.models import Role

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
ADOPTED = dt.date(2025, 9, 15)
CHANGED = dt.date(2026, 7, 3)
END = dt.date(2026, 12, 31)

CATALOG = """
title: 青石镇目录
defaults: {scope: public, channels: [公开栏]}
categories:
  - key: work
    name: 工作情况
    items:
      - {key: monthly, name: 每月工作安排, timing: periodic, period: monthly, deadline_days: 15,
         deadline_basis: period_end}
      - {key: meetings, name: 三会一课开展情况, timing: periodic, period: quarterly,
         deadline_days: 10, deadline_basis: period_end}
      - {key: finance, name: 镇级财务收支情况, timing: periodic, period: quarterly,
         deadline_days: 33, deadline_basis: period_end}
      - {key: dues, name: 党费收缴情况, timing: periodic, period: semiannual, deadline_days: 10,
         deadline_basis: period_end}
      - {key: yearly, name: 年度工作总结, timing: periodic, period: annual, deadline_days: 20,
         deadline_basis: period_end}
      - {key: phones, name: 监督电话, timing: standing, deadline_days: 20, deadline_basis: event}
      - {key: appointment, name: 干部任前公示, timing: event, deadline_days: 5,
         deadline_basis: event}
      - {key: project, name: 重大项目, timing: per_stage, deadline_days: 5, deadline_basis: event}
"""
#: Where items apply and when lateness escalates (set on the rows, as the compliance conftest).
WHERE: dict[str, dict[str, Any]] = {
    "monthly": {"escalate_after_days": 3},
    "meetings": {"applies_to": {"levels": [1]}},
    "finance": {"applies_to": {"levels": [0]}},
    "dues": {"applies_to": {"levels": [1]}},
    "appointment": {"applies_to": {"levels": [0]}},
}
#: (period, deadline in working days) of the periodic items, before the July change.
PERIODIC = {
    "monthly": ("monthly", 15),
    "meetings": ("quarterly", 10),
    "finance": ("quarterly", 33),
    "dues": ("semiannual", 10),
    "yearly": ("annual", 20),
}
TOWN, VILLAGE, SIBLING = "QS", "QS-01", "QS-02"
ITEMS = {
    TOWN: ("monthly", "finance", "yearly", "phones"),
    VILLAGE: ("monthly", "meetings", "dues", "yearly", "phones"),
    SIBLING: ("monthly", "meetings", "dues", "yearly", "phones"),
}
#: The item the town adds in July (its key is generated; the walk learns it).
ADDED = "supervision"

Key = tuple[str, str, str]  # (organization code, item, period key)


# --- the oracle: the calendar package, nothing of the project's --------------------------------


@functools.cache
def is_workday(day: dt.date) -> bool:
    """The calendar package; Monday to Friday in a year it has no data for (the product's
    provisional deadlines do the same)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def known(year: int) -> bool:
    """Whether the calendar package has the year's holidays (else deadlines are provisional)."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def workdays_after(day: dt.date, n: int) -> dt.date:
    while n:
        day += dt.timedelta(days=1)
        n -= is_workday(day)
    return day


@functools.cache
def _running_count() -> dict[dt.date, int]:
    """Working days in (1 January 2025, day] for each day to the end of 2027."""
    counts, total, day = {}, 0, dt.date(2025, 1, 1)
    while day.year < 2028:
        total += day > dt.date(2025, 1, 1) and is_workday(day)
        counts[day] = total
        day += dt.timedelta(days=1)
    return counts


def _counted(day: dt.date) -> int:
    return _running_count()[day]


def workdays_in(first: dt.date, last: dt.date) -> int:
    """Working days in (first, last]."""
    return max(0, _counted(last) - _counted(first))


def open_state(due: dt.date, day: dt.date) -> str:
    if day > due:
        return State.OVERDUE
    return State.DUE_SOON if workdays_in(day, due) <= 3 else State.UPCOMING


def spans(period: str, since: dt.date, last: dt.date) -> Iterator[tuple[str, dt.date, dt.date]]:
    """(key, start, end) of each period of the kind that starts in [since, last]."""
    months = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}[period]
    year, month = since.year, 1
    while True:
        start = dt.date(year, month, 1)
        following = dt.date(year + (month + months > 12), (month + months - 1) % 12 + 1, 1)
        end = following - dt.timedelta(days=1)
        if start > last:
            return
        if start >= since:
            n = (month - 1) // months + 1
            key = {
                "monthly": f"{year}-M{month:02d}",
                "quarterly": f"{year}-Q{n}",
                "semiannual": f"{year}-H{n}",
                "annual": f"{year}",
            }[period]
            yield key, start, end
        year, month = following.year, following.month


@dataclass
class Owed:
    """What the oracle expects of one obligation."""

    key: Key
    created: dt.date
    due: dt.date
    #: Created by the morning's job (a period, a stage); else by someone's move in the day
    #: (an event recorded, a deferral granted).
    by_job: bool = True
    #: (day, move) by people: publish, withdraw, exempt, defer.
    moves: list[tuple[dt.date, str]] = field(default_factory=list)

    def history(self, last: dt.date) -> list[tuple[dt.date, str, str]]:
        """Every state it takes up to `last`: (day, state, cause). The daily job moves an open
        one in the morning ("calendar"); people's moves follow in the day."""
        state = open_state(self.due, self.created)
        out = [(self.created, state, "created")]
        day = self.created
        while day <= last:
            opened = day > self.created and state in (State.UPCOMING, State.DUE_SOON)
            if opened and (new := open_state(self.due, day)) != state:
                state = new
                out.append((day, state, "calendar"))
            for when, move in self.moves:
                if when != day:
                    continue
                new = {
                    "publish": State.ON_TIME if day <= self.due else State.LATE,
                    "withdraw": open_state(self.due, day),
                    "exempt": State.EXEMPTED,
                    "defer": State.DEFERRED,
                }[move]
                if new != state:
                    state = new
                    out.append((day, state, move))
            day += dt.timedelta(days=1)
        return out

    def timeline(self, last: dt.date) -> list[tuple[dt.date, str]]:
        return [(day, state) for day, state, _cause in self.history(last)]

    def morning(self, history: list[tuple[dt.date, str, str]], day: dt.date) -> str | None:
        """The state once the daily job has run on `day`, before anyone's move that day."""
        state = None
        for when, new, cause in history:
            by_job = cause == "calendar" or (cause == "created" and self.by_job)
            if when < day or (when == day and by_job):
                state = new
        return state


Notice = tuple[Key, str]


def notices(
    owed: Iterable[Owed], escalate_after: dict[Key, int], last: dt.date
) -> dict[dt.date, set[Notice]]:
    """The reminders each morning owes, from the oracle alone: once the daily job has moved
    the states, "due_soon" the first morning an obligation is due soon, "overdue" the first
    morning it is overdue, "escalation" (to the superior's office) the first morning it is
    overdue by `escalate_after_days` working days or more — each once per obligation,
    whatever happens to it later."""
    out: dict[dt.date, set[Notice]] = {}
    for ob in owed:
        history = ob.history(last)
        sent: set[str] = set()
        day = ob.created
        while day <= last:
            state = ob.morning(history, day)
            kinds = []
            if state == State.DUE_SOON:
                kinds.append(reminders.DUE_SOON)
            if state == State.OVERDUE:
                kinds.append(reminders.OVERDUE)
                if workdays_in(ob.due, day) >= escalate_after[ob.key]:
                    kinds.append(reminders.ESCALATION)
            for kind in kinds:
                if kind not in sent:
                    sent.add(kind)
                    out.setdefault(day, set()).add((ob.key, kind))
            day += dt.timedelta(days=1)
    return out


def expected_notices(
    owed: Iterable[Owed], escalate_after: dict[Key, int], day: dt.date
) -> set[Notice]:
    """What the reminders job should send on the morning of `day` (see `notices`)."""
    return notices(owed, escalate_after, day).get(day, set())


# --- the town ----------------------------------------------------------------------------------


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=BEIJING)


@contextmanager
def moment(when: dt.datetime) -> Iterator[None]:
    with clock.clock(when), time_machine.travel(when, tick=False):
        yield


@dataclass
class Town:
    tree: Any
    people: Any
    clerks: dict[str, Any]
    reviewers: dict[str, Any]

    def org(self, code: str) -> Any:
        return {
            TOWN: self.tree.town,
            VILLAGE: self.tree.village,
            SIBLING: self.tree.sibling_village,
        }[code]


def date_versions(layer: Catalog, when: dt.datetime, numbers: Iterable[int]) -> None:
    CatalogVersion.objects.filter(catalog=layer, number__in=list(numbers)).update(published_at=when)


@pytest.fixture
def town(tree, people) -> Town:  # type: ignore[no-untyped-def]
    catalog = catalog_services.create_catalog(
        tree.town, actor=people.office, title="镇目录", inherit=False
    )
    parsed = parse_yaml(CATALOG)
    assert not parsed.errors, parsed.errors
    catalog_services.load_catalog_data(catalog, actor=people.office, data=parsed.data)
    for local, values in WHERE.items():
        Item.objects.filter(catalog=catalog, key__endswith=f".{local}").update(**values)
    catalog_services.publish_catalog(catalog, actor=people.office)
    catalog_services.push_down(catalog, actor=people.office)
    for layer in Catalog.objects.all():
        date_versions(layer, at(ADOPTED, 9), [1])
    town_clerk = make_user("town-clerk", "镇党政办干事")
    grant(town_clerk, tree.town, Role.Kind.CLERK)
    sibling_clerk = make_user("sibling-clerk", "西岭文书")
    grant(sibling_clerk, tree.sibling_village, Role.Kind.CLERK)
    sibling_reviewer = make_user("sibling-reviewer", "西岭书记")
    grant(sibling_reviewer, tree.sibling_village, Role.Kind.REVIEWER)
    # The town's escalations go to the county's office (the branches' to the town's).
    grant(make_user("county-office", "县委办"), tree.county, Role.Kind.OFFICE)
    return Town(
        tree,
        people,
        clerks={TOWN: town_clerk, VILLAGE: people.clerk, SIBLING: sibling_clerk},
        reviewers={
            TOWN: people.superior_reviewer,
            VILLAGE: people.reviewer,
            SIBLING: sibling_reviewer,
        },
    )


def item_key(org: Any, local: str) -> str:
    layer = Catalog.objects.get(organization=org)
    return next(i.key for i in effective_catalog(layer).items if i.key.endswith("." + local))


def local_of(key: str) -> str:
    return key.rpartition(".")[2]


# --- what people do, and when ------------------------------------------------------------------


@dataclass
class Action:
    hour: int
    do: Callable[[Walk], None]
    #: The moves the oracle expects of it: (organization, item, period key), move.
    moves: tuple[tuple[Key, str], ...] = ()


class Walk:
    """The walk through the days: the daily job each morning (unless the day is skipped:
    downtime), people's actions at their hours, and (when recording) every state change."""

    def __init__(self, town: Town, *, record: bool = True) -> None:
        self.town = town
        self.record = record
        self.changes: list[tuple[dt.date, Key, str]] = []
        self.states: dict[Key, str] = {}
        self.published: dict[str, Disclosure] = {}
        self.context: dict[str, Any] = {}
        self.twice: list[dt.date] = []
        #: The obligations as each day left them (end_state), when recording.
        self.days: dict[dt.date, dict[Key, tuple[Any, ...]]] = {}
        #: The reminders each morning sent (obligation, kind), when recording.
        self.sent: dict[dt.date, set[Notice]] = {}
        self.notified = 0

    def now_states(self) -> dict[Key, str]:
        rows = Obligation.objects.values_list(
            "organization__code", "item_key", "period_key", "state"
        )
        return {(code, self.local(item), key): state for code, item, key, state in rows}

    def local(self, item: str) -> str:
        added = self.context.get("added")
        return ADDED if item == added else local_of(item)

    def note(self, day: dt.date) -> None:
        if not self.record:
            return
        now = self.now_states()
        for key, state in now.items():
            if self.states.get(key) != state:
                self.changes.append((day, key, state))
        assert set(self.states) <= set(now), "an obligation disappeared"
        self.states = now

    def run(self, first: dt.date, last: dt.date, skip: frozenset[dt.date] = frozenset()) -> None:
        day = first
        while day <= last:
            if day not in skip:
                with clock.clock(at(day, 0, 30)):
                    if self.record:
                        reminders.run(day)
                    else:
                        obligations.daily(day)
                self.note(day)
                if self.record:
                    self.sent[day] = self.new_notices()
                if self.record and day in TWICE:
                    self.again(day)
            for action in sorted(ACTIONS.get(day, []), key=lambda a: a.hour):
                with moment(at(day, action.hour)):
                    action.do(self)
                self.note(day)
            if self.record:
                self.days[day] = end_state(self)
            day += dt.timedelta(days=1)

    def new_notices(self) -> set[Notice]:
        """The (obligation, kind) of the reminders made since the last look (their keys are
        `obligation:<id>:<kind>`, one per recipient; exemptions notify under keys of their
        own)."""
        rows = list(Notification.objects.filter(pk__gt=self.notified).values_list("pk", "key"))
        self.notified = max([self.notified, *(pk for pk, _key in rows)])
        told = {
            (int(key.split(":")[1]), key.split(":")[2])
            for _pk, key in rows
            if key.startswith("obligation:")
        }
        keys = {
            pk: (code, self.local(item), period_key)
            for pk, code, item, period_key in Obligation.objects.filter(
                pk__in={pk for pk, _kind in told}
            ).values_list("pk", "organization__code", "item_key", "period_key")
        }
        return {(keys[pk], kind) for pk, kind in told}

    def again(self, day: dt.date) -> None:
        """The daily job run a second time the same day changes nothing and sends nothing."""
        before = list(Obligation.objects.order_by("pk").values_list("pk", "state", "state_since"))
        with clock.clock(at(day, 1)):
            report = reminders.run(day)
        assert report.generated == 0 and not report.moved and report.sent == 0, (day, report)
        after = list(Obligation.objects.order_by("pk").values_list("pk", "state", "state_since"))
        assert after == before, day
        assert not self.new_notices(), day
        self.twice.append(day)

    # people's moves

    def publish(self, code: str, local: str, period_key: str, name: str = "") -> None:
        org = self.town.org(code)
        clerk, reviewer = self.town.clerks[code], self.town.reviewers[code]
        d = workflow.create_disclosure(
            org,
            actor=clerk,
            item_key=self.key_of(org, local),
            title=f"{local} {period_key}",
            period_key=period_key,
        )
        workflow.submit(d, actor=clerk)
        workflow.review(d, actor=reviewer, checklist=CHECKLIST)
        workflow.approve(d, actor=reviewer)
        self.published[name or f"{code} {local} {period_key}"] = workflow.publish(d, actor=clerk)

    def key_of(self, org: Any, local: str) -> str:
        return self.context["added"] if local == ADDED else item_key(org, local)

    def obligation(self, code: str, local: str, period_key: str) -> Obligation:
        return Obligation.objects.get(
            organization__code=code,
            item_key=self.key_of(self.town.org(code), local),
            period_key=period_key,
        )

    def ask(self, code: str, local: str, period_key: str, kind: str, **extra: Any) -> None:
        exemptions.request(
            self.obligation(code, local, period_key),
            actor=self.town.clerks[code],
            kind=kind,
            reason_category="personal_privacy" if kind == "exempt" else "process",
            reason="仅一名党员缴纳，公开即暴露个人情况" if kind == "exempt" else "党费标准正在核定",
            legal_basis="《中国共产党党务公开条例（试行）》第十一条",
            **extra,
        )

    def decide(self, code: str, local: str, period_key: str) -> None:
        asked = Exemption.objects.get(
            obligation=self.obligation(code, local, period_key), status=Exemption.Status.REQUESTED
        )
        exemptions.decide(
            asked, actor=self.town.people.superior_reviewer, approve=True, reason="同意"
        )

    def change_catalog(self) -> None:
        """The town re-times `monthly` (15 → 10 working days) and adds a quarterly item for
        the branches; the branches take the change the same day."""
        people = self.town.people
        self.context["before_change"] = {
            pk: (rules, due)
            for pk, rules, due in Obligation.objects.values_list("pk", "rules", "due_date")
        }
        layer = Catalog.objects.get(organization=self.town.tree.town)
        monthly = effective_catalog(layer, layer.draft_version).find(
            item_key(self.town.tree.town, "monthly")
        )
        assert monthly is not None
        catalog_services.save_item(
            layer,
            actor=people.office,
            key=monthly.key,
            values={
                **{
                    n: monthly.value(n)
                    for n in ("category_key", "name", "scope", "timing", "period", "deadline_basis")
                },
                "deadline_days": 10,
            },
        )
        added = catalog_services.save_item(
            layer,
            actor=people.office,
            values={
                "category_key": monthly.value("category_key"),
                "name": "村务监督委员会监督情况",
                "scope": "public",
                "timing": "periodic",
                "period": "quarterly",
                "deadline_days": 10,
                "deadline_basis": "period_end",
            },
        )
        Item.objects.filter(catalog=layer, key=added).update(applies_to={"levels": [1]})
        catalog_services.publish_catalog(layer, actor=people.office)
        layer.refresh_from_db()
        date_versions(layer, at(CHANGED), [layer.version])
        for org in (self.town.tree.village, self.town.tree.sibling_village):
            below = Catalog.objects.get(organization=org)
            catalog_services.accept_parent_change(below, actor=people.office)
            below.refresh_from_db()
            date_versions(below, at(CHANGED), [below.version])
        self.context["added"] = added


def publish(code: str, local: str, period_key: str, *, fulfils: str = "", name: str = "") -> Action:
    return Action(
        10,
        lambda w: w.publish(code, local, period_key, name),
        (((code, local, fulfils or period_key), "publish"),),
    )


def later(hour: int, action: Action) -> Action:
    return Action(hour, action.do, action.moves)


def _appointment(w: Walk) -> None:
    w.context["event"] = obligations.record_event(
        w.town.tree.town,
        actor=w.town.clerks[TOWN],
        item_key=item_key(w.town.tree.town, "appointment"),
        title="镇党委研究拟任人选",
        happened_on=dt.date(2026, 9, 28),
    )


def _publish_appointment(w: Walk) -> None:
    w.publish(TOWN, "appointment", f"E{w.context['event'].pk}")


def _plan(w: Walk) -> None:
    w.context["plan"] = StagePlan.objects.create(
        organization=w.town.tree.village,
        item_key=item_key(w.town.tree.village, "project"),
        title="村道硬化",
        stages=[{"name": "酝酿", "date": "2026-03-02"}, {"name": "实施", "date": "2026-09-01"}],
        created_by=w.town.clerks[VILLAGE],
        created_at=clock.now(),
    )


def _withdraw(w: Walk) -> None:
    workflow.withdraw(
        w.published["village Q1"], actor=w.town.reviewers[VILLAGE], reason="数字有误，撤回更正"
    )


D = dt.date
ACTIONS: dict[dt.date, list[Action]] = {
    # The fourth quarter of 2025: the village on time, the sibling late (after 元旦).
    D(2026, 1, 8): [publish(VILLAGE, "meetings", "2025-Q4")],
    D(2026, 1, 20): [publish(SIBLING, "meetings", "2025-Q4")],
    D(2026, 2, 2): [Action(9, _plan)],
    # The town's quarter, due after 春节, published on a make-up Saturday.
    D(2026, 2, 14): [publish(TOWN, "finance", "2025-Q4")],
    # January's report, due on 27 February after 春节: on the day, and on the make-up
    # Saturday after it (late).
    D(2026, 2, 27): [later(16, publish(VILLAGE, "monthly", "2026-M01"))],
    D(2026, 2, 28): [publish(SIBLING, "monthly", "2026-M01")],
    # Published on time, withdrawn after the due date (open again: overdue), published again.
    D(2026, 4, 3): [publish(VILLAGE, "meetings", "2026-Q1", name="village Q1")],
    D(2026, 4, 20): [Action(11, _withdraw, (((VILLAGE, "meetings", "2026-Q1"), "withdraw"),))],
    D(2026, 4, 22): [publish(VILLAGE, "meetings", "2026-Q1")],
    # The half year's dues: the sibling's exempted, the village's deferred to 30 September
    # (due soon across 中秋) and then published late, after 国庆.
    D(2026, 7, 2): [Action(15, lambda w: w.ask(SIBLING, "dues", "2026-H1", "exempt"))],
    D(2026, 7, 3): [
        Action(
            9,
            lambda w: w.decide(SIBLING, "dues", "2026-H1"),
            (((SIBLING, "dues", "2026-H1"), "exempt"),),
        ),
        Action(10, lambda w: w.change_catalog()),
    ],
    D(2026, 7, 6): [
        Action(15, lambda w: w.ask(VILLAGE, "dues", "2026-H1", "defer", defer_until=D(2026, 9, 30)))
    ],
    D(2026, 7, 7): [
        Action(
            9,
            lambda w: w.decide(VILLAGE, "dues", "2026-H1"),
            (((VILLAGE, "dues", "2026-H1"), "defer"),),
        )
    ],
    # August's report due on Sunday 20 September, a make-up working day: published that day.
    D(2026, 9, 20): [publish(TOWN, "monthly", "2026-M08")],
    D(2026, 9, 28): [Action(17, _appointment)],
    D(2026, 10, 9): [publish(VILLAGE, "dues", "2026-H1", fulfils="2026-H1~1")],
    # Due on Saturday 10 October (make-up): the appointment and the village's quarter.
    D(2026, 10, 10): [
        Action(10, _publish_appointment),
        later(11, publish(VILLAGE, "meetings", "2026-Q3")),
    ],
    D(2026, 10, 21): [publish(SIBLING, "meetings", "2026-Q3")],
}
#: Days the daily job runs twice (period boundaries, due days, make-up days, the change).
TWICE = frozenset(
    {
        D(2025, 10, 1),
        D(2026, 1, 1),
        D(2026, 1, 16),
        D(2026, 2, 14),
        D(2026, 2, 24),
        D(2026, 7, 1),
        CHANGED,
        D(2026, 9, 20),
        D(2026, 10, 10),
        D(2026, 10, 21),
    }
)


def _publish_stage(stage: int, name: str = "") -> Callable[[Walk], None]:
    def do(w: Walk) -> None:
        w.publish(VILLAGE, "project", f"P{w.context['plan'].pk}-{stage}", name)

    return do


def _withdraw_early_stage(w: Walk) -> None:
    workflow.withdraw(
        w.published["early stage"], actor=w.town.reviewers[VILLAGE], reason="方案尚未确定，撤回"
    )


ACTIONS[D(2026, 3, 4)] = [Action(10, _publish_stage(0))]
# The second stage published before its date (its obligation does not exist yet) and
# withdrawn before it: the obligation that comes on 1 September is open, not fulfilled.
ACTIONS[D(2026, 8, 20)] = [Action(10, _publish_stage(1, "early stage"))]
ACTIONS[D(2026, 8, 25)] = [Action(10, _withdraw_early_stage)]


# --- the oracle's expectations -----------------------------------------------------------------


def owed(walk: Walk) -> dict[Key, Owed]:
    """Every obligation the year owes, with its creation day, due date and people's moves."""
    out: dict[Key, Owed] = {}

    def add(key: Key, created: dt.date, due: dt.date) -> None:
        out[key] = Owed(key, created, due)

    for code, items in ITEMS.items():
        for local in items:
            if local == "phones":
                # The yearly confirmation: from the adoption in 2025, from 1 January in 2026.
                add((code, local, "S2025"), ADOPTED, workdays_after(ADOPTED, 20))
                add((code, local, "S2026"), D(2026, 1, 1), workdays_after(D(2026, 1, 1), 20))
                continue
            period, days = PERIODIC[local]
            for period_key, start, end in spans(period, ADOPTED, END):
                if local == "monthly" and start >= CHANGED:
                    days = 10  # re-timed in July: from the next period on
                add((code, local, period_key), start, workdays_after(end, days))
        if code != TOWN:
            for period_key, start, end in spans("quarterly", CHANGED, END):
                add((code, ADDED, period_key), start, workdays_after(end, 10))
    event = walk.context["event"].pk
    add((TOWN, "appointment", f"E{event}"), D(2026, 9, 28), workdays_after(D(2026, 9, 28), 5))
    out[(TOWN, "appointment", f"E{event}")].by_job = False  # recorded at 17:00
    plan = walk.context["plan"].pk
    for stage, day in enumerate((D(2026, 3, 2), D(2026, 9, 1))):
        add((VILLAGE, "project", f"P{plan}-{stage}"), day, workdays_after(day, 5))
    add((VILLAGE, "dues", "2026-H1~1"), D(2026, 7, 7), D(2026, 9, 30))
    out[(VILLAGE, "dues", "2026-H1~1")].by_job = False  # made by the decision
    for day, actions in ACTIONS.items():
        for action in actions:
            for key, move in action.moves:
                out[key].moves.append((day, move))
    out[(TOWN, "appointment", f"E{event}")].moves.append((D(2026, 10, 10), "publish"))
    out[(VILLAGE, "project", f"P{plan}-0")].moves.append((D(2026, 3, 4), "publish"))
    return out


def end_state(walk: Walk) -> dict[tuple[str, str, str], tuple[Any, ...]]:
    """The obligations as the walk leaves them, keys of events and plans by their meaning
    (their ids differ from walk to walk)."""
    names = {}
    if "event" in walk.context:
        names[f"E{walk.context['event'].pk}"] = "E-appointment"
    if "plan" in walk.context:
        for stage in (0, 1):
            names[f"P{walk.context['plan'].pk}-{stage}"] = f"P-{stage}"
    rows = Obligation.objects.select_related("disclosure").values_list(
        "organization__code",
        "item_key",
        "period_key",
        "state",
        "due_date",
        "rules",
        "disclosure__title",
    )

    def meaning(text: str | None) -> str | None:
        # Titles name their period key; ids differ between walks (PostgreSQL's sequences are
        # not rolled back with a walk, SQLite's are).
        for key, name in names.items():
            text = text.replace(key, name) if text else text
        return text

    return {
        (code, walk.local(item), names.get(key, key)): (
            state,
            due,
            rules["deadline_days_used"],
            meaning(title),
        )
        for code, item, key, state, due, rules, title in rows
    }


# --- the tests ---------------------------------------------------------------------------------


def test_the_oracle_sees_the_holidays_the_scenario_is_about():
    """The scenario's dates, as the calendar package says them (not the project)."""
    assert workdays_after(D(2026, 1, 31), 15) == D(2026, 2, 27)  # over 春节
    assert is_workday(D(2026, 2, 14)) and is_workday(D(2026, 2, 28))  # make-up Saturdays
    assert workdays_after(D(2025, 12, 31), 33) == D(2026, 2, 24)
    assert workdays_after(D(2025, 12, 31), 10) == D(2026, 1, 15)  # 元旦, make-up Sunday 4 Jan
    assert workdays_after(D(2026, 8, 31), 15) == D(2026, 9, 20)  # a make-up Sunday
    assert workdays_after(D(2026, 9, 30), 10) == D(2026, 10, 20)  # over 国庆
    assert workdays_after(D(2026, 9, 28), 5) == D(2026, 10, 10)  # a make-up Saturday
    assert not is_workday(D(2026, 9, 25))  # 中秋


def test_a_year_walked_day_by_day_changes_each_state_once_on_its_day(town):
    walk = Walk(town)
    walk.run(ADOPTED, END)
    expected = owed(walk)
    obligations_now = {
        (code, walk.local(item), key): (due, provisional)
        for code, item, key, due, provisional in Obligation.objects.values_list(
            "organization__code", "item_key", "period_key", "due_date", "provisional"
        )
    }
    # Exactly the obligations the year owes, due when the calendar package says.
    assert sorted(obligations_now) == sorted(expected)
    for key, ob in expected.items():
        assert obligations_now[key] == (ob.due, not known(ob.due.year)), key
    # Every state change, on its day, exactly once.
    want = sorted(
        (day, ob.key, state) for ob in expected.values() for day, state in ob.timeline(END)
    )
    got = sorted(walk.changes)
    assert [c for c in got if c not in want] == []  # no change the oracle does not expect
    assert [c for c in want if c not in got] == []  # no expected change missing
    assert got == want  # and none twice
    # Each state has held since the day of its last change (nothing rewrote it since).
    last_change = {changed: day for day, changed, _state in got}
    for code, item, period_key, since in Obligation.objects.values_list(
        "organization__code", "item_key", "period_key", "state_since"
    ):
        assert timezone.localdate(since) == last_change[(code, walk.local(item), period_key)]
    # The July change never touched what was there before it: same rules, same due dates.
    before = walk.context["before_change"]
    assert (
        before
        and {
            pk: (rules, due)
            for pk, rules, due in Obligation.objects.filter(pk__in=before).values_list(
                "pk", "rules", "due_date"
            )
        }
        == before
    )
    monthly = {
        key: rules["deadline_days_used"]
        for code, key, rules in Obligation.objects.filter(
            item_key__endswith=".monthly", period_key__in=["2026-M06", "2026-M07", "2026-M08"]
        ).values_list("organization__code", "period_key", "rules")
    }
    assert monthly == {"2026-M06": 15, "2026-M07": 15, "2026-M08": 10}
    # The job ran twice on the boundary days, changing nothing the second time.
    assert set(walk.twice) == TWICE
    assert rollups.recompute(fix=False).mismatches == 0
    REFERENCE.update(walk.days)

    # Every reminder the year owes, sent on its morning, once: `gongkai remind` ran each day.
    escalate_after = {
        (code, walk.local(item), key): n
        for code, item, key, n in Obligation.objects.values_list(
            "organization__code", "item_key", "period_key", "escalate_after_days"
        )
    }
    owed_notices = notices(expected.values(), escalate_after, END)
    sent = {day: found for day, found in walk.sent.items() if found}
    assert sorted((d, k) for d, found in sent.items() for k in found) == sorted(
        (d, k) for d, found in owed_notices.items() for k in found
    )
    assert sent == owed_notices
    when = {notice: day for day, found in sent.items() for notice in found}
    m01 = (SIBLING, "monthly", "2026-M01")
    assert (when[m01, "due_soon"], when[m01, "overdue"]) == (D(2026, 2, 24), D(2026, 2, 28))
    assert (m01, "escalation") not in when  # published the morning it was overdue
    never = (SIBLING, "meetings", "2026-Q1")
    assert [when[never, k] for k in ("due_soon", "overdue", "escalation")] == [
        D(2026, 4, 10),
        D(2026, 4, 16),
        D(2026, 4, 22),  # five working days past 15 April
    ]
    reopened = (VILLAGE, "meetings", "2026-Q1")  # withdrawn on 20 April, after its due date
    assert (reopened, "due_soon") not in when  # it was published before it was due soon
    assert (when[reopened, "overdue"], when[reopened, "escalation"]) == (
        D(2026, 4, 21),
        D(2026, 4, 22),  # that morning, before it was published again
    )
    finance = (TOWN, "finance", "2025-Q4")
    assert when[finance, "due_soon"] == D(2026, 2, 12) and (finance, "overdue") not in when
    deferred = (VILLAGE, "dues", "2026-H1~1")
    assert when[deferred, "due_soon"] == D(2026, 9, 24)  # across 中秋 and a weekend
    assert (deferred, "escalation") not in when
    assert expected_notices(expected.values(), escalate_after, D(2026, 4, 22)) >= {
        (never, "escalation"),
        (reopened, "escalation"),
    }


#: What the daily walk leaves each day (kept by the walk above for the downtime test).
REFERENCE: dict[dt.date, dict[Key, tuple[Any, ...]]] = {}
#: Ten days without the daily job across the year's turns: 元旦, 春节, the July catalog
#: change (a period starts, then the rules change, all while the job is down), 国庆.
DOWNTIME = (D(2025, 12, 27), D(2026, 2, 12), D(2026, 6, 29), D(2026, 9, 28))


def reference(town: Town) -> dict[dt.date, dict[Key, tuple[Any, ...]]]:
    if not REFERENCE:
        with transaction.atomic():
            walk = Walk(town)
            walk.run(ADOPTED, END)
            REFERENCE.update(walk.days)
            transaction.set_rollback(True)
    return REFERENCE


def test_downtime_catches_up_to_what_the_daily_walk_gives(town):
    """The daily job down for up to ten days (any of them): the first run after catches up
    to the obligations, states and due dates the daily walk has that day. People go on
    publishing and deciding meanwhile."""
    daily = reference(town)

    @settings(
        max_examples=len(DOWNTIME) + 3,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        start=st.sampled_from(DOWNTIME) | st.dates(ADOPTED + dt.timedelta(days=1), D(2026, 12, 20)),
        holes=st.sets(st.integers(0, 9), min_size=1),
    )
    @example(start=DOWNTIME[0], holes=set(range(10)))
    @example(start=DOWNTIME[1], holes=set(range(10)))
    @example(start=DOWNTIME[2], holes=set(range(10)))
    @example(start=DOWNTIME[3], holes=set(range(10)))
    def check(start: dt.date, holes: set[int]) -> None:
        skip = frozenset(start + dt.timedelta(days=n) for n in holes)
        back = max(skip) + dt.timedelta(days=1)
        cache.clear()  # the catalogs' effective items are cached by version, rolled back here
        with transaction.atomic():
            walk = Walk(town, record=False)
            walk.run(ADOPTED, back, skip=skip)
            assert end_state(walk) == daily[back], (start, sorted(holes))
            transaction.set_rollback(True)

    check()
