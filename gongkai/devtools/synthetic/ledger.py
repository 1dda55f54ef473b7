"""A synthetic transparency log for `gongkai bench` and `gongkai seed --disclosures`, written
fast (docs/ledger-format.md).

`build(n)` adds `n` published disclosures, spread round-robin over every organization of the
database, each with its own revision (its masked `published_*` bytes stored, as publication
stores them), the events of its way to publication (create, submit, review, approve,
publish) and one `publish` entry in the log of its log root: the documents built by
`fast_documents.build` (byte-identical to `documents.Records`, see its tests), a salt per
entry, the commitment, the leaf hash, every tree node the entry completes
(`merkle.Frontier.append`), and a signed head every `heads_every` entries of a log and at
its end, signed with the deployment's key (`signing.signer`). `verify` passes on the
result; tests hold it to that.

The rows go in by `executemany` of one prepared INSERT per table, in batches, with explicit
primary keys (not `bulk_create`, which spends most of its time compiling values at this
size; see devtools.synthetic.organizations._insert_batches). Only one batch is held in
memory at a time. A log that already exists is continued from its frontier; a log made
here is made by `log.log_for`, as the workflow would.

The contents come from a pool of texts and tables masked once each (`scanning.mask` costs
about 0.1 ms a paragraph): bodies of two to eight paragraphs, a third of the disclosures
with a table, some with a personal number to mask, so published and sealed documents
differ where real ones do.

`build_nodes(n)` is the other figure's tree: a log of `n` leaves with only its nodes (no
entries, no records), for timing proofs at ten million leaves (`gongkai bench`).
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.management.color import no_style
from django.db import connections, models, transaction

from gongkai.accounts.models import User
from gongkai.catalog.models import Catalog, Item, Scope, Timing
from gongkai.devtools.synthetic import organizations as org_synthetic
from gongkai.disclosures import scanning
from gongkai.disclosures.models import Disclosure, Event, Revision, State
from gongkai.ledger import log as ledger
from gongkai.ledger import merkle, notes, signing
from gongkai.ledger.canonical import canonical_time, canonical_value
from gongkai.ledger.fast_documents import DisclosureRow, EventRow, RevisionRow, RowSubject, build
from gongkai.ledger.models import Kind, Log, LogEntry, LogNode, SignedHead
from gongkai.organizations.models import Organization

#: Bump when a change here changes what is built (benchmark caches key on it).
GENERATOR_VERSION = 4

#: Organizations made when the database has none (the bench's own ledger database).
DEFAULT_ORGS = 200
BATCH = 5_000
HEADS_EVERY = 1_000
_START = datetime(2024, 1, 1, tzinfo=UTC)
#: Publications are spread over at most this span, so every one is in the past.
_SPAN = timedelta(days=300)
_POOL = 512

#: The moves of a disclosure up to publication, as the workflow writes them: the event,
#: the states, the role, and how long before publication it happened.
_LIFE = (
    ("create", State.DRAFT, State.DRAFT, "clerk", timedelta(days=5)),
    ("submit", State.DRAFT, State.SUBMITTED, "clerk", timedelta(days=4)),
    ("review", State.SUBMITTED, State.REVIEWED, "reviewer", timedelta(days=3)),
    ("approve", State.REVIEWED, State.APPROVED, "reviewer", timedelta(days=2)),
    ("publish", State.APPROVED, State.PUBLISHED, "clerk", timedelta(0)),
)


@dataclass
class LedgerSummary:
    disclosures: int
    entries: int
    logs: int
    heads: int
    nodes: int
    #: Mean size of a published document, in UTF-8 bytes.
    document_bytes: int
    seconds: float
    #: Without `record`: (disclosure, revision, publish event) ids of what was made.
    unrecorded: list[tuple[int, int, int]] = field(default_factory=list)


# -- contents -------------------------------------------------------------------------------

_PARAGRAPHS = (
    "经支部委员会研究，现将有关情况公示如下。公示期间如有异议，请向党支部或上级党组织反映。",
    "本次事项严格按照有关规定和程序办理，相关材料已在党员大会上通报，并经集体讨论决定。",
    "公示时间为五个工作日。反映问题应实事求是，以个人名义反映的请署真实姓名和联系方式。",
    "对反映的问题，党支部将认真调查核实，并以适当方式向反映人反馈处理结果。",
    "党员和群众可通过来信、来电、来访等方式反映意见，来电请在工作日办公时间内拨打。",
    "此次共涉及党员三十六名，收缴情况已逐一登记造册，具体明细见附表。",
)
_NAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_PERIODS = ("", "", "2025年第一季度", "2025年上半年", "2025年度", "第三次支部委员会会议")


@dataclass(frozen=True)
class _Content:
    body: str
    data: dict[str, Any]
    period: str
    #: Masked as published (visibility.masked_content, no exceptions).
    published_body: str
    published_data: Any
    published_period: str
    #: `data` and `published_data` as read back from the database, canonical (100.0 → 100).
    data_read: Any
    published_data_read: Any


def _content_pool(seed: int) -> list[_Content]:
    rng = random.Random(seed)
    pool = []
    for n in range(_POOL):
        paragraphs = [rng.choice(_PARAGRAPHS) for _ in range(rng.randint(2, 8))]
        if n % 8 == 3:  # a contact number a reader must not see in full
            paragraphs.append(
                f"联系人：{rng.choice(_NAMES)}同志，电话 139{rng.randrange(10**8):08d}。"
            )
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        data: dict[str, Any] = {}
        if n % 3 == 0:
            data = {
                "rows": [
                    {
                        "姓名": rng.choice(_NAMES) + rng.choice(_NAMES),
                        # Whole amounts too: stored as 100.0, canonical as 100.
                        "金额": float(rng.randrange(50, 500))
                        if k % 2
                        else round(rng.uniform(10, 500), 2),
                        "月份": k + 1,
                    }
                    for k in range(rng.randint(3, 12))
                ]
            }
        period = rng.choice(_PERIODS)
        published_data = scanning.mask_data(data)
        pool.append(
            _Content(
                body=body,
                data=data,
                period=period,
                published_body=scanning.mask(body),
                published_data=published_data,
                published_period=scanning.mask(period),
                data_read=canonical_value(data),
                published_data_read=canonical_value(published_data),
            )
        )
    return pool


# -- writing rows ---------------------------------------------------------------------------


class _Table:
    """Batched `executemany` of one prepared INSERT into `model`'s table: the columns named
    in `varying` take each row's values (already adapted for the database), every other
    column a constant adapted once (`constants`, else the field's default)."""

    def __init__(
        self,
        model: type[models.Model],
        using: str,
        varying: Sequence[str],
        constants: Mapping[str, Any] | None = None,
    ) -> None:
        connection = connections[using]
        self.using = using
        constants = dict(constants or {})
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = (set(varying) | set(constants)) - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
        fixed = [name for name in fields if name not in varying]
        values = []
        for name in fixed:
            f = fields[name]
            if name in constants:
                value = constants[name]
            elif f.has_default() or f.null:
                value = f.get_default()
            elif isinstance(f, models.CharField | models.TextField) and f.blank:
                value = ""
            else:
                raise ValueError(f"{model.__name__}.{name} needs a value")
            values.append(f.get_db_prep_save(value, connection))
        self.constants = tuple(values)
        columns = [fields[name].column for name in (*varying, *fixed)]
        q = connection.ops.quote_name
        self.sql = (
            f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(c) for c in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        self.rows: list[tuple[Any, ...]] = []
        self.written = 0

    def add(self, *values: Any) -> None:
        self.rows.append(values + self.constants)

    def flush(self) -> None:
        if self.rows:
            with connections[self.using].cursor() as cursor:
                cursor.executemany(self.sql, self.rows)
            self.written += len(self.rows)
            self.rows.clear()


def _next_id(model: type[models.Model], using: str) -> int:
    top = model._default_manager.using(using).aggregate(top=models.Max("pk"))["top"]
    return int(top or 0) + 1


@dataclass
class _LogState:
    log: Log
    name: str
    origin: str
    frontier: merkle.Frontier
    last_at: datetime | None = None
    signed_size: int = -1


@dataclass
class _Orgs:
    """Every organization in tree order (parents first), with the log root each one's
    entries go to: `log.root_of`, computed for all at once."""

    pks: list[int] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    roots: list[int] = field(default_factory=list)


def _organizations(using: str) -> _Orgs:
    with_log = set(Log.objects.using(using).values_list("root_id", flat=True))
    depths = set(settings.GONGKAI_LEDGER_ROOT_DEPTHS)
    orgs = _Orgs()
    root_of: dict[int, int] = {}
    rows = (
        Organization.objects.using(using)
        .order_by("path")
        .values_list("pk", "code", "parent_id", "depth")
        .iterator(chunk_size=20_000)
    )
    for pk, code, parent_id, depth in rows:
        is_root = pk in with_log or depth in depths or parent_id is None
        root = root_of[pk] = pk if is_root else root_of[parent_id]
        orgs.pks.append(pk)
        orgs.codes.append(code)
        orgs.roots.append(root)
    return orgs


# -- the log --------------------------------------------------------------------------------


def build_log(
    count: int,
    *,
    using: str,
    seed: int = 1,
    batch: int = BATCH,
    heads_every: int = HEADS_EVERY,
    progress: Callable[[int], object] | None = None,
    organizations: Sequence[int] | None = None,
    record: bool = True,
) -> LedgerSummary:
    """Add `count` published disclosures with their log entries to `using` (see the module
    docstring), in one transaction. `organizations` (pks) narrows the round-robin to
    those; without `record` the disclosures get no entries yet (their ids are returned, for
    a benchmark that publishes them into the log itself)."""
    started = time.perf_counter()
    if count < 0:
        raise ValueError("count must not be negative")
    connection = connections[using]
    adapt_time = connection.ops.adapt_datetimefield_value
    adapt_json = connection.ops.adapt_json_value
    rng = random.Random(seed)
    pool = _content_pool(seed)
    key = signing.signer()
    step = min(timedelta(seconds=30), _SPAN / max(count, 1))
    with transaction.atomic(using=using):
        if not Organization.objects.using(using).exists():
            org_synthetic.load(DEFAULT_ORGS, seed, using=using)
        if organizations is None:
            orgs = _organizations(using)
        else:  # a few: the real rule for each
            picked = list(Organization.objects.using(using).in_bulk(list(organizations)).values())
            order = {pk: i for i, pk in enumerate(organizations)}
            picked.sort(key=lambda o: order[o.pk])
            orgs = _Orgs(
                [o.pk for o in picked],
                [o.code for o in picked],
                [ledger.root_of(o, using=using).pk for o in picked],
            )
        stamp = f"{seed}-{_next_id(User, using)}"
        actor = User.objects.using(using).create(
            username=f"ledger-bench-{stamp}", display_name="台账测试", is_active=False
        )
        catalog = Catalog.objects.using(using).filter(organization_id=orgs.pks[0]).first()
        if catalog is None:
            catalog = Catalog.objects.using(using).create(
                organization_id=orgs.pks[0], title="台账基准目录", version=1
            )
        item = Item.objects.using(using).create(
            catalog=catalog,
            key=f"ledger-bench-{stamp}",
            introduced_in=1,
            category_key="bench",
            name="台账基准事项",
            timing=Timing.EVENT,
        )
        next_disclosure = _next_id(Disclosure, using)
        next_revision = _next_id(Revision, using)
        next_event = _next_id(Event, using)
        next_entry = _next_id(LogEntry, using)
        next_node = _next_id(LogNode, using)
        next_head = _next_id(SignedHead, using)

        disclosures = _Table(
            Disclosure,
            using,
            [
                "id",
                "organization_id",
                "title",
                "body",
                "data",
                "period",
                "publish_from",
                "public_from",
                "publicity_until",
                "published_revision_id",
                "created_at",
                "updated_at",
            ],
            {
                "catalog_id": catalog.pk,
                "catalog_version": 1,
                "item_id": item.pk,
                "scope": Scope.PUBLIC.value,
                "state": State.PUBLISHED.value,
                "created_by_id": actor.pk,
            },
        )
        revisions = _Table(
            Revision,
            using,
            [
                "id",
                "disclosure_id",
                "title",
                "body",
                "data",
                "published_at",
                "published_title",
                "published_body",
                "published_data",
                "published_period",
                "created_at",
            ],
            {"number": 1, "created_by_id": actor.pk},
        )
        events = _Table(
            Event,
            using,
            ["id", "disclosure_id", "action", "from_state", "to_state", "role", "at"],
            {"actor_id": actor.pk},
        )
        entries = _Table(
            LogEntry,
            using,
            [
                "id",
                "log_id",
                "index",
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
            {"kind": Kind.PUBLISH.value},
        )
        nodes = _Table(LogNode, using, ["id", "log_id", "level", "index", "hash"])
        heads = _Table(SignedHead, using, ["id", "log_id", "size", "root_hash", "at", "checkpoint"])
        logs: dict[int, _LogState] = {}
        document_bytes = 0
        unrecorded: list[tuple[int, int, int]] = []

        def log_of(root_pk: int) -> _LogState:
            state = logs.get(root_pk)
            if state is None:
                root = Organization.objects.using(using).get(pk=root_pk)
                log = ledger.log_for(root, at=_START, using=using)
                log.refresh_from_db(using=using)
                state = _LogState(
                    log,
                    root.code,
                    ledger.origin_of(root.code),
                    merkle.Frontier.from_bytes(log.size, bytes(log.frontier)),
                )
                logs[root_pk] = state
            return state

        def sign(state: _LogState) -> None:
            nonlocal next_head
            size = state.frontier.size
            if size == state.signed_size or state.last_at is None:
                return
            root_hash = state.frontier.root()
            at_text = canonical_time(state.last_at) or ""
            body = notes.checkpoint_body(state.origin, size, root_hash, at_text)
            heads.add(
                next_head,
                state.log.pk,
                size,
                root_hash.hex(),
                adapt_time(state.last_at),
                notes.sign_note(body, key),
            )
            next_head += 1
            state.signed_size = size

        for first in range(0, count, batch):
            for k in range(first, min(first + batch, count)):
                slot = k % len(orgs.pks)
                org_pk, org_code = orgs.pks[slot], orgs.codes[slot]
                content = pool[rng.randrange(_POOL)]
                at = _START + step * k + timedelta(microseconds=rng.randrange(1, 10**6))
                at_text = canonical_time(at) or ""
                until = at + timedelta(days=5 + k % 10) if k % 4 else None
                disclosure_id, revision_id = next_disclosure, next_revision
                next_disclosure += 1
                next_revision += 1
                title = f"关于{org_code}第{k + 1}号事项的公示"
                published_title = scanning.mask(title)
                disclosures.add(
                    disclosure_id,
                    org_pk,
                    title,
                    content.body,
                    adapt_json(content.data, None),
                    content.period,
                    adapt_time(at),
                    adapt_time(at),
                    adapt_time(until) if until else None,
                    revision_id,
                    adapt_time(at - _LIFE[0][4]),
                    adapt_time(at),
                )
                revisions.add(
                    revision_id,
                    disclosure_id,
                    title,
                    content.body,
                    adapt_json(content.data, None),
                    adapt_time(at),
                    published_title,
                    content.published_body,
                    adapt_json(content.published_data, None),
                    content.published_period,
                    adapt_time(at),
                )
                timeline = []
                for action, before, after, role, ahead in _LIFE:
                    when = at - ahead
                    events.add(
                        next_event, disclosure_id, action, before, after, role, adapt_time(when)
                    )
                    timeline.append(
                        EventRow(next_event, canonical_time(when) or "", action, role, "")
                    )
                    next_event += 1
                publish_event = next_event - 1
                if not record:
                    unrecorded.append((disclosure_id, revision_id, publish_event))
                    continue
                state = log_of(orgs.roots[slot])
                published, sealed = build(
                    RowSubject(
                        Kind.PUBLISH.value, disclosure_id, revision_id, publish_event, at_text
                    ),
                    DisclosureRow(
                        disclosure_id,
                        org_code,
                        item.key,
                        Scope.PUBLIC.value,
                        at_text,
                        at_text,
                        canonical_time(until),
                        content.period,
                        (),
                        "",
                    ),
                    RevisionRow(
                        revision_id,
                        1,
                        title,
                        content.body,
                        content.data_read,
                        published_title,
                        content.published_body,
                        content.published_data_read,
                        content.published_period,
                    ),
                    timeline,
                    (),
                )
                document = published.encode("utf-8")
                document_bytes += len(document)
                salt = rng.randbytes(32)
                published_hash = hashlib.sha256(document).hexdigest()
                sealed_hash = hashlib.sha256(salt + sealed.encode("utf-8")).hexdigest()
                commitment = ledger.commitment_of(published_hash, sealed_hash)
                index = state.frontier.size
                leaf_hash = merkle.leaf_hash(
                    ledger.leaf_bytes(state.name, index, at_text, org_code, commitment)
                )
                entries.add(
                    next_entry,
                    state.log.pk,
                    index,
                    adapt_time(at),
                    org_pk,
                    disclosure_id,
                    revision_id,
                    publish_event,
                    published,
                    published_hash,
                    sealed_hash,
                    salt.hex(),
                    commitment,
                    leaf_hash.hex(),
                )
                next_entry += 1
                for level, node_index, node in state.frontier.append(leaf_hash):
                    nodes.add(next_node, state.log.pk, level, node_index, node)
                    next_node += 1
                state.last_at = at
                if state.frontier.size % heads_every == 0:
                    sign(state)
            for table in (disclosures, revisions, events, entries, nodes, heads):
                table.flush()
            if progress is not None:
                progress(min(first + batch, count))
        close_logs(logs.values(), using, sign)
        heads.flush()
        _reset_sequences(using, [Disclosure, Revision, Event, LogEntry, LogNode, SignedHead])
    return LedgerSummary(
        disclosures=count,
        entries=entries.written,
        logs=len(logs),
        heads=heads.written,
        nodes=nodes.written,
        document_bytes=document_bytes // max(entries.written, 1),
        seconds=round(time.perf_counter() - started, 2),
        unrecorded=unrecorded,
    )


def close_logs(
    states: Iterable[_LogState], using: str, sign: Callable[[_LogState], object]
) -> None:
    """At the end of a generator's run: each log's last head signed (`sign`) and its size,
    frontier and root stored on its row."""
    states = list(states)
    for state in states:
        sign(state)
    store_logs(states, using)


def store_logs(states: Iterable[_LogState], using: str) -> None:
    """Each log's size, frontier and root stored on its row."""
    for state in states:
        Log.objects.using(using).filter(pk=state.log.pk).update(
            size=state.frontier.size,
            frontier=state.frontier.to_bytes(),
            root_hash=state.frontier.root().hex(),
        )


def _reset_sequences(using: str, models_: Iterable[type[models.Model]]) -> None:
    """Explicit ids leave PostgreSQL's sequences behind; SQLite needs nothing."""
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# -- a tree of nodes only -------------------------------------------------------------------


@dataclass
class NodesSummary:
    leaves: int
    nodes: int
    root_hash: str
    seconds: float


def synthetic_leaf(index: int) -> bytes:
    """The leaf hash of leaf `index` of a nodes-only tree (derived, so a test can rebuild
    the tree)."""
    return merkle.leaf_hash(b"gongkai-bench-leaf\n%d\n" % index)


def build_nodes(
    leaves: int,
    *,
    using: str,
    batch: int = 200_000,
    progress: Callable[[int], object] | None = None,
) -> NodesSummary:
    """A log of `leaves` leaves holding only its tree: every node `Frontier.append`
    completes (about two per leaf), the log's size, frontier and root, and a signed head
    at half the size and at the full size. No entries and no records: proofs read nodes
    only. For an empty database (the bench's own file)."""
    started = time.perf_counter()
    with transaction.atomic(using=using):
        if not Organization.objects.using(using).exists():
            org_synthetic.load(60, 1, using=using)
        root = Organization.objects.using(using).filter(parent=None).order_by("pk").first()
        assert root is not None
        log = Log.objects.using(using).create(root=root, created_at=_START)
        nodes = _Table(LogNode, using, ["id", "log_id", "level", "index", "hash"])
        frontier = merkle.Frontier()
        heads: list[tuple[int, bytes]] = []
        next_node = _next_id(LogNode, using)
        half = leaves // 2
        rows = nodes.rows
        log_id = log.pk
        for index in range(leaves):
            for level, node_index, node in frontier.append(synthetic_leaf(index)):
                rows.append((next_node, log_id, level, node_index, node))
                next_node += 1
            if index + 1 == half:
                heads.append((half, frontier.root()))
            if len(rows) >= batch:
                nodes.flush()
                if progress is not None:
                    progress(index + 1)
        nodes.flush()
        heads.append((frontier.size, frontier.root()))
        Log.objects.using(using).filter(pk=log.pk).update(
            size=frontier.size, frontier=frontier.to_bytes(), root_hash=frontier.root().hex()
        )
        key = signing.signer()
        origin = ledger.origin_of(root.code)
        at_text = canonical_time(_START) or ""
        for size, root_hash in heads:
            SignedHead.objects.using(using).create(
                log=log,
                size=size,
                root_hash=root_hash.hex(),
                at=_START,
                checkpoint=notes.sign_note(
                    notes.checkpoint_body(origin, size, root_hash, at_text), key
                ),
            )
    return NodesSummary(
        leaves=leaves,
        nodes=nodes.written,
        root_hash=frontier.root().hex(),
        seconds=round(time.perf_counter() - started, 2),
    )
