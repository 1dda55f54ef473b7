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
from typing import Any, cast

from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone

from gongkai.catalog import applicability
from gongkai.catalog.effective import EffectiveItem, effective_catalog
from gongkai.catalog.models import Catalog, CatalogVersion, Category, Item, ItemOverride, Timing
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


def calendar_candidates(item: EffectiveItem, since: dt.date, on: dt.date) -> Iterator[Candidate]:
    """The periods and standing years `item` owes from `since` (when its current rules took
    effect for the organization) up to `on`: the same for every organization."""
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


def recorded_candidates(
    item: EffectiveItem, on: dt.date, events: list[RecordedEvent], plans: list[StagePlan]
) -> Iterator[Candidate]:
    """What the organization's recorded events (or changes of a standing item) and the
    stages of its staged plans owe under `item` up to `on`."""
    timing = item.value("timing")
    days = _deadline_days(item)
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


def candidates(
    item: EffectiveItem,
    since: dt.date,
    on: dt.date,
    events: list[RecordedEvent],
    plans: list[StagePlan],
) -> Iterator[Candidate]:
    """The obligations `item` creates from `since` (when its current rules took effect for
    the organization) up to `on`."""
    yield from calendar_candidates(item, since, on)
    yield from recorded_candidates(item, on, events, plans)


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
    return _Catalogs().since(catalog.pk)


@dataclass(frozen=True)
class _Layer:
    pk: int
    organization_id: int
    parent_id: int | None
    version: int
    based_on_parent_version: int


class _Catalogs:
    """The layers' effective items and `effective_since`, worked out once per run.

    Most layers only inherit (a branch's layer has no item, category or override of its
    own): such a layer's effective items at a version are exactly its parent's at the parent
    version it was built on (`effective._resolve` adds nothing for it), so it shares them
    instead of resolving its whole chain again, and everything keyed on those items (what
    applies, since when, the candidates) is worked out once for all the layers sharing them.
    """

    def __init__(self) -> None:
        self.layers: dict[int, _Layer] = {}
        #: layer → {version number: (parent version, published at)}
        self.versions: dict[int, dict[int, tuple[int | None, dt.datetime]]] = {}
        self._own_rows: set[int] | None = None
        self._items: dict[tuple[int, int], list[EffectiveItem]] = {}
        self._by_key: dict[int, dict[str, EffectiveItem]] = {}
        self._since: dict[tuple[Any, ...], dict[str, dt.date]] = {}
        self._timing: dict[int, tuple[Any, ...]] = {}

    def load_all(self) -> None:
        """Read every layer and version at once (a run over all organizations)."""
        rows = Catalog.objects.values_list(
            "pk", "organization_id", "parent_id", "version", "based_on_parent_version"
        )
        for row in rows.iterator(chunk_size=5000):
            self.layers[row[0]] = _Layer(*row)
            self.versions[row[0]] = {}
        versions = CatalogVersion.objects.values_list(
            "catalog_id", "number", "parent_version", "published_at"
        )
        for catalog_id, number, parent_version, published_at in versions.iterator(5000):
            self.versions[catalog_id][number] = (parent_version, published_at)

    def load(self, pks: Iterable[int]) -> None:
        """Read the layers `pks` and, level by level, the layers above them (a query each)."""
        wanted = {pk for pk in pks if pk not in self.layers}
        while wanted:
            rows = Catalog.objects.filter(pk__in=wanted).values_list(
                "pk", "organization_id", "parent_id", "version", "based_on_parent_version"
            )
            for row in rows:
                self.layers[row[0]] = _Layer(*row)
                self.versions[row[0]] = {}
            for catalog_id, number, parent_version, published_at in CatalogVersion.objects.filter(
                catalog_id__in=wanted
            ).values_list("catalog_id", "number", "parent_version", "published_at"):
                self.versions[catalog_id][number] = (parent_version, published_at)
            wanted = {
                layer.parent_id
                for pk in wanted
                if (layer := self.layers.get(pk)) is not None
                and layer.parent_id is not None
                and layer.parent_id not in self.layers
            }

    def _has_own_rows(self, pk: int) -> bool:
        if self._own_rows is None:
            self._own_rows = set()
            for model in (Item, Category, ItemOverride):
                self._own_rows.update(model.objects.values_list("catalog_id", flat=True).distinct())
        return pk in self._own_rows

    def _parent_version(self, layer: _Layer, version: int) -> int:
        """`effective.parent_version_at`, from the rows already read."""
        if layer.parent_id is None:
            return 0
        if version > layer.version:
            return layer.based_on_parent_version
        recorded = self.versions[layer.pk].get(version, (None, None))[0]
        return recorded or 0

    def items(self, pk: int, version: int) -> list[EffectiveItem]:
        """The layer's effective items at `version` (shared by layers that only inherit)."""
        key = (pk, version)
        found = self._items.get(key)
        if found is None:
            self.load([pk])
            layer = self.layers[pk]
            if layer.parent_id is None or self._has_own_rows(pk):
                catalog = Catalog.objects.select_related("organization").get(pk=pk)
                found = effective_catalog(catalog, version).items
            else:
                found = self.items(layer.parent_id, self._parent_version(layer, version))
            self._items[key] = found
        return found

    def by_key(self, items: list[EffectiveItem]) -> dict[str, EffectiveItem]:
        found = self._by_key.get(id(items))
        if found is None:
            found = self._by_key[id(items)] = {item.key: item for item in items}
        return found

    def timing(self, item: EffectiveItem | None) -> tuple[Any, ...] | None:
        if item is None:
            return None
        found = self._timing.get(id(item))
        if found is None:
            found = self._timing[id(item)] = tuple(item.value(name) for name in TIMING_RULES)
        return found

    def since(self, pk: int) -> dict[str, dt.date]:
        """`effective_since` of the layer: for each current item, the publication (local
        date) of the earliest version in the unbroken run of versions with its rules."""
        self.load([pk])
        layer = self.layers[pk]
        versions = sorted(
            ((n, at) for n, (_pv, at) in self.versions[pk].items() if n <= layer.version),
            reverse=True,
        )
        history = tuple((timezone.localdate(at), id(self.items(pk, n))) for n, at in versions)
        signature = (id(self.items(pk, layer.version)), history)
        found = self._since.get(signature)
        if found is None:
            found = self._since[signature] = self._work_out_since(pk, layer, versions)
        return found

    def _work_out_since(
        self, pk: int, layer: _Layer, versions: list[tuple[int, dt.datetime]]
    ) -> dict[str, dt.date]:
        current = self.by_key(self.items(pk, layer.version))
        since: dict[str, dt.date] = {}
        open_keys = {key: self.timing(item) for key, item in current.items()}
        for number, published_at in versions:
            if not open_keys:
                break
            at_version = self.by_key(self.items(pk, number))
            for key in list(open_keys):
                if self.timing(at_version.get(key)) == open_keys[key]:
                    since[key] = timezone.localdate(published_at)
                else:
                    del open_keys[key]
        return since


# --- generation -----------------------------------------------------------------------------

#: Layers generated together: one transaction, and one query of each kind for all of them.
CHUNK = 1000


@dataclass
class Report:
    organizations: int = 0
    created: int = 0
    fulfilled: int = 0
    changed: Counter[str] = field(default_factory=Counter)


@dataclass
class _Owed:
    """One obligation an item owes whatever the organization: a period or a standing year."""

    item: EffectiveItem
    candidate: Candidate
    due: workdays.Deadline
    state: str


@dataclass
class _Plan:
    """What organizations with the same effective items, the same history and the same
    traits (level, kind, setting, pilot) owe: the items that apply to them, and the periods
    and years owed (also as "item key|period key" pairs, for `_complete`)."""

    items: list[EffectiveItem]
    owed: list[_Owed]
    pairs: list[str]


class _Run:
    """One generation run: `on`, the calendar snapshot, and what every layer shares."""

    def __init__(self, on: dt.date) -> None:
        self.on = on
        self.now = clock.now()
        self.calendar = workdays.current_calendar()
        self.missing_years: set[int] = set()
        self.catalogs = _Catalogs()
        self._plans: dict[tuple[Any, ...], _Plan] = {}
        self._applies: dict[int, Any] = {}
        self._deadlines: dict[tuple[dt.date, int], workdays.Deadline] = {}
        self._states: dict[dt.date, str] = {}
        self._rules: dict[int, dict[str, Any]] = {}

    def deadline(self, basis: dt.date, days: int) -> workdays.Deadline:
        found = self._deadlines.get((basis, days))
        if found is None:
            found = self._deadlines[(basis, days)] = self.calendar.deadline(basis, days)
            self.missing_years.update(found.missing_years)
        return found

    def open_state(self, due: dt.date) -> str:
        found = self._states.get(due)
        if found is None:
            found = self._states[due] = open_state(due, self.on)
        return found

    def rules(self, item: EffectiveItem) -> dict[str, Any]:
        found = self._rules.get(id(item))
        if found is None:
            found = self._rules[id(item)] = _rules_of(item)
        return found

    def _applies_to(self, item: EffectiveItem, org: _Org) -> bool:
        """`applicability.applies`, its parse done once per item."""
        spec = self._applies.get(id(item))
        if spec is None:
            spec = self._applies[id(item)] = applicability.parse(item.value("applies_to"))
        # matches() reads the organization's depth, kind, setting and pilot flag only.
        return spec.everywhere or spec.matches(cast(Any, org), item.origin.organization.depth)

    def plan(self, layer: _Target) -> _Plan:
        items = self.catalogs.items(layer.pk, layer.version)
        since = self.catalogs.since(layer.pk)
        org = layer.organization
        signature = (id(items), id(since), org.depth, org.kind, org.setting, org.is_pilot)
        found = self._plans.get(signature)
        if found is None:
            found = self._plans[signature] = self._work_out_plan(items, since, org)
        return found

    def _work_out_plan(
        self, items: list[EffectiveItem], since: dict[str, dt.date], org: _Org
    ) -> _Plan:
        applying = [item for item in items if self._applies_to(item, org)]
        owed: list[_Owed] = []
        for item in applying:
            start = since.get(item.key)
            if start is None:
                continue
            for candidate in calendar_candidates(item, start, self.on):
                due = self.deadline(candidate.basis_date, candidate.deadline_days)
                owed.append(_Owed(item, candidate, due, self.open_state(due.date)))
        pairs = [f"{o.item.key}|{o.candidate.period_key}" for o in owed]
        return _Plan(applying, owed, pairs)


@dataclass(frozen=True, slots=True)
class _Org:
    """What generation reads of an organization: what `applies` asks, and the path."""

    pk: int
    path: str
    depth: int
    kind: str
    setting: str
    is_pilot: bool


@dataclass(frozen=True, slots=True)
class _Target:
    """A layer to generate for (read as plain values: 20,000 model instances a run cost
    more than everything else the daily run does)."""

    pk: int
    version: int
    organization: _Org

    @property
    def organization_id(self) -> int:
        return self.organization.pk


def generate(
    on: dt.date | None = None, organizations: Iterable[Organization] | None = None
) -> Report:
    """Create every obligation owed up to `on` that does not exist yet (idempotent: a run
    after downtime catches up, a run twice changes nothing).

    Layers are taken CHUNK at a time, each chunk in one transaction; when nothing is missing
    a chunk costs a few counting queries (see `_Plan`), so the daily run stays cheap."""
    on = on or today()
    report = Report()
    run = _Run(on)
    layers = Catalog.objects.filter(version__gt=0, organization__is_active=True)
    if organizations is not None:
        layers = layers.filter(organization__in=[o.pk for o in organizations])
    else:
        run.catalogs.load_all()
    rows = layers.order_by("organization__path").values_list(
        "pk",
        "version",
        "organization_id",
        "organization__path",
        "organization__depth",
        "organization__kind",
        "organization__setting",
        "organization__is_pilot",
    )
    chunk: list[_Target] = []
    analyzed = 0
    for pk, version, org_pk, path, depth, kind, setting, is_pilot in rows.iterator(CHUNK):
        chunk.append(_Target(pk, version, _Org(org_pk, path, depth, kind, setting, is_pilot)))
        if len(chunk) == CHUNK:
            _generate_chunk(chunk, run, report)
            chunk = []
            if report.created - analyzed >= ANALYZE_AFTER:
                _analyze()
                analyzed = report.created
    if chunk:
        _generate_chunk(chunk, run, report)
    if run.missing_years:
        workdays.record_missing_years(run.missing_years)
    return report


#: Rows created after which PostgreSQL's statistics of the obligations are refreshed within a
#: run (see `_analyze`).
ANALYZE_AFTER = 200_000


def _analyze() -> None:
    """Refresh PostgreSQL's statistics of the obligations mid-run. A first generation fills
    an empty table with a county's year; until autovacuum's next pass the planner believes
    it empty and answers `_complete` by reading the whole (growing) table, chunk after
    chunk. SQLite plans by its indexes, without statistics."""
    connection = connections[Obligation.objects.db]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(Obligation._meta.db_table)}")


def _generate_chunk(layers: list[_Target], run: _Run, report: Report) -> None:
    with transaction.atomic():
        run.catalogs.load(layer.pk for layer in layers)
        plans = {layer.pk: run.plan(layer) for layer in layers}
        missing = _missing(layers, plans, run)
        if missing:
            _create(missing, run, report)
    report.organizations += len(layers)


def _complete(org_ids: list[int], pairs: list[str]) -> set[int]:
    """Those of `org_ids` that owe every one of `pairs` ("item key|period key") already: one
    count over each organization's entries in the (organization, item, period) unique index.
    A period key holds no "|", so a pair names one (item, period) exactly."""
    connection = connections[Obligation.objects.db]
    table = connection.ops.quote_name(Obligation._meta.db_table)
    sql = (
        f"SELECT organization_id, COUNT(*) FROM {table} "
        f"WHERE organization_id IN ({', '.join(['%s'] * len(org_ids))}) "
        f"AND item_key || '|' || period_key IN ({', '.join(['%s'] * len(pairs))}) "
        "GROUP BY organization_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*org_ids, *pairs])
        return {org for org, n in cursor.fetchall() if n == len(pairs)}


@dataclass
class _New:
    layer: _Target
    item: EffectiveItem
    candidate: Candidate
    due: workdays.Deadline
    state: str
    #: The shared _Owed it comes from (its prepared values are shared too), if any.
    owed: _Owed | None = None


def _missing(layers: list[_Target], plans: dict[int, _Plan], run: _Run) -> list[_New]:
    """The obligations of `layers` that do not exist yet."""
    # The periods and years first, one count per plan for all its organizations: one whose
    # count is complete owes nothing of them.
    by_plan: dict[int, list[int]] = {}
    for layer in layers:
        if plans[layer.pk].pairs:
            by_plan.setdefault(id(plans[layer.pk]), []).append(layer.organization_id)
    plan_of = {id(plans[layer.pk]): plans[layer.pk] for layer in layers}
    incomplete: set[int] = set()
    for plan_id, org_ids in by_plan.items():
        incomplete.update(set(org_ids) - _complete(org_ids, plan_of[plan_id].pairs))
    # Recorded events and staged plans: read for the whole chunk (there are few).
    org_ids = [layer.organization_id for layer in layers]
    events: dict[tuple[int, str], list[RecordedEvent]] = {}
    for event in RecordedEvent.objects.filter(organization_id__in=org_ids):
        events.setdefault((event.organization_id, event.item_key), []).append(event)
    staged: dict[tuple[int, str], list[StagePlan]] = {}
    for plan in StagePlan.objects.filter(organization_id__in=org_ids):
        staged.setdefault((plan.organization_id, plan.item_key), []).append(plan)
    recorded: dict[int, list[tuple[EffectiveItem, Candidate]]] = {}
    if events or staged:
        for layer in layers:
            org = layer.organization_id
            since = run.catalogs.since(layer.pk)
            for item in plans[layer.pk].items:
                if item.key not in since:
                    continue
                found = recorded_candidates(
                    item, run.on, events.get((org, item.key), []), staged.get((org, item.key), [])
                )
                recorded.setdefault(org, []).extend((item, c) for c in found)
    # What exists of it, for the organizations that may miss something (none at all, for an
    # organization owing nothing yet: nothing to read).
    looked_at = sorted(incomplete | set(recorded))
    existing: set[tuple[int, str, str]] = set()
    holding: set[int] = set()
    for start in range(0, len(looked_at), CHUNK):
        part = looked_at[start : start + CHUNK]
        rows = Obligation.objects.filter(organization_id__in=part)
        if not incomplete.intersection(part):
            keys = {c.period_key for org in part for _i, c in recorded.get(org, [])}
            rows = rows.filter(period_key__in=keys)
        for row in rows.values_list("organization_id", "item_key", "period_key"):
            existing.add(row)
            holding.add(row[0])
    new: list[_New] = []
    for layer in layers:
        org = layer.organization_id
        if org in incomplete:
            fresh = org not in holding
            for owed in plans[layer.pk].owed:
                if fresh or (org, owed.item.key, owed.candidate.period_key) not in existing:
                    new.append(_New(layer, owed.item, owed.candidate, owed.due, owed.state, owed))
        for item, candidate in recorded.get(org, []):
            if (org, item.key, candidate.period_key) not in existing:
                due = run.deadline(candidate.basis_date, candidate.deadline_days)
                new.append(_New(layer, item, candidate, due, run.open_state(due.date)))
    return new


def _published(new: list[_New]) -> dict[tuple[int, str, str], Disclosure]:
    """The first publication still on show for each (organization, item, period key) of
    `new` (a withdrawn one fulfils nothing: `unfulfil` reopened what it had fulfilled)."""
    found: dict[tuple[int, str, str], Disclosure] = {}
    org_ids = sorted({n.layer.organization_id for n in new})
    item_keys = sorted({n.item.key for n in new})
    for start in range(0, len(org_ids), CHUNK):
        rows = (
            Disclosure.objects.filter(
                organization_id__in=org_ids[start : start + CHUNK],
                item__key__in=item_keys,
                state__in=PUBLIC_STATES,
            )
            .exclude(state=DisclosureState.WITHDRAWN)
            .exclude(period_key="")
            .exclude(publish_from__isnull=True)
            .select_related("item")
            .order_by("publish_from", "pk")
        )
        for d in rows:
            found.setdefault((d.organization_id, d.item.key, d.period_key), d)
    return found


#: The obligation's columns in the order `_create` writes them, and where the values that
#: differ between organizations go.
_COLUMNS = [f.column for f in Obligation._meta.concrete_fields if not f.primary_key]
_AT = {column: index for index, column in enumerate(_COLUMNS)}


class _Rows:
    """The INSERT's rows: the values an (item, period) owes are prepared once (an item's
    rules are the same JSON for every organization) and copied for each organization."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.connection = connections[Obligation.objects.db]
        self.now = self.connection.ops.adapt_datetimefield_value(run.now)
        self._rules: dict[int, Any] = {}
        self._prepared: dict[int, list[Any]] = {}
        self._kept: list[Any] = []  # keeps the objects whose id() keys the caches alive

    def _day(self, value: dt.date | None) -> Any:
        return None if value is None else self.connection.ops.adapt_datefield_value(value)

    def _rules_value(self, item: EffectiveItem) -> Any:
        found = self._rules.get(id(item))
        if found is None:
            field = Obligation._meta.get_field("rules")
            found = self._rules[id(item)] = field.get_db_prep_save(
                self.run.rules(item), self.connection
            )
        return found

    def prepared(self, n: _New) -> list[Any]:
        key = id(n.owed) if n.owed is not None else id(n.candidate)
        found = self._prepared.get(key)
        if found is None:
            self._kept.append(n.owed or n.candidate)
            item, c = n.item, n.candidate
            escalate = item.value("escalate_after_days")
            values = {
                "organization_id": None,
                "path": None,
                "item_key": item.key,
                "category_key": item.value("category_key") or "",
                "name": item.value("name"),
                "catalog_id": None,
                "catalog_version": None,
                "item_id": item.item.pk,
                "rules": self._rules_value(item),
                "source": c.source,
                "period_key": c.period_key,
                "period_start": self._day(c.period_start),
                "period_end": self._day(c.period_end),
                "event_id": c.event.pk if c.event is not None else None,
                "plan_id": c.plan.pk if c.plan is not None else None,
                "origin_id": None,
                "basis_date": self._day(c.basis_date),
                "due_date": self._day(n.due.date),
                "provisional": n.due.provisional,
                "escalate_after_days": escalate if escalate is not None else DEFAULT_ESCALATE_AFTER,
                "state": n.state,
                "state_since": self.now,
                "disclosure_id": None,
                "fulfilled_at": None,
                "created_at": self.now,
            }
            found = self._prepared[key] = [values[column] for column in _COLUMNS]
        return found


#: Rows per INSERT statement: 25 columns each stays under SQLite's 32,766 parameters.
_ROWS_PER_INSERT = 1000


def _insert(connection: Any, rows: list[tuple[Any, ...]]) -> None:
    """INSERT `rows` (in `_COLUMNS` order), many rows to a statement: a statement per row
    costs a round trip each on PostgreSQL (minutes for a county's year)."""
    ops = connection.ops
    table = ops.quote_name(Obligation._meta.db_table)
    columns = ", ".join(ops.quote_name(column) for column in _COLUMNS)
    if connection.vendor == "postgresql":
        # COPY: an order of magnitude faster than INSERTs there.
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    one = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _ROWS_PER_INSERT):
            part = rows[start : start + _ROWS_PER_INSERT]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(part))}",
                [value for row in part for value in row],
            )


def _create(new: list[_New], run: _Run, report: Report) -> None:
    """Write `new` and count it in the roll-ups.

    One prepared INSERT for all the rows, not `bulk_create`: a county's year is over a
    million rows, and Django spends most of a bulk_create preparing each value of each row,
    while here what every organization shares is prepared once (`_Rows`)."""
    published = _published(new)
    prepare = _Rows(run)
    at_org, at_path = _AT["organization_id"], _AT["path"]
    at_catalog, at_version = _AT["catalog_id"], _AT["catalog_version"]
    at_state, at_disclosure, at_fulfilled = _AT["state"], _AT["disclosure_id"], _AT["fulfilled_at"]
    ops = prepare.connection.ops
    rows = []
    deltas: Counter[tuple[str, dt.date, str]] = Counter()
    for n in new:
        org = n.layer.organization
        row = prepare.prepared(n).copy()
        row[at_org], row[at_path] = org.pk, org.path
        row[at_catalog], row[at_version] = n.layer.pk, n.layer.version
        state = n.state
        if published:
            disclosure = published.get((org.pk, n.item.key, n.candidate.period_key))
            if disclosure is not None and disclosure.publish_from is not None:
                state = fulfilled_state(n.due.date, disclosure.publish_from)
                row[at_state], row[at_disclosure] = state, disclosure.pk
                row[at_fulfilled] = ops.adapt_datetimefield_value(disclosure.publish_from)
                report.fulfilled += 1
        rows.append(tuple(row))
        deltas[(org.path, n.due.date, state)] += 1
    _insert(prepare.connection, rows)
    rollups.apply(deltas)
    report.created += len(rows)


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


def refresh(on: dt.date | None = None) -> Counter[str]:
    """Move open obligations whose state the calendar changed by `on` (upcoming → due soon
    → overdue), in batches, each one transaction with its roll-ups.

    Reads exactly the obligations in a wrong state, by two ranges of the (state, due date)
    index: due soon means on or after `on` and before the (DUE_SOON_DAYS + 1)-th working day
    after it (`open_state`), so an upcoming obligation due before that day, or one due soon
    whose due date lies outside that range, must move. When nothing changed nothing is read.
    """
    on = on or today()
    soon_until = workdays.current_calendar().deadline(on, DUE_SOON_DAYS + 1).date
    wrong = (
        Obligation.objects.filter(
            Q(state=State.UPCOMING, due_date__lt=soon_until)
            | Q(state=State.DUE_SOON, due_date__lt=on)
            | Q(state=State.DUE_SOON, due_date__gte=soon_until)
        )
        .order_by()
        .values_list("pk", flat=True)
    )
    pks = list(wrong.iterator(chunk_size=5000))
    changed: Counter[str] = Counter()
    states: dict[dt.date, str] = {}
    for start in range(0, len(pks), 1000):
        with transaction.atomic():
            locked = (
                Obligation.objects.select_for_update()
                .filter(pk__in=pks[start : start + 1000], state__in=OPEN_STATES)
                .values_list("pk", "path", "state", "due_date")
            )
            moves: dict[tuple[str, str], list[int]] = {}
            deltas: Counter[tuple[str, dt.date, str]] = Counter()
            for pk, path, state, due in locked:
                if due not in states:
                    states[due] = open_state(due, on)
                target = states[due]
                if target != state:
                    moves.setdefault((state, target), []).append(pk)
                    deltas[(path, due, state)] -= 1
                    deltas[(path, due, target)] += 1
            now = clock.now()
            for (_was, target), moved in moves.items():
                Obligation.objects.filter(pk__in=moved).update(state=target, state_since=now)
                changed[target] += len(moved)
            rollups.apply(deltas)
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
