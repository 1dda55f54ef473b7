"""Benchmarks behind `gongkai bench`: the tree queries at a million organizations, and
verifying a ledger of a million entries.

Each database under test is registered as an extra connection alias at run time, migrated,
and filled with the synthetic tree (devtools.synthetic.organizations); the demo database is never
touched. The SQLite file is kept in var/bench/ and reused while the size, seed and generator
version are the same; a PostgreSQL database is reused when it already holds exactly that
tree, and refused when it holds anything else. The ledger has its own SQLite file in
var/bench/, reused while its size and generator version are the same.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import dj_database_url
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from gongkai.devtools.synthetic import ledger as ledger_synthetic
from gongkai.devtools.synthetic import organizations as synthetic
from gongkai.ledger import services as ledger_services
from gongkai.organizations.models import Organization

#: The requirement being measured: counting a ~50,000-node subtree at 1,000,000 organizations.
LIMIT_MS = 10.0

SQLITE_ALIAS = "bench_sqlite"
POSTGRES_ALIAS = "bench_postgresql"

#: The ledger requirement: verifying 1,000,000 entries takes under 10 s.
LEDGER_LIMIT_S = 10.0
LEDGER_ENTRIES = 1_000_000
#: Each run walks the whole chain (seconds, not milliseconds): a few runs, no warm-up.
LEDGER_RUNS = 3
LEDGER_ALIAS = "bench_ledger"


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


def ledger_file(entries: int) -> Path:
    name = f"ledger-{entries}-v{ledger_synthetic.GENERATOR_VERSION}.sqlite3"
    return Path(settings.VAR_DIR) / "bench" / name


def prepare_ledger(entries: int, *, rebuild: bool, log: Log) -> float | None:
    """Register LEDGER_ALIAS on the cached ledger file, building it first when needed;
    return the build time (None when reused). Built under a temporary name and renamed when
    complete, like the tree's file."""
    path = ledger_file(entries)
    built: float | None = None
    if rebuild or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        for stale in (path, partial):
            stale.unlink(missing_ok=True)
        log.write(f"building a ledger of {entries} entries in {path} …\n")
        register_database(LEDGER_ALIAS, _sqlite_config(partial, loading=True))
        call_command("migrate", database=LEDGER_ALIAS, verbosity=0, interactive=False)
        built = ledger_synthetic.build(entries, using=LEDGER_ALIAS).seconds
        connections[LEDGER_ALIAS].close()
        partial.rename(path)
        log.write(f"built in {built:.1f} s\n")
    else:
        log.write(f"reusing {path}\n")
    register_database(LEDGER_ALIAS, _sqlite_config(path, loading=False))
    call_command("migrate", database=LEDGER_ALIAS, verbosity=0, interactive=False)
    return built


def measure_ledger(entries: int, runs: int = LEDGER_RUNS) -> dict[str, Any]:
    """Time `ledger.services.verify` over the whole chain, as `gongkai ledger verify` runs it."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = ledger_services.verify(using=LEDGER_ALIAS)
        samples.append(time.perf_counter() - started)
        if not (result.ok and result.checked == entries):
            raise BenchError(
                f"the cached ledger does not verify ({result.first_bad}: {result.reason}); "
                "run with --rebuild"
            )
    return {
        "vendor": connections[LEDGER_ALIAS].vendor,
        "entries": entries,
        "revisions": ledger_synthetic.REVISIONS,
        "ledger_verify_1m_s": round(statistics.median(samples), 3),
        "verify_runs_s": [round(s, 3) for s in samples],
        "limit_s": LEDGER_LIMIT_S,
        # Judged on the slowest run, not the median.
        "meets_10s": max(samples) < LEDGER_LIMIT_S,
    }


def run(
    *,
    total: int,
    seed: int,
    runs: int,
    postgres_url: str | None,
    sqlite: bool = True,
    rebuild: bool = False,
    ledger_entries: int = LEDGER_ENTRIES,
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
            built = prepare_ledger(ledger_entries, rebuild=rebuild, log=log)
            result["ledger"] = {"build_seconds": built, **measure_ledger(ledger_entries)}
        finally:
            forget_database(LEDGER_ALIAS)
    return result
