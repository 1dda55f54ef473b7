"""Obligations: generated from the catalog's timing, moved through their states by the
calendar and by publication, and counted in the roll-ups in the same transaction.

Everything here takes `today` (a local date) or reads the workflow's clock, so simulated
history (the demo, tests) and real days run the same code. Generation is idempotent: an
obligation is unique per (organization, item, period key), and a run creates only what is
missing — so a run after downtime catches up, and a run twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from gongkai.catalog.applicability import applies
from gongkai.catalog.effective import EffectiveItem, effective_catalog
from gongkai.catalog.models import Catalog, CatalogVersion, Timing
from gongkai.compliance import periods, rollups
from gongkai.compliance.models import (
    FULFILLED_STATES,
    OPEN_STATES,
    Obligation,
    RecordedEvent,
    Source,
    StagePlan,
    State,
)
from gongkai.disclosures import clock
from gongkai.disclosures.models import Disclosure
from gongkai.disclosures.models import State as DisclosureState
from gongkai.disclosures.states import PUBLIC_STATES
from gongkai.organizations.models import Organization
from gongkai.workdays import services as workdays

#: "Due soon": this many working days or fewer remain.
DUE_SOON_DAYS = 3
#: Escalation to the superior's office after this many working days overdue, unless the item
#: says otherwise.
DEFAULT_ESCALATE_AFTER = 5
#: Deadlines of items that name none, in working days, by timing.
DEFAULT_DEADLINE_DAYS = {
    Timing.PERIODIC: 10,
    Timing.STANDING: 20,
    Timing.EVENT: 5,
    Timing.PER_STAGE: 5,
}
#: The rules that decide which obligations an item creates and when they are due: a change
#: to any of them starts a new run of obligations from the next period on.
TIMING_RULES = (
    "timing",
    "period",
    "deadline_days",
    "deadline_basis",
    "min_publicity_days",
    "applies_to",
    "escalate_after_days",
)


def today() -> dt.date:
    return timezone.localdate(clock.now())


def open_state(due: dt.date, on: dt.date) -> str:
    """The state of an unfulfilled obligation due on `due`, seen on `on`."""
    if on > due:
        return State.OVERDUE
    remaining, _years = workdays.count_provisional(on, due)
    return State.DUE_SOON if remaining <= DUE_SOON_DAYS else State.UPCOMING


def fulfilled_state(due: dt.date, at: dt.datetime) -> str:
    return State.ON_TIME if timezone.localdate(at) <= due else State.LATE


def remaining_days(obligation: Obligation, on: dt.date) -> int:
    """Working days left until the due date (0 on the day itself), or, negative, the working
    days it is overdue."""
    if on <= obligation.due_date:
        return workdays.count_provisional(on, obligation.due_date)[0]
    return -workdays.count_provisional(obligation.due_date, on)[0]


# --- what an item owes ----------------------------------------------------------------------


@dataclass
class Candidate:
    source: str
    period_key: str
    basis_date: dt.date
    deadline_days: int
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    event: RecordedEvent | None = None
    plan: StagePlan | None = None


def _deadline_days(item: EffectiveItem) -> int:
    days = item.value("deadline_days")
    if isinstance(days, int) and not isinstance(days, bool) and days >= 0:
        return days
    return DEFAULT_DEADLINE_DAYS.get(item.value("timing"), 10)


def candidates(
    item: EffectiveItem,
    since: dt.date,
    on: dt.date,
    events: list[RecordedEvent],
    plans: list[StagePlan],
) -> Iterator[Candidate]:
    """The obligations `item` creates from `since` (when its current rules took effect for
    the organization) up to `on`."""
    timing = item.value("timing")
    days = _deadline_days(item)
    if timing == Timing.PERIODIC and item.value("period"):
        for span in periods.between(item.value("period"), since, on):
            # Counted from the period's end: the obligation exists from the period's start
            # (it is "upcoming" while the period runs).
            yield Candidate(
                Source.PERIOD,
                span.key,
                span.end,
                days,
                period_start=span.start,
                period_end=span.end,
            )
    elif timing == Timing.STANDING:
        for year in range(since.year, on.year + 1):
            basis = max(dt.date(year, 1, 1), since)
            if basis > on:
                continue
            yield Candidate(
                Source.STANDING,
                f"S{year}",
                basis,
                days,
                period_start=basis,
                period_end=dt.date(year, 12, 31),
            )
    if timing in (Timing.EVENT, Timing.STANDING):
        source = Source.EVENT if timing == Timing.EVENT else Source.CHANGE
        prefix = "E" if timing == Timing.EVENT else "C"
        for event in events:
            if event.happened_on <= on:
                yield Candidate(source, f"{prefix}{event.pk}", event.happened_on, days, event=event)
    if timing in (Timing.PER_STAGE, Timing.EVENT):
        for plan in plans:
            for index, stage in enumerate(plan.stages):
                day = dt.date.fromisoformat(stage["date"])
                if day <= on:
                    yield Candidate(Source.STAGE, f"P{plan.pk}-{index}", day, days, plan=plan)


def _rules_of(item: EffectiveItem) -> dict[str, Any]:
    rules: dict[str, Any] = {name: item.value(name) for name in TIMING_RULES}
    rules.update(
        key=item.key,
        name=item.value("name"),
        scope=item.value("scope"),
        major_matter=item.value("major_matter"),
        deadline_days_used=_deadline_days(item),
    )
    return rules


def _timing_of(item: EffectiveItem | None) -> tuple[Any, ...] | None:
    return None if item is None else tuple(item.value(name) for name in TIMING_RULES)


def effective_since(catalog: Catalog) -> dict[str, dt.date]:
    """For each item of the layer's published catalog, the local date from which its current
    timing rules have held for the organization: the publication of the earliest layer
    version in the unbroken run of versions with the same rules."""
    versions = list(
        CatalogVersion.objects.filter(catalog=catalog, number__lte=catalog.version)
        .order_by("-number")
        .values_list("number", "published_at")
    )
    current = effective_catalog(catalog).by_key()
    since: dict[str, dt.date] = {}
    open_keys = {key: _timing_of(item) for key, item in current.items()}
    for number, published_at in versions:
        if not open_keys:
            break
        at_version = effective_catalog(catalog, number).by_key()
        for key in list(open_keys):
            if _timing_of(at_version.get(key)) == open_keys[key]:
                since[key] = timezone.localdate(published_at)
            else:
                del open_keys[key]
    return since


# --- generation -----------------------------------------------------------------------------


@dataclass
class Report:
    organizations: int = 0
    created: int = 0
    fulfilled: int = 0
    changed: Counter[str] = field(default_factory=Counter)


def generate(
    on: dt.date | None = None, organizations: Iterable[Organization] | None = None
) -> Report:
    """Create every obligation owed up to `on` that does not exist yet (idempotent)."""
    on = on or today()
    report = Report()
    layers = Catalog.objects.filter(version__gt=0, organization__is_active=True).select_related(
        "organization"
    )
    if organizations is not None:
        layers = layers.filter(organization__in=[o.pk for o in organizations])
    for layer in layers.iterator(chunk_size=500):
        with transaction.atomic():
            _generate_for(layer, on, report)
        report.organizations += 1
    return report


def _generate_for(layer: Catalog, on: dt.date, report: Report) -> None:
    org = layer.organization
    effective = effective_catalog(layer)
    since = effective_since(layer)
    items = [item for item in effective.items if applies(item, org)]
    if not items:
        return
    keys = [item.key for item in items]
    events: dict[str, list[RecordedEvent]] = {}
    for event in RecordedEvent.objects.filter(organization=org, item_key__in=keys):
        events.setdefault(event.item_key, []).append(event)
    plans: dict[str, list[StagePlan]] = {}
    for plan in StagePlan.objects.filter(organization=org, item_key__in=keys):
        plans.setdefault(plan.item_key, []).append(plan)
    existing = set(
        Obligation.objects.filter(organization=org).values_list("item_key", "period_key")
    )
    published = _published_by_key(org, keys)
    now = clock.now()
    new: list[Obligation] = []
    for item in items:
        start = since.get(item.key)
        if start is None:
            continue
        for candidate in candidates(
            item, start, on, events.get(item.key, []), plans.get(item.key, [])
        ):
            if (item.key, candidate.period_key) in existing:
                continue
            new.append(_new_obligation(org, layer, item, candidate, on, now, published))
    if not new:
        return
    Obligation.objects.bulk_create(new, batch_size=500)
    deltas: Counter[tuple[str, dt.date, str]] = Counter()
    for obligation in new:
        deltas[(obligation.path, obligation.due_date, obligation.state)] += 1
        if obligation.state in FULFILLED_STATES:
            report.fulfilled += 1
    rollups.apply(deltas)
    report.created += len(new)


def _published_by_key(org: Organization, keys: list[str]) -> dict[tuple[str, str], Disclosure]:
    """The organization's first publication for each (item, period key) still on show (a
    withdrawn one fulfils nothing: `unfulfil` reopens what it had fulfilled)."""
    found: dict[tuple[str, str], Disclosure] = {}
    rows = (
        Disclosure.objects.filter(organization=org, item__key__in=keys, state__in=PUBLIC_STATES)
        .exclude(state=DisclosureState.WITHDRAWN)
        .exclude(period_key="")
        .exclude(publish_from__isnull=True)
        .select_related("item")
        .order_by("publish_from", "pk")
    )
    for disclosure in rows:
        found.setdefault((disclosure.item.key, disclosure.period_key), disclosure)
    return found


def _new_obligation(
    org: Organization,
    layer: Catalog,
    item: EffectiveItem,
    candidate: Candidate,
    on: dt.date,
    now: dt.datetime,
    published: dict[tuple[str, str], Disclosure],
) -> Obligation:
    due = workdays.deadline(candidate.basis_date, candidate.deadline_days)
    escalate = item.value("escalate_after_days")
    obligation = Obligation(
        organization=org,
        path=org.path,
        item_key=item.key,
        category_key=item.value("category_key") or "",
        name=item.value("name"),
        catalog=layer,
        catalog_version=layer.version,
        item=item.item,
        rules=_rules_of(item),
        source=candidate.source,
        period_key=candidate.period_key,
        period_start=candidate.period_start,
        period_end=candidate.period_end,
        event=candidate.event,
        plan=candidate.plan,
        basis_date=candidate.basis_date,
        due_date=due.date,
        provisional=due.provisional,
        escalate_after_days=escalate if escalate is not None else DEFAULT_ESCALATE_AFTER,
        state=open_state(due.date, on),
        state_since=now,
        created_at=now,
    )
    disclosure = published.get((item.key, candidate.period_key))
    if disclosure is not None and disclosure.publish_from is not None:
        obligation.disclosure = disclosure
        obligation.fulfilled_at = disclosure.publish_from
        obligation.state = fulfilled_state(obligation.due_date, disclosure.publish_from)
    return obligation


# --- states ---------------------------------------------------------------------------------


def set_state(obligation: Obligation, state: str, *, at: dt.datetime | None = None) -> bool:
    """Move one obligation (locked by the caller) and its roll-ups; False if unchanged."""
    if obligation.state == state:
        return False
    rollups.apply(
        Counter(
            {
                (obligation.path, obligation.due_date, obligation.state): -1,
                (obligation.path, obligation.due_date, state): 1,
            }
        )
    )
    obligation.state = state
    obligation.state_since = at or clock.now()
    obligation.save(update_fields=["state", "state_since", "disclosure", "fulfilled_at"])
    return True


#: Calendar days ahead within which an upcoming obligation may become due soon (three
#: working days can span a week-long holiday and two weekends).
_LOOKAHEAD = dt.timedelta(days=16)


def refresh(on: dt.date | None = None) -> Counter[str]:
    """Move open obligations whose state the calendar changed by `on` (upcoming → due soon
    → overdue). Reads only the obligations near their due date (index on state, due date)."""
    on = on or today()
    changed: Counter[str] = Counter()
    near = Obligation.objects.filter(
        state__in=[State.UPCOMING, State.DUE_SOON], due_date__lte=on + _LOOKAHEAD
    ).values_list("pk", "state", "due_date")
    moves = [
        (pk, new)
        for pk, state, due in near.iterator(chunk_size=2000)
        if (new := open_state(due, on)) != state
    ]
    for start in range(0, len(moves), 500):
        batch = dict(moves[start : start + 500])
        with transaction.atomic():
            for obligation in Obligation.objects.select_for_update().filter(pk__in=batch):
                target = open_state(obligation.due_date, on)
                if obligation.state in OPEN_STATES and set_state(obligation, target):
                    changed[target] += 1
    return changed


def daily(on: dt.date | None = None) -> tuple[Report, Counter[str]]:
    """The daily run: generate what a new period or event owes, then move states."""
    on = on or today()
    return generate(on), refresh(on)


# --- publication ----------------------------------------------------------------------------


def _chain(disclosure: Disclosure) -> Q:
    key = disclosure.period_key
    return Q(period_key=key) | Q(period_key__startswith=f"{key}~")


def fulfil(disclosure: Disclosure) -> Obligation | None:
    """A publication fulfils its obligation (the latest open one of its key's deferral
    chain), on time or late by its publication time. Called inside the publish move."""
    if not disclosure.period_key or disclosure.publish_from is None:
        return None
    obligation = (
        Obligation.objects.select_for_update()
        .filter(_chain(disclosure), organization_id=disclosure.organization_id)
        .filter(item_key=disclosure.item.key, state__in=OPEN_STATES)
        .order_by("-pk")
        .first()
    )
    if obligation is None:
        return None
    obligation.disclosure = disclosure
    obligation.fulfilled_at = disclosure.publish_from
    set_state(obligation, fulfilled_state(obligation.due_date, disclosure.publish_from))
    return obligation


def unfulfil(disclosure: Disclosure) -> Obligation | None:
    """A withdrawn publication no longer fulfils its obligation: it is open again."""
    obligation = (
        Obligation.objects.select_for_update()
        .filter(disclosure=disclosure, state__in=FULFILLED_STATES)
        .first()
    )
    if obligation is None:
        return None
    obligation.disclosure = None
    obligation.fulfilled_at = None
    set_state(obligation, open_state(obligation.due_date, today()))
    return obligation


# --- events and plans -----------------------------------------------------------------------


def record_event(
    org: Organization, *, actor: Any, item_key: str, title: str, happened_on: dt.date
) -> RecordedEvent:
    """The clerk records an event (an appointment, a recruitment step, a change to a standing
    item); its obligation is generated at once."""
    event = RecordedEvent.objects.create(
        organization=org,
        item_key=item_key,
        title=title,
        happened_on=happened_on,
        recorded_by=actor,
        recorded_at=clock.now(),
    )
    generate(max(today(), happened_on), organizations=[org])
    return event
