"""Benchmarks behind `gongkai bench`: the tree queries at a million organizations, and the
ledger's figures: verifying a log of a million entries, proofs at ten million leaves, and
appending under concurrent publishing.

Each database under test is registered as an extra connection alias at run time, migrated,
and filled with synthetic data (devtools.synthetic); the demo database is never touched.
The tree's SQLite file is kept in var/bench/ and reused while the size, seed and generator
version are the same; a PostgreSQL database is reused when it already holds exactly that
tree, and refused when it holds anything else. The ledger's log and its ten-million-leaf
tree have SQLite files of their own in var/bench/, reused while their size and generator
version are the same. The append figure writes a fresh small SQLite file every run, and,
given PostgreSQL, publishes into the PostgreSQL database too (under organizations of its
tree, which then holds the figure's disclosures and logs).
"""

from __future__ import annotations

import gc
import json
import math
import multiprocessing
import os
import random
import re
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import dj_database_url
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongkai.devtools.synthetic import ledger as ledger_synthetic
from gongkai.devtools.synthetic import organizations as synthetic
from gongkai.disclosures.models import Disclosure, Event, Revision
from gongkai.ledger import log as ledger
from gongkai.ledger import merkle, verification
from gongkai.ledger.models import Log as LedgerLog
from gongkai.ledger.models import SignedHead as LedgerSignedHead
from gongkai.organizations.models import Organization

#: The requirement being measured: counting a ~50,000-node subtree at 1,000,000 organizations.
LIMIT_MS = 10.0

SQLITE_ALIAS = "bench_sqlite"
POSTGRES_ALIAS = "bench_postgresql"

#: The ledger's goals: verifying 1,000,000 entries (each with its own revision, contents
#: re-hashed) in under 10 s; an inclusion proof at 10,000,000 leaves in under 5 ms and a
#: consistency proof in under 50 ms; appending one entry under concurrent publishing with
#: a p95 under 20 ms.
LEDGER_LIMIT_S = 10.0
LEDGER_ENTRIES = 1_000_000
#: Each run walks the whole log (seconds, not milliseconds): a few runs, no warm-up.
LEDGER_RUNS = 3
LEDGER_ALIAS = "bench_ledger"
PROOF_LEAVES = 10_000_000
PROOF_INCLUSION_LIMIT_MS = 5.0
PROOF_CONSISTENCY_LIMIT_MS = 50.0
PROOFS_ALIAS = "bench_proofs"
APPEND_LIMIT_MS = 20.0
APPEND_WORKERS = 2
APPENDS = 50
APPEND_ALIAS = "bench_append"
APPEND_ORGS = 200


class Log(Protocol):
    def write(self, msg: str, /) -> object: ...


class BenchError(Exception):
    """A benchmark database cannot be used; the message says why."""


def register_database(alias: str, config: Mapping[str, Any]) -> None:
    """Add (or replace) the connection `alias` at run time, with Django's defaults filled in."""
    forget_database(alias)
    configured = connections.configure_settings(
        {DEFAULT_DB_ALIAS: dict(connections.settings[DEFAULT_DB_ALIAS]), alias: dict(config)}
    )
    connections.settings[alias] = configured[alias]


def forget_database(alias: str) -> None:
    """Close and drop the connection `alias`, if it exists."""
    if alias in connections.settings:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


def timed(fn: Callable[[], object], runs: int, warmup: int = 5) -> dict[str, float]:
    """Median and p95 (nearest rank) of `runs` calls, in milliseconds, after `warmup` calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "median": round(statistics.median(samples), 3),
        "p95": round(samples[max(0, math.ceil(0.95 * runs) - 1)], 3),
        "min": round(samples[0], 3),
    }


def explain(alias: str, qs_call: Callable[[], object], *, analyze: bool = False) -> list[str]:
    """The database's plan for the one query `qs_call` runs (run for real with `analyze`,
    on PostgreSQL only: it shows whether an index-only scan still visits the heap)."""
    connection = connections[alias]
    with CaptureQueriesContext(connection) as captured:
        qs_call()
    sql = captured.captured_queries[-1]["sql"]
    if connection.vendor == "sqlite":
        prefix = "EXPLAIN QUERY PLAN "
    else:
        prefix = "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " if analyze else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        rows = cursor.fetchall()
    return [str(row[-1]) for row in rows]


# -- preparing the databases ---------------------------------------------------------------


def sqlite_file(total: int, seed: int) -> Path:
    name = f"orgs-{total}-seed-{seed}-v{synthetic.GENERATOR_VERSION}.sqlite3"
    return Path(settings.VAR_DIR) / "bench" / name


def _sqlite_config(path: Path, *, loading: bool) -> dict[str, Any]:
    """Measured with the options the site runs SQLite with; while loading, durability is
    pointless."""
    if loading:
        options = {"init_command": "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"}
    elif settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        options = dict(settings.DATABASES["default"].get("OPTIONS", {}))
    else:  # the site runs on PostgreSQL: measure SQLite as settings.py would configure it
        options = {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": options}


def prepare_sqlite(
    total: int, seed: int, *, rebuild: bool, log: Log
) -> tuple[synthetic.SeedSummary, float | None]:
    """Register SQLITE_ALIAS on the cached file, building it first when needed.

    Returns the tree's summary and the build time (None when the file was reused). The file
    is built under a temporary name and renamed when complete, so an interrupted build is
    never mistaken for a finished one.
    """
    path = sqlite_file(total, seed)
    meta = path.with_suffix(".json")
    built: float | None = None
    if rebuild or not (path.exists() and meta.exists()):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        for stale in (path, meta, partial):
            stale.unlink(missing_ok=True)
        log.write(f"building {total} organizations (seed {seed}) in {path} …\n")
        register_database(SQLITE_ALIAS, _sqlite_config(partial, loading=True))
        call_command("migrate", database=SQLITE_ALIAS, verbosity=0, interactive=False)
        summary = synthetic.load(total, seed, using=SQLITE_ALIAS)
        synthetic.refresh_statistics(SQLITE_ALIAS)
        connections[SQLITE_ALIAS].close()
        partial.rename(path)
        meta.write_text(json.dumps(summary.as_dict(), ensure_ascii=False, indent=1))
        built = summary.seconds
        log.write(f"built in {built:.1f} s\n")
    else:
        summary = synthetic.SeedSummary.from_dict(json.loads(meta.read_text()))
        log.write(f"reusing {path}\n")
    register_database(SQLITE_ALIAS, _sqlite_config(path, loading=False))
    # Cheap when nothing is new; keeps a reused file in step with later migrations.
    call_command("migrate", database=SQLITE_ALIAS, verbosity=0, interactive=False)
    return summary, built


def prepare_postgresql(
    url: str, total: int, seed: int, *, log: Log
) -> tuple[synthetic.SeedSummary, float | None]:
    register_database(POSTGRES_ALIAS, dj_database_url.parse(url))
    if connections[POSTGRES_ALIAS].vendor != "postgresql":
        raise BenchError(f"{url} is not a PostgreSQL database")
    call_command("migrate", database=POSTGRES_ALIAS, verbosity=0, interactive=False)
    orgs = Organization.objects.using(POSTGRES_ALIAS)
    present = orgs.count()
    built: float | None = None
    if present == 0:
        log.write(f"loading {total} organizations (seed {seed}) into PostgreSQL …\n")
        summary = synthetic.load(total, seed, using=POSTGRES_ALIAS)
        built = summary.seconds
        log.write(f"loaded in {built:.1f} s\n")
    else:
        summary = synthetic.describe(total, seed)
        if not (
            present == total
            and orgs.filter(code=summary.root.code, path=summary.root.path).exists()
            and orgs.filter(code=summary.deep.code, path=summary.deep.path).exists()
        ):
            raise BenchError(
                "the PostgreSQL database already holds other organizations; give an empty one"
            )
        log.write("reusing the tree already in PostgreSQL\n")
    # Also after a reuse: whatever touched the table since may have left the map stale.
    synthetic.refresh_statistics(POSTGRES_ALIAS)
    return summary, built


# -- measuring -----------------------------------------------------------------------------


def measure(alias: str, summary: synthetic.SeedSummary, runs: int) -> dict[str, Any]:
    orgs = Organization.objects.using(alias)
    large = orgs.get(code=summary.large.code)
    small = orgs.get(code=summary.small.code)
    deep = orgs.get(code=summary.deep.code)

    def count_large() -> int:
        return orgs.subtree(large).count()

    def count_small() -> int:
        return orgs.subtree(small).count()

    def fetch(qs: QuerySet[Organization]) -> Callable[[], list[Organization]]:
        return lambda: list(qs.all())

    large_ms = timed(count_large, runs)
    figures: dict[str, Any] = {
        "vendor": connections[alias].vendor,
        "subtree_root": large.code,
        "subtree_size": count_large(),
        "subtree_count_50k_ms": large_ms,
        "meets_10ms": large_ms["p95"] < LIMIT_MS,
        "subtree_count_small_ms": timed(count_small, runs),
        "small_subtree_root": small.code,
        "small_subtree_size": count_small(),
        "subtree_fetch_small_ms": timed(fetch(orgs.subtree(small)), runs),
        "ancestors_deep_ms": timed(fetch(orgs.ancestors(deep)), runs),
        "deep_node": deep.code,
        "deep_node_depth": deep.depth,
        "plan_subtree_count": explain(alias, count_large),
        "plan_ancestors": explain(alias, fetch(orgs.ancestors(deep))),
    }
    if connections[alias].vendor == "postgresql":
        # Not 0 means the visibility map is stale (no VACUUM since the load): the index-only
        # scan then reads a heap page for every row it counts, several times slower.
        analyzed = "\n".join(explain(alias, count_large, analyze=True))
        fetches = re.search(r"Heap Fetches: (\d+)", analyzed)
        figures["subtree_count_heap_fetches"] = int(fetches.group(1)) if fetches else None
    return figures


# -- the ledger ----------------------------------------------------------------------------


def _meta(path: Path) -> Path:
    return path.with_suffix(".json")


def ledger_file(entries: int) -> Path:
    name = f"ledger-{entries}-v{ledger_synthetic.GENERATOR_VERSION}.sqlite3"
    return Path(settings.VAR_DIR) / "bench" / name


def proofs_file(leaves: int) -> Path:
    name = f"proofs-{leaves}-v{ledger_synthetic.GENERATOR_VERSION}.sqlite3"
    return Path(settings.VAR_DIR) / "bench" / name


def _prepare_file(
    alias: str,
    path: Path,
    build: Callable[[], dict[str, Any]],
    *,
    rebuild: bool,
    what: str,
    log: Log,
) -> dict[str, Any]:
    """Register `alias` on the cached SQLite file `path`, building it first with `build`
    (which returns what to remember about it) when needed. Built under a temporary name and
    renamed when complete, like the tree's file. Returns the remembered facts, with
    `build_seconds` None when the file was reused."""
    meta = _meta(path)
    if rebuild or not (path.exists() and meta.exists()):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        for stale in (path, meta, partial):
            stale.unlink(missing_ok=True)
        log.write(f"building {what} in {path} …\n")
        register_database(alias, _sqlite_config(partial, loading=True))
        call_command("migrate", database=alias, verbosity=0, interactive=False)
        facts = build()
        connections[alias].close()
        partial.rename(path)
        meta.write_text(json.dumps(facts, ensure_ascii=False, indent=1))
        log.write(f"built in {facts['build_seconds']:.1f} s\n")
    else:
        facts = {**json.loads(meta.read_text()), "build_seconds": None}
        log.write(f"reusing {path}\n")
    register_database(alias, _sqlite_config(path, loading=False))
    call_command("migrate", database=alias, verbosity=0, interactive=False)
    facts["db_bytes"] = path.stat().st_size
    return facts


def prepare_ledger(entries: int, *, rebuild: bool, log: Log) -> dict[str, Any]:
    """LEDGER_ALIAS on a log of `entries` published disclosures, each with its own revision
    (devtools.synthetic.ledger.build_log)."""

    def build() -> dict[str, Any]:
        def report(done: int) -> None:
            if done % 100_000 == 0:
                log.write(f"  {done} entries\n")

        summary = ledger_synthetic.build_log(entries, using=LEDGER_ALIAS, progress=report)
        return {
            "build_seconds": summary.seconds,
            "document_bytes": summary.document_bytes,
            "heads": summary.heads,
            "nodes": summary.nodes,
        }

    return _prepare_file(
        LEDGER_ALIAS,
        ledger_file(entries),
        build,
        rebuild=rebuild,
        what=f"a log of {entries} entries",
        log=log,
    )


def measure_verify(
    entries: int, facts: Mapping[str, Any], runs: int = LEDGER_RUNS
) -> dict[str, Any]:
    """Time `verification.verify` over the whole log, as `gongkai ledger verify` runs it:
    every entry's documents rebuilt from its records, every node and head."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        report = verification.verify(using=LEDGER_ALIAS)
        samples.append(time.perf_counter() - started)
        if not (report.ok and report.checked == entries):
            raise BenchError(
                f"the cached ledger does not verify ({report.failure}); run with --rebuild"
            )
    return {
        "vendor": connections[LEDGER_ALIAS].vendor,
        "entries": entries,
        "revisions": entries,  # one revision per entry: every entry's content is its own
        "document_bytes": facts.get("document_bytes"),
        "build_seconds": facts.get("build_seconds"),
        "db_bytes": facts.get("db_bytes"),
        "workers": _verify_workers(entries),
        "verify_s": round(statistics.median(samples), 3),
        "verify_runs_s": [round(s, 3) for s in samples],
        "limit_s": LEDGER_LIMIT_S,
        # Judged on the slowest run, not the median.
        "meets_10s": max(samples) < LEDGER_LIMIT_S,
    }


def _verify_workers(entries: int) -> int:
    if entries < verification.PARALLEL_FROM:
        return 1
    return min(os.cpu_count() or 1, verification.MOST_WORKERS)


def prepare_proofs(leaves: int, *, rebuild: bool, log: Log) -> dict[str, Any]:
    """PROOFS_ALIAS on a log of `leaves` leaves holding only its tree's nodes."""

    def build() -> dict[str, Any]:
        def report(done: int) -> None:
            log.write(f"  {done} leaves\n")

        summary = ledger_synthetic.build_nodes(leaves, using=PROOFS_ALIAS, progress=report)
        return {
            "build_seconds": summary.seconds,
            "nodes": summary.nodes,
            "root_hash": summary.root_hash,
        }

    return _prepare_file(
        PROOFS_ALIAS,
        proofs_file(leaves),
        build,
        rebuild=rebuild,
        what=f"a tree of {leaves} leaves",
        log=log,
    )


def measure_proofs(leaves: int, facts: Mapping[str, Any], runs: int) -> dict[str, Any]:
    """Inclusion proofs of random leaves and consistency proofs from random sizes, against
    the tree's full size, as the API serves them (`log.inclusion`, `log.consistency`: one
    query each on the (log, level, index) index). Each proof is checked once against the
    root, so the figure is of proofs that hold."""
    connection = connections[PROOFS_ALIAS]
    # Read once, as a server's page cache holds a log it serves proofs of: otherwise the
    # figure is of the disk (a few ms a node) after the verify figure pushed the file out.
    with Path(connection.settings_dict["NAME"]).open("rb") as handle:
        while handle.read(1 << 24):
            pass
    tree = LedgerLog.objects.using(PROOFS_ALIAS).get()
    size = tree.size
    root = bytes.fromhex(tree.root_hash)
    rng = random.Random(size)

    def inclusion() -> list[bytes]:
        return ledger.inclusion(tree, rng.randrange(size), size)

    def consistency() -> list[bytes]:
        return ledger.consistency(tree, rng.randrange(1, size), size)

    index = size // 3
    path = ledger.inclusion(tree, index, size)
    if not merkle.verify_inclusion(ledger_synthetic.synthetic_leaf(index), index, size, path, root):
        raise BenchError("an inclusion proof of the cached tree does not hold; run with --rebuild")
    half = LedgerSignedHead.objects.using(PROOFS_ALIAS).filter(log=tree).order_by("size").first()
    assert half is not None
    if not merkle.verify_consistency(
        half.size,
        size,
        bytes.fromhex(half.root_hash),
        root,
        ledger.consistency(tree, half.size, size),
    ):
        raise BenchError("a consistency proof of the cached tree does not hold; run with --rebuild")
    with CaptureQueriesContext(connection) as captured:
        inclusion()
        consistency()
    inclusion_ms = timed(inclusion, runs)
    consistency_ms = timed(consistency, runs)
    return {
        "vendor": connection.vendor,
        "leaves": size,
        "nodes": facts.get("nodes"),
        "build_seconds": facts.get("build_seconds"),
        "db_bytes": facts.get("db_bytes"),
        "inclusion_ms": inclusion_ms,
        "consistency_ms": consistency_ms,
        "queries_per_proof": len(captured.captured_queries) / 2,
        "page_cache": "warm (the file read once before timing)",
        "plan_inclusion": explain(PROOFS_ALIAS, inclusion),
        "meets_5ms": inclusion_ms["p95"] < PROOF_INCLUSION_LIMIT_MS,
        "meets_50ms": consistency_ms["p95"] < PROOF_CONSISTENCY_LIMIT_MS,
    }


# -- appending under concurrent publishing ----------------------------------------------------


def append_file() -> Path:
    return (
        Path(settings.VAR_DIR) / "bench" / f"append-v{ledger_synthetic.GENERATOR_VERSION}.sqlite3"
    )


def prepare_append_sqlite(*, log: Log) -> None:
    """APPEND_ALIAS on a fresh SQLite file (rebuilt every run: it is small), with the
    site's SQLite options, holding a synthetic tree of organizations."""
    path = append_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    log.write(f"preparing {path} for the append figure …\n")
    register_database(APPEND_ALIAS, _sqlite_config(path, loading=False))
    call_command("migrate", database=APPEND_ALIAS, verbosity=0, interactive=False)
    synthetic.load(APPEND_ORGS, 1, using=APPEND_ALIAS)


@dataclass(frozen=True)
class _Publication:
    disclosure: int
    revision: int
    event: int


def _roots(alias: str, count: int) -> list[Organization]:
    """`count` organizations below the top of the tree to serve as log roots (each gets
    its own log, as a deployment that makes counties roots would)."""
    children = list(
        Organization.objects.using(alias).exclude(parent=None).order_by("depth", "pk")[:count]
    )
    if len(children) < count:
        raise BenchError(f"need {count} organizations below the top for separate logs")
    for child in children:
        LedgerLog.objects.using(alias).get_or_create(
            root=child, defaults={"created_at": timezone.now()}
        )
    return children


def _publish(alias: str, publications: Sequence[_Publication]) -> list[float]:
    """One worker: record each publication's entry in its own transaction (as the workflow
    does in the transaction that publishes), timing the transaction from its start (which
    waits for the database's write lock on SQLite, or the log's row lock) to its commit.
    The first is not timed."""
    loaded = []
    for p in publications:
        disclosure = (
            Disclosure.objects.using(alias).select_related("organization").get(pk=p.disclosure)
        )
        loaded.append(
            (
                disclosure,
                Revision.objects.using(alias).get(pk=p.revision),
                Event.objects.using(alias).get(pk=p.event),
            )
        )
    latencies = []
    # What exists now (a forked copy of the bench's heap) is set aside, as a server that
    # preloads its code does; what the appends make is collected as usual.
    gc.freeze()
    try:
        for disclosure, revision, event in loaded:
            started = time.perf_counter()
            with transaction.atomic(using=alias):
                ledger.record_move(
                    disclosure, kind="publish", revision=revision, event=event, at=timezone.now()
                )
            latencies.append((time.perf_counter() - started) * 1000)
        # The first warms the process up (a server's process has published before).
        latencies = latencies[1:]
    finally:
        gc.unfreeze()
        connections[alias].close()
    return latencies


def _publish_job(job: tuple[str, list[_Publication]]) -> list[float]:
    return _publish(*job)


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median": round(statistics.median(ordered), 3),
        "p95": round(ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)], 3),
        "max": round(ordered[-1], 3),
    }


def measure_append(alias: str, *, workers: int, appends: int) -> dict[str, Any]:
    """Per-append latency of `log.record_move` with realistic documents: one publisher
    alone, then `workers` processes publishing at once into `workers` different logs, and
    into the same log. Afterwards every log the figure wrote to verifies."""
    roots = _roots(alias, workers)
    scenarios = {
        "alone": [[roots[0]]],
        "different_roots": [[r] for r in roots],
        "same_root": [[roots[0]]] * workers,
    }
    result: dict[str, Any] = {
        "vendor": connections[alias].vendor,
        "workers": workers,
        "appends_per_worker": appends,
    }
    for scenario, assignment in scenarios.items():
        jobs: list[tuple[str, list[_Publication]]] = []
        for orgs in assignment:
            made = ledger_synthetic.build_log(
                appends + 1,
                using=alias,
                seed=len(jobs) + 7,
                organizations=[o.pk for o in orgs],
                record=False,
            )
            jobs.append((alias, [_Publication(*ids) for ids in made.unrecorded]))
        started = time.perf_counter()
        if len(jobs) == 1:
            samples = _publish(*jobs[0])
        else:
            connections[alias].close()  # each process opens its own
            with multiprocessing.get_context("fork").Pool(len(jobs)) as pool:
                samples = [ms for part in pool.map(_publish_job, jobs) for ms in part]
        seconds = time.perf_counter() - started
        result[scenario] = {
            "processes": len(jobs),
            "appends": len(samples),
            "append_ms": _summary(samples),
            "appends_per_s": round(len(samples) / seconds, 1),
            "meets_20ms": _summary(samples)["p95"] < APPEND_LIMIT_MS,
        }
    report = verification.verify(using=alias)
    result["verifies"] = report.ok
    if not report.ok:
        raise BenchError(f"the log written by the append figure does not verify: {report.failure}")
    result["meets_20ms"] = all(
        result[s]["meets_20ms"] for s in ("alone", "different_roots", "same_root")
    )
    return result


def run(
    *,
    total: int,
    seed: int,
    runs: int,
    postgres_url: str | None,
    sqlite: bool = True,
    rebuild: bool = False,
    ledger_entries: int = LEDGER_ENTRIES,
    proof_leaves: int = PROOF_LEAVES,
    append_workers: int = APPEND_WORKERS,
    appends: int = APPENDS,
    log: Log,
) -> dict[str, Any]:
    """Everything `gongkai bench` prints."""
    result: dict[str, Any] = {"orgs": total, "seed": seed, "runs": runs, "limit_ms": LIMIT_MS}
    if sqlite:
        summary, built = prepare_sqlite(total, seed, rebuild=rebuild, log=log)
        result["sqlite"] = {"build_seconds": built, **measure(SQLITE_ALIAS, summary, runs)}
    if postgres_url:
        summary, built = prepare_postgresql(postgres_url, total, seed, log=log)
        result["postgresql"] = {"build_seconds": built, **measure(POSTGRES_ALIAS, summary, runs)}
    measured = [result[key]["meets_10ms"] for key in ("sqlite", "postgresql") if key in result]
    result["meets_10ms"] = bool(measured) and all(measured)
    if sqlite and ledger_entries > 0:
        try:
            facts = prepare_ledger(ledger_entries, rebuild=rebuild, log=log)
            result["ledger_verify"] = measure_verify(ledger_entries, facts)
        finally:
            forget_database(LEDGER_ALIAS)
    if sqlite and proof_leaves > 0:
        try:
            facts = prepare_proofs(proof_leaves, rebuild=rebuild, log=log)
            result["ledger_proofs"] = measure_proofs(proof_leaves, facts, runs)
        finally:
            forget_database(PROOFS_ALIAS)
    if append_workers > 0:
        append: dict[str, Any] = {}
        if sqlite:
            try:
                prepare_append_sqlite(log=log)
                append["sqlite"] = measure_append(
                    APPEND_ALIAS, workers=append_workers, appends=appends
                )
            finally:
                forget_database(APPEND_ALIAS)
        if postgres_url:
            append["postgresql"] = measure_append(
                POSTGRES_ALIAS, workers=append_workers, appends=appends
            )
        result["ledger_append"] = append
    return result
