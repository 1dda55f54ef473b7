"""A synthetic ledger for `gongkai bench`: a valid chain of N entries, written fast.

A few organizations (devtools.synthetic.organizations), one catalog item, `disclosures` disclosures
with `revisions` revisions between them, and N entries cycling over those revisions. The
chain is computed here in Python with the same `canonical_line` that `verify` recomputes,
and the content hashes through `services.content_hash` on the revision objects, while
`verify` recomputes them from the stored rows: a verified bench chain also shows that both
paths agree.

Entries go in by `executemany` of one prepared INSERT (not `bulk_create`, which spends most
of its time compiling values at this size; see devtools.synthetic.organizations._insert_batches).
Meant for an empty database; it refuses one that already holds ledger entries.

Synthetic history writes the same Event rows as real history, explicitly and in bulk (the
workflow functions cost a dozen statements per move, far too slow for a million rows): every
disclosure gets the events of its way to publication (create, submit, review, approve,
publish), dated before its publication, and every correction and withdrawal in the chain gets
its event at the time of its ledger entry. The chain withdraws only corrected revisions, so
`gongkai seed --disclosures M` (one revision per disclosure) gives M published disclosures
whose ledger, events and state agree.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connections, transaction

from gongkai.accounts.models import User
from gongkai.catalog.models import Catalog, Item, Scope, Timing
from gongkai.devtools.synthetic import organizations as org_synthetic
from gongkai.disclosures.models import Disclosure, Event, Revision, State
from gongkai.ledger import services
from gongkai.ledger.models import GENESIS_HASH, Action, LedgerEntry, canonical_line, hash_line
from gongkai.organizations.models import Organization

#: Bump when a change here changes what is built (benchmark caches key on it).
GENERATOR_VERSION = 3

_ORGS = 60
DISCLOSURES = 100
REVISIONS = 1_000
_BATCH = 50_000
_START = datetime(2025, 1, 1, tzinfo=UTC)


#: The moves of a disclosure up to publication, as the workflow writes them, with how long
#: before publication each happened.
_LIFE = (
    ("create", State.DRAFT, State.DRAFT, timedelta(days=5)),
    ("submit", State.DRAFT, State.SUBMITTED, timedelta(days=4)),
    ("review", State.SUBMITTED, State.REVIEWED, timedelta(days=3)),
    ("approve", State.REVIEWED, State.APPROVED, timedelta(days=2)),
    ("publish", State.APPROVED, State.PUBLISHED, timedelta(0)),
)


@dataclass
class LedgerSummary:
    entries: int
    disclosures: int
    revisions: int
    seconds: float


def _body(rng: random.Random, n: int) -> str:
    """About 1.5 KB of sanitised HTML, the size of a typical notice."""
    paragraphs = [
        f"<p>第{k + 1}项：经支部委员会研究，现将有关情况公示如下。公示期间如有异议，"
        f"请向党支部或上级党组织反映。编号 {n}-{k}-{rng.randrange(10**6)}。</p>"
        for k in range(12)
    ]
    return "".join(paragraphs)


def _data(rng: random.Random, n: int) -> dict[str, object]:
    return {
        "rows": [
            {"姓名": f"党员{n}-{k}", "金额": round(rng.uniform(10, 500), 2), "月份": k + 1}
            for k in range(8)
        ]
    }


def build(
    entries: int,
    *,
    using: str,
    disclosures: int = DISCLOSURES,
    revisions: int = REVISIONS,
    seed: int = 1,
) -> LedgerSummary:
    """Write a valid chain of `entries` entries into the empty ledger of `using`."""
    started = time.perf_counter()
    if LedgerEntry.objects.using(using).exists():
        raise ValueError("the ledger of this database is not empty")
    rng = random.Random(seed)
    connection = connections[using]
    with transaction.atomic(using=using):
        if not Organization.objects.using(using).exists():
            org_synthetic.load(_ORGS, seed, using=using)
        orgs = list(Organization.objects.using(using).order_by("pk")[:_ORGS])
        actor = User.objects.using(using).create(
            username=f"ledger-bench-{seed}", display_name="台账测试", is_active=False
        )
        catalog = Catalog.objects.using(using).create(
            organization=orgs[0], title="台账基准目录", version=1
        )
        item = Item.objects.using(using).create(
            catalog=catalog,
            key="ledger-bench",
            introduced_in=1,
            category_key="bench",
            name="台账基准事项",
            timing=Timing.EVENT,
        )
        made = Disclosure.objects.using(using).bulk_create(
            Disclosure(
                organization=orgs[k % len(orgs)],
                catalog=catalog,
                catalog_version=1,
                item=item,
                title=f"基准公开事项{k}",
                scope=Scope.PUBLIC,
                state=State.PUBLISHED,
                # Published, so `gongkai seed --disclosures` gives pages and the API real rows.
                publish_from=_START + timedelta(minutes=k),
                public_from=_START + timedelta(minutes=k),
                created_by=actor,
            )
            for k in range(disclosures)
        )
        revs = Revision.objects.using(using).bulk_create(
            Revision(
                disclosure=made[k % disclosures],
                number=k // disclosures + 1,
                title=f"关于第{k}号事项的公示（第{k // disclosures + 1}版）",
                body=_body(rng, k),
                data=_data(rng, k),
                created_by=actor,
            )
            for k in range(revisions)
        )
        # Each disclosure shows its latest revision, published when the disclosure was.
        latest = {r.disclosure_id: r for r in revs}
        for d in made:
            d.published_revision = latest[d.pk]
        Disclosure.objects.using(using).bulk_update(made, ["published_revision"], batch_size=_BATCH)
        for r in latest.values():
            r.published_at = r.disclosure.publish_from
        Revision.objects.using(using).bulk_update(
            list(latest.values()), ["published_at"], batch_size=_BATCH
        )
        Event.objects.using(using).bulk_create(
            (
                Event(
                    disclosure=d,
                    action=action,
                    from_state=before,
                    to_state=after,
                    actor=actor,
                    at=_START + timedelta(minutes=k) - ahead,
                )
                for k, d in enumerate(made)
                for action, before, after, ahead in _LIFE
            ),
            batch_size=_BATCH,
        )
        later_events: list[Event] = []
        hashes = [services.content_hash(r, attachment_hashes=()) for r in revs]
        codes = {o.pk: o.code for o in orgs}

        meta = LedgerEntry._meta
        column_of = {f.name: f.column for f in meta.concrete_fields}
        columns = [
            column_of[name]
            for name in (
                "sequence",
                "at",
                "organization",
                "disclosure",
                "revision",
                "action",
                "content_hash",
                "previous_hash",
                "entry_hash",
            )
        ]
        q = connection.ops.quote_name
        sql = (
            f"INSERT INTO {q(meta.db_table)} ({', '.join(q(c) for c in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        previous = GENESIS_HASH
        batch: list[tuple[Any, ...]] = []
        with connection.cursor() as cursor:
            for sequence in range(1, entries + 1):
                k = (sequence - 1) % revisions
                revision = revs[k]
                disclosure = made[k % disclosures]
                if sequence % 10 == 0 and revision.number > 1:
                    action = Action.WITHDRAW.value
                elif revision.number == 1:
                    action = Action.PUBLISH.value
                else:
                    action = Action.CORRECT.value
                # About 30 s apart, with microseconds, so the timestamp format is exercised.
                at = _START + timedelta(microseconds=sequence * 30_000_017)
                digest = hashes[k]
                entry_hash = hash_line(
                    canonical_line(
                        sequence=sequence,
                        at=at,
                        organization_code=codes[disclosure.organization_id],
                        disclosure_id=disclosure.pk,
                        revision_number=revision.number,
                        action=action,
                        content_hash=digest,
                        previous_hash=previous,
                    )
                )
                batch.append(
                    (
                        sequence,
                        connection.ops.adapt_datetimefield_value(at),
                        disclosure.organization_id,
                        disclosure.pk,
                        revision.pk,
                        action,
                        digest,
                        previous,
                        entry_hash,
                    )
                )
                previous = entry_hash
                if action != Action.PUBLISH.value:
                    later_events.append(
                        Event(
                            disclosure=disclosure,
                            action=action,
                            from_state=State.PUBLISHED,
                            # As the transition table has it; a bench chain longer than its
                            # revisions replays them, so only the seed's chain is one life.
                            to_state=(
                                State.WITHDRAWN
                                if action == Action.WITHDRAW.value
                                else State.PUBLISHED
                            ),
                            actor=actor,
                            at=at,
                            reason="基准数据",
                        )
                    )
                if len(batch) >= _BATCH:
                    cursor.executemany(sql, batch)
                    batch.clear()
                    Event.objects.using(using).bulk_create(later_events)
                    later_events.clear()
            if batch:
                cursor.executemany(sql, batch)
            Event.objects.using(using).bulk_create(later_events)
    return LedgerSummary(
        entries=entries,
        disclosures=disclosures,
        revisions=revisions,
        seconds=round(time.perf_counter() - started, 2),
    )
