"""Realistic synthetic disclosures for `gongkai seed --disclosures N`, in bounded memory.

What a database seeded here looks like (deterministic for a seed, whatever the clock says):

- **Catalogs.** Every organization without a catalog layer gets one, as `push_down` would
  give it: towns load the shipped town catalog (镇村党务公开目录), counties, cities and the
  province the county committee's, party groups the institution catalog; every other
  organization inherits from the nearest layer above. The items an organization may disclose
  on are the items of that chain that apply to it (`catalog.applicability`: a village branch
  gets the village items, the town committee its own); a test holds this to
  `applicable_catalog`.
- **Who discloses.** Organizations are weighted by kind (towns and counties most, then
  village branches, general branches, community branches, party groups), times a Zipf-like
  factor (rank^-0.6 over a seeded shuffle), and a seeded share of them is inactive (no
  disclosures at all). An organization whose catalog has no item for it discloses nothing.
- **When.** `--disclosures N` publications are spread evenly over the three years before
  `END` (a fixed date, so the data never depends on the clock), in order; each picks an
  applicable item, its period (2025-Q3 …) or its event date, and the item's scope: mostly
  public, party-internal where the item says, party-first items public a few working days
  later.
- **Their lives.** Every disclosure walks create → submit → review → approve → publish
  (events as the workflow writes them, its revision 1 with the `published_*` fields filled as
  `workflow._store_published` fills them: `visibility.masked_content` with no exceptions, so
  equal to the plain text, which holds no personal data); about 3 % are corrected later (a
  second revision with the reason as its note, a `correct` event) and about 1.5 % withdrawn
  (the reason on show).
- **The ledger.** Every publication, correction and withdrawal is an entry in its log root's
  Merkle log, appended in time order (later moves wait in a small heap until the sweep
  reaches their time): the documents from `ledger.fast_documents.build` (byte-identical to
  what `Records` rebuilds), salt, commitment, leaf, the tree nodes each append completes and
  a signed head every `heads_every` entries of a log and at its end. `ledger.verification.
  verify` passes on the result (tests hold it to that).

- **Search.** Where the search app is there, each batch also writes the search index
  entries of its disclosures (`gongkai.search.index.published_entry` from what was written,
  `index.add` in bulk): row for row what a rebuild writes (a test holds them equal).

Everything is streamed: `plan()` is a generator that yields one disclosure's life at a time,
the rows go out in batches of one prepared INSERT per table (`executemany`; the same
`_Table` the ledger bench uses) and each batch is committed, so memory holds a batch, the
organizations' weights and the pending heap, never the disclosures. Where there are two
CPUs the rows are made in a forked process while this one writes the batch before (`_Maker`:
the same rows, a test holds them equal), and the secondary indexes are built once at the
end (`indexes`).
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import heapq
import importlib
import itertools
import multiprocessing
import os
import random
import resource
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connections, models, transaction
from django.utils import translation

from gongkai.accounts.models import User
from gongkai.catalog import exchange
from gongkai.catalog.applicability import parse as parse_applies_to
from gongkai.catalog.builtin import builtin_templates
from gongkai.catalog.effective import EffectiveItem
from gongkai.catalog.models import (
    ITEM_FIELDS,
    Catalog,
    CatalogVersion,
    Category,
    Item,
    Scope,
    Timing,
)
from gongkai.catalog.services import new_key
from gongkai.compliance import periods
from gongkai.devtools.synthetic import indexes
from gongkai.devtools.synthetic.ledger import (
    _LogState,
    _next_id,
    _reset_sequences,
    _Table,
    store_logs,
)
from gongkai.disclosures import changes, visibility
from gongkai.disclosures.models import Disclosure, Event, Revision, State
from gongkai.disclosures.workflow import item_rules
from gongkai.ledger import log as ledger
from gongkai.ledger import merkle, notes, signing
from gongkai.ledger.canonical import canonical_time
from gongkai.ledger.fast_documents import DisclosureRow, EventRow, RevisionRow, RowSubject, build
from gongkai.ledger.models import Kind, Log, LogEntry, LogNode, SignedHead
from gongkai.organizations.models import Organization

#: Bump when a change here changes what is seeded (the portal bench caches key on it).
GENERATOR_VERSION = 1

#: The sweep ends here (fixed: the same seed gives the same data on any day).
END = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
YEARS = 3
START = END - timedelta(days=365 * YEARS)
BATCH = 5_000
HEADS_EVERY = 1_000

#: Shares of the lives (per disclosure, drawn from the seed).
CORRECTED = 0.03
WITHDRAWN = 0.015
#: Share of organizations that disclose nothing at all.
INACTIVE = 0.15
ZIPF_EXPONENT = 0.6

#: Which shipped catalog an organization of the synthetic tree loads (by the last segment
#: of its code: P province, C city, X county, T town, J party group); the rest inherit.
TEMPLATE_BY_SEGMENT = {
    "P": "county-committee",
    "C": "county-committee",
    "X": "county-committee",
    "T": "town-seven-categories",
    "J": "institution-party-group",
}

_LIFE = (
    ("create", State.DRAFT, State.DRAFT, "clerk", timedelta(days=6)),
    ("submit", State.DRAFT, State.SUBMITTED, "clerk", timedelta(days=4)),
    ("review", State.SUBMITTED, State.REVIEWED, "reviewer", timedelta(days=3)),
    ("approve", State.REVIEWED, State.APPROVED, "reviewer", timedelta(days=2)),
    ("publish", State.APPROVED, State.PUBLISHED, "clerk", timedelta(0)),
)

_PARAGRAPHS = (
    "经支部委员会研究，现将有关情况公示如下。公示期间如有异议，请向党支部或上级党组织反映。",
    "本次事项严格按照有关规定和程序办理，相关材料已在党员大会上通报，并经集体讨论决定。",
    "公示时间为五个工作日。反映问题应实事求是，以个人名义反映的请署真实姓名。",
    "对反映的问题，党组织将认真调查核实，并以适当方式向反映人反馈处理结果。",
    "党员和群众可通过来信、来访或意见箱等方式反映意见和建议。",
    "本季度共召开支部委员会会议三次、党员大会一次、党小组会六次，上党课一次。",
    "党费收缴情况已逐一登记造册，收缴、使用和管理严格执行有关规定。",
    "村级集体经济收入主要来源于土地流转、物业出租和农业产业项目分红。",
    "会议传达学习了上级有关文件精神，研究部署了下一阶段重点工作。",
    "按照年度计划，组织党员开展志愿服务活动，走访慰问困难群众和老党员。",
)
_CORRECTION_REASONS = (
    "原公示中会议日期有误，现予更正。",
    "补充遗漏的事项说明。",
    "更正个别文字表述。",
)
_WITHDRAWAL_REASONS = (
    "该事项经上级党组织审核需重新研究，暂予撤回。",
    "重复发布，撤回本条。",
)
_POOL = 256


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """One catalog item as disclosures need it (`rules` as `workflow.item_rules` gives)."""

    pk: int
    key: str
    name: str
    scope: str
    party_first: bool
    lag_days: int
    timing: str
    period: str
    min_publicity_days: int | None
    channels: tuple[str, ...]
    consultation_required: bool
    rules: dict[str, Any]
    #: The item's own category (the search index's, where the rules name none).
    category_key: str = ""


@dataclass(frozen=True, slots=True)
class OrgSpec:
    pk: int
    code: str
    name: str
    #: The organization's own catalog layer.
    catalog_pk: int
    #: The log root its entries go to (`ledger.root_of`).
    root_pk: int
    #: Indexes into the item list of the items that apply to it.
    items: tuple[int, ...]


@dataclass(slots=True)
class Life:
    """One disclosure's whole life, as `plan` yields it."""

    k: int
    org: int
    item: int
    at: datetime
    public_from: datetime | None
    until: datetime | None
    title: str
    content: int
    period: str
    period_key: str
    event_date: date | None
    corrected_at: datetime | None = None
    correction: int = 0
    corrected_content: int = 0
    withdrawn_at: datetime | None = None
    withdrawal: int = 0


@dataclass
class Summary:
    disclosures: int
    entries: int
    logs: int
    heads: int
    corrected: int
    withdrawn: int
    organizations_with: int
    catalogs_made: int
    seconds: float
    #: Peak resident memory of this process, in MiB (resource.getrusage).
    peak_rss_mib: float = 0.0
    #: Peak resident memory of the search index's tokenizing worker (0 without one).
    worker_peak_rss_mib: float = 0.0
    #: Peak resident memory of the forked process that made the rows (0 when they were
    #: made in this process); it counts the pages it shares with this one since the fork.
    maker_peak_rss_mib: float = 0.0
    #: "indexed" where the search entries were written with the disclosures, else "".
    search_index: str = ""
    counts: dict[str, int] = field(default_factory=dict)


# -- catalogs -------------------------------------------------------------------------------


def _segment(code: str) -> str:
    return code.rsplit("-", 1)[-1][:1]


def _load_template(catalog: Catalog, template: str, cache: dict[str, Any]) -> None:
    """Write the shipped catalog `template` into `catalog` as version 1 (what
    `services.load_catalog_data` and `publish_catalog` write, without a person's rights)."""
    data = cache.get(template)
    if data is None:
        parsed = exchange.parse_yaml(builtin_templates()[template].read())
        assert not parsed.errors, parsed.errors
        data = cache[template] = parsed.data
    categories, items = [], []
    for c_pos, category in enumerate(data["categories"], start=1):
        category_key = new_key(catalog, category.get("key") or None)
        categories.append(
            Category(
                catalog=catalog,
                key=category_key,
                introduced_in=1,
                name=category["name"],
                description=category.get("description", ""),
                position=c_pos,
            )
        )
        for i_pos, values in enumerate(category["items"], start=1):
            fields = {k: v for k, v in values.items() if k in _ITEM_FIELDS}
            fields["category_key"] = category_key
            items.append(
                Item(
                    catalog=catalog,
                    key=new_key(catalog, values.get("key") or None),
                    introduced_in=1,
                    position=c_pos * 1000 + i_pos,
                    **fields,
                )
            )
    Category.objects.using(catalog._state.db).bulk_create(categories)
    Item.objects.using(catalog._state.db).bulk_create(items)


_ITEM_FIELDS = frozenset(ITEM_FIELDS)


def ensure_catalogs(using: str) -> int:
    """Give every organization without a catalog layer one (see the module docstring);
    returns how many were made. Superiors first, so each finds its nearest layer. Primary
    keys are handed out here (as the tree loader does), so a child can point at a layer
    still waiting in the batch."""
    layer_of: dict[int, int] = dict(
        Catalog.objects.using(using).values_list("organization_id", "pk")
    )
    titles: dict[int, str] = dict(Catalog.objects.using(using).values_list("pk", "title"))
    next_id = _next_id(Catalog, using)
    made = 0
    cache: dict[str, Any] = {}
    pending: list[Catalog] = []

    def flush() -> None:
        if not pending:
            return
        Catalog.objects.using(using).bulk_create(pending)
        CatalogVersion.objects.using(using).bulk_create(
            [
                CatalogVersion(
                    catalog_id=c.pk,
                    number=1,
                    parent_version=1 if c.parent_id else None,
                    note="合成数据：继承上级目录" if c.parent_id else "合成数据：载入目录模板",
                )
                for c in pending
            ]
        )
        pending.clear()

    rows = (
        Organization.objects.using(using)
        .order_by("path")
        .values_list("pk", "code", "parent_id")
        .iterator(chunk_size=20_000)
    )
    nearest: dict[int, int] = {}  # org pk -> its layer, or the nearest one above it
    for pk, code, parent_id in rows:
        above = nearest.get(parent_id) if parent_id is not None else None
        if pk in layer_of:
            nearest[pk] = layer_of[pk]
            continue
        template = TEMPLATE_BY_SEGMENT.get(_segment(code))
        if template is None and above is None:
            template = "town-branch"
        layer = Catalog(
            id=next_id,
            organization_id=pk,
            version=1,
            parent_id=None if template else above,
            based_on_parent_version=0 if template else 1,
        )
        next_id += 1
        if template is not None:
            shipped = builtin_templates()[template]
            layer.title, layer.source = shipped.title[:200], shipped.source[:200]
            layer._state.db = using
            pending.append(layer)
            flush()
            _load_template(layer, template, cache)
        else:
            assert above is not None
            layer.title = layer.source = titles[above]
            pending.append(layer)
            if len(pending) >= 2_000:
                flush()
        layer_of[pk] = nearest[pk] = layer.pk
        titles[layer.pk] = layer.title
        made += 1
    flush()
    _reset_sequences(using, [Catalog])
    return made


# -- organizations and their items ----------------------------------------------------------


@dataclass
class _Catalogs:
    items: list[ItemSpec]
    orgs: list[OrgSpec]


def _items_of_layer(layer: Catalog) -> list[tuple[Item, Any]]:
    rows = list(Item.objects.using(layer._state.db).at(layer.version).filter(catalog=layer))
    rows.sort(key=lambda i: (i.position, i.pk))
    return [(item, parse_applies_to(item.applies_to)) for item in rows]


def load_catalogs(using: str) -> _Catalogs:
    """Every organization (tree order) with its log root and the items that apply to it.

    The items are the ones of the nearest layer up the chain that defines items (the
    synthetic layers inherit without overrides), kept where `applicability` says they apply:
    the same answer as `applicable_catalog` for these layers (tested)."""
    with_log = set(Log.objects.using(using).values_list("root_id", flat=True))
    depths = set(settings.GONGKAI_LEDGER_ROOT_DEPTHS)
    layers = {
        c.organization_id: c
        for c in Catalog.objects.using(using)
        .select_related("organization")
        .only("pk", "organization_id", "parent_id", "version", "organization__depth")
    }
    by_pk = {c.pk: c for c in layers.values()}
    defining: dict[int, tuple[int, int]] = {}  # layer pk -> (defining layer pk, its depth)
    items: list[ItemSpec] = []
    item_index: dict[int, list[tuple[int, Any]]] = {}  # defining layer -> [(index, spec)]

    def defining_layer(layer: Catalog) -> Catalog:
        chain = []
        current: Catalog | None = layer
        while current is not None and current.pk not in defining:
            chain.append(current)
            has_items = Item.objects.using(using).filter(catalog=current).exists()
            if has_items or current.parent_id is None:
                defining[current.pk] = (current.pk, current.organization.depth)
                break
            current = by_pk.get(current.parent_id)
        found = defining[current.pk] if current is not None else (layer.pk, 0)
        for c in chain:
            defining[c.pk] = found
        return by_pk[found[0]]

    interned: dict[tuple[int, ...], tuple[int, ...]] = {}
    orgs: list[OrgSpec] = []
    root_of: dict[int, int] = {}
    rows = (
        Organization.objects.using(using)
        .order_by("path")
        .values_list("pk", "code", "name", "parent_id", "depth", "kind", "setting", "is_pilot")
        .iterator(chunk_size=20_000)
    )
    for pk, code, name, parent_id, depth, kind, setting, is_pilot in rows:
        is_root = pk in with_log or depth in depths or parent_id is None
        root = root_of[pk] = pk if is_root else root_of[parent_id]
        layer = layers.get(pk)
        if layer is None or layer.version < 1:
            continue
        source = defining_layer(layer)
        specs = item_index.get(source.pk)
        if specs is None:
            specs = []
            for item, applies in _items_of_layer(source):
                rules = item_rules(EffectiveItem(item=item, origin=source, locked=item.locked))
                specs.append((len(items), applies))
                items.append(
                    ItemSpec(
                        pk=item.pk,
                        key=item.key,
                        name=item.name,
                        scope=item.scope,
                        party_first=item.party_first,
                        lag_days=item.party_first_lag_days,
                        timing=item.timing,
                        period=item.period,
                        min_publicity_days=item.min_publicity_days,
                        channels=tuple(item.channels or ()),
                        consultation_required=item.consultation_required,
                        rules=rules,
                        category_key=item.category_key,
                    )
                )
            item_index[source.pk] = specs
        source_depth = source.organization.depth
        stand_in = _OrgStandIn(depth, kind, setting, is_pilot)
        chosen = tuple(
            index
            for index, applies in specs
            if applies.everywhere or applies.matches(stand_in, source_depth)  # type: ignore[arg-type]
        )
        chosen = interned.setdefault(chosen, chosen)
        orgs.append(OrgSpec(pk, code, name, layer.pk, root, chosen))
    return _Catalogs(items, orgs)


@dataclass(frozen=True, slots=True)
class _OrgStandIn:
    """What `AppliesTo.matches` reads of an organization."""

    depth: int
    kind: str
    setting: str
    is_pilot: bool


# -- the plan -------------------------------------------------------------------------------

_BASE_WEIGHT = {"T": 10.0, "X": 6.0, "C": 3.0, "P": 3.0, "J": 1.5, "Z": 2.0}


def weights(orgs: Sequence[OrgSpec], seed: int) -> list[float]:
    """Each organization's share of the disclosures (see the module docstring)."""
    rng = random.Random(f"weights-{seed}")
    ranks = list(range(1, len(orgs) + 1))
    rng.shuffle(ranks)
    out = []
    for org, rank in zip(orgs, ranks, strict=True):
        if not org.items or rng.random() < INACTIVE:
            out.append(0.0)
            continue
        segment = _segment(org.code)
        base = _BASE_WEIGHT.get(segment)
        if base is None:  # a branch
            base = 3.0 if "村" in org.name else 2.5 if "社区" in org.name else 1.0
        out.append(base * rank**-ZIPF_EXPONENT)
    return out


def _working_days_after(day: datetime, days: int) -> datetime:
    """`days` working days later (weekends skipped; holidays are the calendar's business,
    not a synthetic sweep's)."""
    current = day
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def plan(
    orgs: Sequence[OrgSpec], items: Sequence[ItemSpec], count: int, seed: int
) -> Iterator[Life]:
    """Yield `count` disclosures' lives in publication order, one at a time (lazy: nothing
    is generated before it is asked for)."""
    if count <= 0:
        return
    rng = random.Random(f"plan-{seed}")
    cumulative = list(itertools.accumulate(weights(orgs, seed)))
    total = cumulative[-1] if cumulative else 0.0
    if total <= 0:
        raise ValueError("no organization has a catalog item that applies to it")
    span = (END - START).total_seconds()
    for k in range(count):
        at = START + timedelta(seconds=span * (k + 0.5 + 0.4 * (rng.random() - 0.5)) / count)
        at = at.replace(microsecond=(at.microsecond // 1000) * 1000)
        slot = min(bisect.bisect_right(cumulative, rng.random() * total), len(orgs) - 1)
        while not orgs[slot].items:  # a zero-weight neighbour at a float edge
            slot = (slot + 1) % len(orgs)
        org = orgs[slot]
        index = org.items[rng.randrange(len(org.items))]
        item = items[index]
        period = period_key = ""
        event_date = None
        if item.timing == Timing.PERIODIC and item.period:
            before = (at - timedelta(days=rng.randint(5, 25))).date()
            found = periods.containing(item.period, before)
            period_key, period = found.key, found.label
        elif item.timing in (Timing.EVENT, Timing.PER_STAGE):
            event_date = (at - timedelta(days=rng.randint(1, 10))).date()
        public_from: datetime | None = None
        if item.scope != Scope.PARTY:
            public_from = (
                _working_days_after(at, item.lag_days) if item.party_first and item.lag_days else at
            )
        until = None
        if item.min_publicity_days:
            end = _working_days_after(at, item.min_publicity_days)
            until = end.replace(hour=15, minute=59, second=59, microsecond=0)  # 23:59:59 +08
        title = f"{org.name}{period}{item.name}"
        if len(title) > 190:
            title = title[:190]
        life = Life(
            k=k,
            org=slot,
            item=index,
            at=at,
            public_from=public_from,
            until=until,
            title=title,
            content=rng.randrange(_POOL),
            period=period,
            period_key=period_key,
            event_date=event_date,
        )
        fate = rng.random()
        if fate < CORRECTED + WITHDRAWN / 3:
            corrected = at + timedelta(days=rng.randint(1, 20), seconds=rng.randint(60, 36_000))
            if corrected < END:
                life.corrected_at = corrected
                life.correction = rng.randrange(len(_CORRECTION_REASONS))
                life.corrected_content = rng.randrange(_POOL)
        if CORRECTED <= fate < CORRECTED + WITHDRAWN:
            after = life.corrected_at or at
            withdrawn = after + timedelta(days=rng.randint(1, 30), seconds=rng.randint(60, 36_000))
            if withdrawn < END:
                life.withdrawn_at = withdrawn
                life.withdrawal = rng.randrange(len(_WITHDRAWAL_REASONS))
        yield life


def _content_pool(seed: int) -> list[tuple[str, str]]:
    """(body, published body): the body masked once as publication masks it."""
    rng = random.Random(f"content-{seed}")
    pool = []
    for _ in range(_POOL):
        paragraphs = rng.sample(_PARAGRAPHS, rng.randint(2, 6))
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        pool.append((body, visibility.scanning.mask(body)))
    return pool


# -- writing --------------------------------------------------------------------------------


class _CopyTable(_Table):
    """`_Table`, written with COPY on PostgreSQL (psycopg's `copy`, an order of magnitude
    faster than INSERTs at this size) and `executemany` of one prepared INSERT elsewhere."""

    def __init__(
        self,
        model: type[models.Model],
        using: str,
        varying: Sequence[str],
        constants: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(model, using, varying, constants)
        fields = {f.attname: f for f in model._meta.concrete_fields}
        fixed = [name for name in fields if name not in varying]
        q = connections[using].ops.quote_name
        columns = ", ".join(q(fields[name].column) for name in (*varying, *fixed))
        self.copy_sql = f"COPY {q(model._meta.db_table)} ({columns}) FROM STDIN"
        self.copies = connections[using].vendor == "postgresql"

    def flush(self) -> None:
        if not self.copies:
            super().flush()
            return
        if self.rows:
            with connections[self.using].cursor() as cursor, cursor.copy(self.copy_sql) as copy:
                for row in self.rows:
                    copy.write_row(row)
            self.written += len(self.rows)
            self.rows.clear()


@dataclass(order=True)
class _Deferred:
    """A later move's entry, waiting in the heap until the sweep reaches its time."""

    at: datetime
    seq: int
    kind: str = field(compare=False)
    root_pk: int = field(compare=False)
    org_pk: int = field(compare=False)
    org_code: str = field(compare=False)
    disclosure_id: int = field(compare=False)
    revision_id: int = field(compare=False)
    event_id: int = field(compare=False)
    published: str = field(compare=False)
    sealed: str = field(compare=False)


def seed(
    count: int,
    *,
    using: str,
    seed: int = 1,
    batch: int = BATCH,
    heads_every: int = HEADS_EVERY,
    progress: Callable[[int], object] | None = None,
    parallel: bool | None = None,
) -> Summary:
    """Seed `count` disclosures into `using` (see the module docstring), in the site's
    language whatever the caller's (period labels and titles are stored text). The rows are
    made in a forked process while this one writes them (`parallel`, by default where there
    is more than one CPU and fork), else both here: the same rows either way."""
    if parallel is None:
        parallel = can_fork()
    with translation.override(settings.LANGUAGE_CODE):
        return _seed(
            count,
            using=using,
            seed=seed,
            batch=batch,
            heads_every=heads_every,
            progress=progress,
            parallel=parallel,
        )


def _seed(
    count: int,
    *,
    using: str,
    seed: int,
    batch: int,
    heads_every: int,
    progress: Callable[[int], object] | None,
    parallel: bool,
) -> Summary:
    started = time.perf_counter()
    if count < 0:
        raise ValueError("count must not be negative")
    connection = connections[using]
    adapt_time = time_adapter(using)
    adapt_json = connection.ops.adapt_json_value
    adapt_date = connection.ops.adapt_datefield_value
    with transaction.atomic(using=using):
        made = ensure_catalogs(using)
    catalogs = load_catalogs(using)
    orgs, items = catalogs.orgs, catalogs.items
    pool = _content_pool(seed)
    rng = random.Random(f"salts-{seed}")
    key = signing.signer()
    with transaction.atomic(using=using):
        stamp = f"{seed}-{_next_id(User, using)}"
        actor = User.objects.using(using).create(
            username=f"seed-{stamp}", display_name="合成数据", is_active=False
        )
    item_rules_json = [adapt_json(item.rules, None) for item in items]
    item_channels_json = [adapt_json(list(item.channels), None) for item in items]
    empty_json = adapt_json({}, None)
    masked_periods: dict[str, str] = {}
    masked_reasons: dict[str, str] = {}

    def masked_reason(reason: str) -> str:
        """`visibility.published_text` with the (empty) mask exceptions of a seeded one."""
        masked = masked_reasons.get(reason)
        if masked is None:
            masked = masked_reasons[reason] = visibility.scanning.mask(reason)
        return masked

    search = _search_index()
    found: list[Any] = []  # this batch's search index entries

    disclosures = _CopyTable(
        Disclosure,
        using,
        [
            "id",
            "organization_id",
            "catalog_id",
            "item_id",
            "period",
            "event_date",
            "period_key",
            "title",
            "body",
            "scope",
            "party_first",
            "party_first_lag_days",
            "channels",
            "rules",
            "publish_from",
            "public_from",
            "publicity_until",
            "state",
            "consultation_required",
            "withdrawal_reason",
            "withdrawn_at",
            "published_revision_id",
            "created_at",
            "updated_at",
        ],
        {"catalog_version": 1, "created_by_id": actor.pk, "data": {}},
    )
    revisions = _CopyTable(
        Revision,
        using,
        [
            "id",
            "disclosure_id",
            "number",
            "title",
            "body",
            "note",
            "published_at",
            "published_title",
            "published_body",
            "published_data",
            "published_period",
            "public_number",
            "published_note",
            "created_at",
        ],
        {"created_by_id": actor.pk, "data": {}},
    )
    events = _CopyTable(
        Event,
        using,
        ["id", "disclosure_id", "action", "from_state", "to_state", "role", "at", "reason"],
        {"actor_id": actor.pk},
    )
    entries = _CopyTable(
        LogEntry,
        using,
        [
            "id",
            "log_id",
            "index",
            "kind",
            "at",
            "organization_id",
            "disclosure_id",
            "revision_id",
            "event_id",
            "document",
            "published_hash",
            "sealed_hash",
            "salt",
            "commitment",
            "leaf_hash",
        ],
    )
    nodes = _CopyTable(LogNode, using, ["id", "log_id", "level", "index", "hash"])
    heads = _CopyTable(SignedHead, using, ["id", "log_id", "size", "root_hash", "at", "checkpoint"])
    ids = {
        "disclosure": _next_id(Disclosure, using),
        "revision": _next_id(Revision, using),
        "event": _next_id(Event, using),
        "entry": _next_id(LogEntry, using),
        "node": _next_id(LogNode, using),
        "head": _next_id(SignedHead, using),
    }
    logs: dict[int, _LogState] = {}
    pending: list[_Deferred] = []
    seq = itertools.count()
    corrected = withdrawn = 0
    with_disclosures: set[int] = set()

    def open_log(root_pk: int) -> _LogState:
        """The log of a root as it stands (made where there is none): in the writing
        process, which alone touches the database."""
        root = Organization.objects.using(using).get(pk=root_pk)
        log = ledger.log_for(root, at=START, using=using)
        log.refresh_from_db(using=using)
        return _LogState(
            log,
            root.code,
            ledger.origin_of(root.code),
            merkle.Frontier.from_bytes(log.size, bytes(log.frontier)),
        )

    def log_of(root_pk: int) -> _LogState:
        state = logs.get(root_pk)
        if state is None:
            state = logs[root_pk] = maker.request_log(root_pk)
        return state

    def sign(state: _LogState) -> None:
        size = state.frontier.size
        if size == state.signed_size or state.last_at is None:
            return
        root_hash = state.frontier.root()
        at_text = canonical_time(state.last_at) or ""
        body = notes.checkpoint_body(state.origin, size, root_hash, at_text)
        heads.add(
            ids["head"],
            state.log.pk,
            size,
            root_hash.hex(),
            adapt_time(state.last_at),
            notes.sign_note(body, key),
        )
        ids["head"] += 1
        state.signed_size = size

    def append(move: _Deferred) -> None:
        state = log_of(move.root_pk)
        at_text = canonical_time(move.at) or ""
        salt = rng.randbytes(32)
        published_hash = hashlib.sha256(move.published.encode("utf-8")).hexdigest()
        sealed_hash = hashlib.sha256(salt + move.sealed.encode("utf-8")).hexdigest()
        commitment = ledger.commitment_of(published_hash, sealed_hash)
        index = state.frontier.size
        leaf_hash = merkle.leaf_hash(
            ledger.leaf_bytes(state.name, index, at_text, move.org_code, commitment)
        )
        entries.add(
            ids["entry"],
            state.log.pk,
            index,
            move.kind,
            adapt_time(move.at),
            move.org_pk,
            move.disclosure_id,
            move.revision_id,
            move.event_id,
            move.published,
            published_hash,
            sealed_hash,
            salt.hex(),
            commitment,
            leaf_hash.hex(),
        )
        ids["entry"] += 1
        for level, node_index, node in state.frontier.append(leaf_hash):
            nodes.add(ids["node"], state.log.pk, level, node_index, node)
            ids["node"] += 1
        state.last_at = move.at
        if state.frontier.size % heads_every == 0:
            sign(state)

    def write(life: Life) -> None:
        nonlocal corrected, withdrawn
        org = orgs[life.org]
        item = items[life.item]
        with_disclosures.add(org.pk)
        d_id = ids["disclosure"]
        ids["disclosure"] += 1
        body, published_body = pool[life.content]
        title = life.title
        published_title = visibility.scanning.mask(title)
        published_period = masked_periods.get(life.period)
        if published_period is None:
            published_period = masked_periods[life.period] = visibility.scanning.mask(life.period)
        at = life.at
        at_text = canonical_time(at) or ""
        # Revisions and the events of the whole life.
        first_rev = ids["revision"]
        revs: list[RevisionRow] = [
            RevisionRow(
                first_rev,
                1,
                title,
                body,
                {},
                published_title,
                published_body,
                {},
                published_period,
                at_text,
                "",
            )
        ]
        revisions.add(
            first_rev,
            d_id,
            1,
            title,
            body,
            "",
            adapt_time(at),
            published_title,
            published_body,
            empty_json,
            published_period,
            1,
            "",
            adapt_time(at - _LIFE[1][4]),
        )
        ids["revision"] += 1
        timeline: list[EventRow] = []
        moves: list[tuple[str, datetime, int, int]] = []  # kind, at, revision, event
        for action, before, after, role, ahead in _LIFE:
            when = at - ahead
            events.add(ids["event"], d_id, action, before, after, role, adapt_time(when), "")
            timeline.append(EventRow(ids["event"], canonical_time(when) or "", action, role, ""))
            ids["event"] += 1
        moves.append((Kind.PUBLISH.value, at, first_rev, ids["event"] - 1))
        shown_rev = first_rev
        final_body = body
        if life.corrected_at is not None:
            corrected += 1
            reason = _CORRECTION_REASONS[life.correction]
            new_body, new_published = pool[life.corrected_content]
            rev = ids["revision"]
            ids["revision"] += 1
            c_text = canonical_time(life.corrected_at) or ""
            revs.append(
                RevisionRow(
                    rev,
                    2,
                    title,
                    new_body,
                    {},
                    published_title,
                    new_published,
                    {},
                    published_period,
                    c_text,
                    reason,
                )
            )
            revisions.add(
                rev,
                d_id,
                2,
                title,
                new_body,
                reason,
                adapt_time(life.corrected_at),
                published_title,
                new_published,
                empty_json,
                published_period,
                2,
                masked_reason(reason),
                adapt_time(life.corrected_at),
            )
            events.add(
                ids["event"],
                d_id,
                "correct",
                State.PUBLISHED,
                State.PUBLISHED,
                "reviewer",
                adapt_time(life.corrected_at),
                reason,
            )
            timeline.append(EventRow(ids["event"], c_text, "correct", "reviewer", reason))
            moves.append((Kind.CORRECT.value, life.corrected_at, rev, ids["event"]))
            ids["event"] += 1
            shown_rev, final_body = rev, new_body
        withdrawal_reason = ""
        if life.withdrawn_at is not None:
            withdrawn += 1
            withdrawal_reason = _WITHDRAWAL_REASONS[life.withdrawal]
            events.add(
                ids["event"],
                d_id,
                "withdraw",
                State.PUBLISHED,
                State.WITHDRAWN,
                "reviewer",
                adapt_time(life.withdrawn_at),
                withdrawal_reason,
            )
            timeline.append(
                EventRow(
                    ids["event"],
                    canonical_time(life.withdrawn_at) or "",
                    "withdraw",
                    "reviewer",
                    withdrawal_reason,
                )
            )
            moves.append((Kind.WITHDRAW.value, life.withdrawn_at, shown_rev, ids["event"]))
            ids["event"] += 1
        last_change = life.withdrawn_at or life.corrected_at or at
        if search is not None:
            withdrawal = masked_reason(withdrawal_reason) if withdrawal_reason else None
            found.append(
                search.published_entry(
                    source_id=d_id,
                    organization_id=org.pk,
                    scope=item.scope,
                    category_key=str(item.rules.get("category_key") or item.category_key or ""),
                    item_key=item.key,
                    period_key=life.period_key,
                    date=at,
                    shown={
                        "title": published_title,
                        "body": revs[-1].published_body,
                        "data": {},
                        "period": published_period,
                    },
                    withdrawal=withdrawal,
                )
            )
        disclosures.add(
            d_id,
            org.pk,
            org.catalog_pk,
            item.pk,
            life.period,
            adapt_date(life.event_date),
            life.period_key,
            title,
            final_body,
            item.scope,
            item.party_first,
            item.lag_days,
            item_channels_json[life.item],
            item_rules_json[life.item],
            adapt_time(at),
            adapt_time(life.public_from),
            adapt_time(life.until),
            State.WITHDRAWN.value if life.withdrawn_at else State.PUBLISHED.value,
            item.consultation_required,
            withdrawal_reason,
            adapt_time(life.withdrawn_at),
            shown_rev,
            adapt_time(at - _LIFE[0][4]),
            adapt_time(last_change),
        )
        row = DisclosureRow(
            d_id,
            org.code,
            item.key,
            item.scope,
            at_text,
            canonical_time(life.public_from),
            canonical_time(life.until),
            life.period,
            (),
            withdrawal_reason,
            canonical_time(life.withdrawn_at),
        )
        by_pk = {r.pk: r for r in revs}
        for kind, when, rev_id, event_id in moves:
            published, sealed = build(
                RowSubject(kind, d_id, rev_id, event_id, canonical_time(when) or ""),
                row,
                by_pk[rev_id],
                timeline,
                (),
            )
            move = _Deferred(
                when,
                next(seq),
                kind,
                org.root_pk,
                org.pk,
                org.code,
                d_id,
                rev_id,
                event_id,
                published,
                sealed,
            )
            if when <= at:
                append(move)
            else:
                heapq.heappush(pending, move)

    tables = (disclosures, revisions, events, entries, nodes, heads)

    def taken() -> list[list[tuple[Any, ...]]]:
        rows = [table.rows for table in tables]
        for table in tables:
            table.rows = []
        return rows

    def produce() -> None:
        """Make every row (in the making process) and hand them over a batch at a time
        (`maker.emit`): ("batch", rows per table, search entries, disclosures done), then
        ("end", the last rows, the logs' final states, what was made)."""
        lives = plan(orgs, items, count, seed)
        done = 0
        with contextlib.ExitStack() as stack:
            # The entries are tokenized in a worker process while the next batch is made.
            adder = None if search is None else stack.enter_context(search.Adder())
            while chunk := list(itertools.islice(lives, batch)):
                for life in chunk:
                    while pending and pending[0].at <= life.at:
                        append(heapq.heappop(pending))
                    write(life)
                done += len(chunk)
                prepared = None if adder is None else adder.swap(found)
                found.clear()
                maker.emit(("batch", taken(), prepared, done))
            while pending:
                append(heapq.heappop(pending))
            for state in logs.values():
                sign(state)
            prepared = None if adder is None else adder.take()
            worker_kib = 0 if adder is None else adder.worker_peak_kib()
            maker_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss if maker.forked else 0
            totals = (corrected, withdrawn, sorted(with_disclosures), worker_kib, maker_kib)
            maker.emit(("end", taken(), prepared, list(logs.values()), totals))

    written: dict[str, Any] = {}

    def store(message: tuple[Any, ...]) -> None:
        """Write what the making process handed over (in this process)."""
        kind, rows, prepared = message[:3]
        with transaction.atomic(using=using):
            for table, table_rows in zip(tables, rows, strict=True):
                table.rows = table_rows
                table.flush()
            if prepared is not None:
                search.backends.write_prepared(prepared)
            if kind == "end":
                states, totals = message[3:]
                store_logs(states, using)
                _reset_sequences(
                    using, [Disclosure, Revision, Event, LogEntry, LogNode, SignedHead]
                )
                # Written past the workflow: counted as its moves are, so no listing stored
                # by a running site outlives the seed (gongkai.portal.stored).
                changes.listing_changed(*totals[2], using=using)
                written.update(logs=len(states), totals=totals)
        if kind == "batch" and progress is not None:
            progress(message[3])

    maker = _Maker(produce, open_log, store)
    with contextlib.ExitStack() as stack:
        stack.enter_context(_bulk_writes(using))
        # Built once at the end instead of row by row (`indexes`); left after the pragmas
        # above, so built with the larger page cache. Then the tables' statistics (the
        # search index's too: newest first on PostgreSQL chooses how it reads by its grams'
        # shares, `search.backends.plan_of`).
        models_ = [Disclosure, Revision, Event, LogEntry, LogNode, SignedHead]
        if search is not None:
            models_.append(search.Entry)
            stack.enter_context(search.backends.bulk_loading())
        stack.enter_context(indexes.set_aside(using, models_, analyze=True))
        maker.run(parallel)
    corrected, withdrawn, with_list, worker_kib, maker_kib = written["totals"]
    return Summary(
        disclosures=count,
        entries=entries.written,
        logs=written["logs"],
        heads=heads.written,
        corrected=corrected,
        withdrawn=withdrawn,
        organizations_with=len(with_list),
        catalogs_made=made,
        seconds=round(time.perf_counter() - started, 2),
        peak_rss_mib=peak_rss_mib(),
        worker_peak_rss_mib=peak_rss_mib(worker_kib) if worker_kib else 0.0,
        maker_peak_rss_mib=peak_rss_mib(maker_kib) if maker_kib else 0.0,
        search_index="" if search is None else "indexed",
    )


def can_fork() -> bool:
    """Whether the seed can make its rows in a forked process beside the one writing them."""
    return (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()


class _Maker:
    """Runs `produce` (which makes the rows and hands them to `emit`) either here, each
    message stored at once, or in a forked process while this one stores the messages as
    they come (`run(parallel=True)`): the making is Python, the storing mostly the
    database's own code, and on two CPUs each takes one. Only this process touches the
    database; the making process asks it for a log (`request_log`) through the pipe.

    The forked process holds at most the batch it makes while this one writes the one
    before (the pipe carries one message at a time). A failure there is raised here with
    its traceback; a failure here stops it."""

    def __init__(
        self,
        produce: Callable[[], None],
        open_log: Callable[[int], _LogState],
        store: Callable[[tuple[Any, ...]], None],
    ) -> None:
        self._produce = produce
        self._open_log = open_log
        self._store = store
        self._pipe: Any = None
        #: Whether this is the forked process.
        self.forked = False
        self.emit: Callable[[tuple[Any, ...]], None] = store
        self.request_log: Callable[[int], _LogState] = open_log

    def run(self, parallel: bool) -> None:
        if not parallel:
            self._produce()
            return
        context = multiprocessing.get_context("fork")
        here, there = context.Pipe()
        process = context.Process(target=self._child, args=(there,))
        process.start()
        there.close()
        try:
            while True:
                try:
                    message = here.recv()
                except EOFError:
                    raise RuntimeError(
                        f"the seed's making process ended early (exit code {process.exitcode})"
                    ) from None
                kind = message[0]
                if kind == "log":
                    here.send(self._open_log(message[1]))
                elif kind == "error":
                    raise RuntimeError(f"the seed's making process failed:\n{message[1]}")
                else:
                    self._store(message)
                    if kind == "end":
                        break
            process.join()
        finally:
            if process.is_alive():
                process.kill()
                process.join()
            here.close()

    def _child(self, pipe: Any) -> None:
        """In the forked process: never touches the database (its connection is the
        parent's) and leaves by `os._exit`, as multiprocessing's fork does, so nothing of
        the parent's is closed or flushed here."""
        self._pipe = pipe
        self.forked = True
        self.emit = pipe.send
        self.request_log = self._ask_for_log
        try:
            self._produce()
        except BaseException:
            pipe.send(("error", traceback.format_exc()))
        finally:
            pipe.close()

    def _ask_for_log(self, root_pk: int) -> _LogState:
        self._pipe.send(("log", root_pk))
        state: _LogState = self._pipe.recv()
        return state


def time_adapter(using: str) -> Callable[[datetime | None], Any]:
    """`connection.ops.adapt_datetimefield_value` for aware datetimes, without its checks:
    at a million disclosures (fifteen times as many times) they were a tenth of the seed.
    SQLite stores the naive time in the connection's time zone as text; other databases
    take the aware datetime (a test holds the two to Django's)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return connection.ops.adapt_datetimefield_value
    zone = connection.timezone

    def adapt(value: datetime | None) -> str | None:
        if value is None:
            return None
        return str(value.astimezone(zone).replace(tzinfo=None))

    return adapt


#: SQLite's page cache for the seed's connection (KiB; the default is 2 MiB): the indexes of
#: a million rows are written with fewer evictions and re-reads.
SEED_CACHE_KIB = 131_072


@contextlib.contextmanager
def _bulk_writes(using: str) -> Iterator[None]:
    """On SQLite, for the seed's connection while it writes: a larger page cache,
    `synchronous=OFF` and the rollback journal in memory instead of the WAL (each page is
    written once, not to the WAL and again at its checkpoint: a seed of 50,000 took 15% less
    time). A crash or power loss during the seed may leave the file unusable; a seed is
    re-run into a clean database, not recovered. The previous values after. Nothing changes
    on other databases, nor inside a transaction (SQLite refuses to change them there: a seed
    called within one), and the WAL stays where another connection holds the file."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        foreign_keys = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA cache_size")
        cache_size = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA synchronous")
        synchronous = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA journal_mode")
        journal = str(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{SEED_CACHE_KIB}")
        outside = not connection.in_atomic_block
        if outside:
            cursor.execute("PRAGMA synchronous = OFF")
            # Answers the mode now in force (unchanged where another connection is open).
            cursor.execute("PRAGMA journal_mode = MEMORY")
            cursor.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {cache_size}")
            if outside:
                cursor.execute(f"PRAGMA synchronous = {synchronous}")
                cursor.execute(f"PRAGMA journal_mode = {journal}")
                cursor.execute(f"PRAGMA foreign_keys = {foreign_keys}")


def peak_rss_mib(kib: int | None = None) -> float:
    """Peak resident memory in MiB: of this process, or `kib` as ru_maxrss gives it (KiB on
    Linux) for another one."""
    if kib is None:
        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kib / 1024, 1)


def _search_index() -> Any:
    """`gongkai.search.index` where the search app can index seeded rows as they are
    written (`published_entry`, `add`), else None."""
    try:
        index = importlib.import_module("gongkai.search.index")
    except ImportError:
        return None
    if not (hasattr(index, "published_entry") and hasattr(index, "Adder")):
        return None
    return index


def rebuild_search_index() -> str:
    """The search hook: where `gongkai.search.index.rebuild` exists (the search app), the
    seeded disclosures are indexed; otherwise nothing happens. Returns what was done."""
    try:
        index = importlib.import_module("gongkai.search.index")
    except ImportError:
        return "not available"
    rebuild = getattr(index, "rebuild", None)
    if rebuild is None:
        return "not available"
    rebuild()
    return "rebuilt"


def counts(using: str) -> dict[str, int]:
    """Rows of each kind, for reports."""
    models_: dict[str, type[models.Model]] = {
        "disclosures": Disclosure,
        "revisions": Revision,
        "events": Event,
        "entries": LogEntry,
    }
    return {name: m._default_manager.using(using).count() for name, m in models_.items()}
