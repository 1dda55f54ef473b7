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
from gongkai.disclosures.models import Disclosure, Revision, State
from gongkai.ledger import services
from gongkai.ledger.models import GENESIS_HASH, Action, LedgerEntry, canonical_line, hash_line
from gongkai.organizations.models import Organization

#: Bump when a change here changes what is built (benchmark caches key on it).
GENERATOR_VERSION = 2

_ORGS = 60
DISCLOSURES = 100
REVISIONS = 1_000
_BATCH = 50_000
_START = datetime(2025, 1, 1, tzinfo=UTC)


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
                if sequence % 10 == 0:
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
                if len(batch) >= _BATCH:
                    cursor.executemany(sql, batch)
                    batch.clear()
            if batch:
                cursor.executemany(sql, batch)
    return LedgerSummary(
        entries=entries,
        disclosures=disclosures,
        revisions=revisions,
        seconds=round(time.perf_counter() - started, 2),
    )
