"""The compliance figures of `gongkai bench`: generating a year of obligations for a county,
the daily run when nothing changed, and reading a county's dashboard.

Each measurement runs on a database of its own, made fresh every run (a SQLite file in
var/bench/, a PostgreSQL database created beside the one given), which stands in as Django's
default database while it is measured: the compliance code reads the default connection, as
the site does. The effective catalogs are cached in a private in-process cache meanwhile, so
neither the site's cache nor another run's entries are touched.

1. **generate**: a county of `orgs` organizations (county, bureaus, towns, general branches,
   branches: `synthetic.organizations` in its county shape), the built-in 7-category catalog
   published at the county on 1 January and inherited everywhere, then
   `obligations.generate` for the whole year (goal: under 30 s).
2. **daily**: `obligations.refresh` and `obligations.daily` once more on the same day, when
   nothing changed (goal: under 2 s).
3. **dashboard**: `figures.subtree`, `figures.ranking` and `figures.trend` over a year for a
   county of `dashboard_orgs` organizations (goal: p95 under 20 ms), with the number of
   queries and the plan of the roll-up query.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import dj_database_url
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext, override_settings

from gongkai.compliance import figures, obligations
from gongkai.compliance.models import Obligation, Rollup
from gongkai.devtools.bench import Log, explain, timed
from gongkai.devtools.synthetic import compliance as synthetic_compliance
from gongkai.devtools.synthetic import organizations as synthetic
from gongkai.organizations.models import Organization

T = TypeVar("T")

GENERATE_ORGS = 20_000
DASHBOARD_ORGS = 5_000
GENERATE_LIMIT_S = 30.0
DAILY_LIMIT_S = 2.0
DASHBOARD_LIMIT_MS = 20.0
YEAR = 2026
BEIJING = dt.timezone(dt.timedelta(hours=8))


def _configured(config: dict[str, Any]) -> dict[str, Any]:
    return connections.configure_settings({DEFAULT_DB_ALIAS: dict(config)})[DEFAULT_DB_ALIAS]


@contextlib.contextmanager
def as_default(config: dict[str, Any], cache_name: str) -> Iterator[None]:
    """Run the block with `config` as Django's default database and a private cache."""
    saved = connections.settings[DEFAULT_DB_ALIAS]
    connections[DEFAULT_DB_ALIAS].close()
    del connections[DEFAULT_DB_ALIAS]
    connections.settings[DEFAULT_DB_ALIAS] = _configured(config)
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": cache_name,
        }
    }
    try:
        with override_settings(CACHES=caches):
            yield
    finally:
        connections[DEFAULT_DB_ALIAS].close()
        del connections[DEFAULT_DB_ALIAS]
        connections.settings[DEFAULT_DB_ALIAS] = saved


def sqlite_config(name: str) -> dict[str, Any]:
    """A fresh SQLite file with the options the site runs SQLite with."""
    path = Path(settings.VAR_DIR) / "bench" / f"compliance-{name}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    options = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": options}


def postgresql_config(url: str, name: str) -> dict[str, Any]:
    """A fresh database `<the url's database>_compliance_<name>` on the same server."""
    config: dict[str, Any] = dict(dj_database_url.parse(url))
    database = f"{config['NAME']}_compliance_{name}"
    with as_default(config, "bench-admin"), connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{database}"')
        cursor.execute(f'CREATE DATABASE "{database}"')
    return {**config, "NAME": database}


def _timed(fn: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def _county(total: int, seed: int) -> tuple[Organization, float]:
    """Migrate the (fresh, default) database and load a county-shaped tree with its catalog."""
    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    summary = synthetic.load(total, seed, county=True)
    synthetic.refresh_statistics()
    root = Organization.objects.get(code=summary.root.code)
    synthetic_compliance.catalog_for_tree(
        root, published_at=dt.datetime(YEAR, 1, 1, tzinfo=BEIJING)
    )
    return root, time.perf_counter() - started


def _fresh_statistics() -> None:
    """PostgreSQL's statistics as the daily run meets them in steady state (autovacuum's
    next pass after the year was written). SQLite keeps none; the site never asks it to."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Obligation, Rollup):
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")


def measure_generation(total: int, seed: int, log: Log) -> dict[str, Any]:
    """Generate a year for a fresh county of `total` organizations, then the daily run again."""
    root, built = _county(total, seed)
    on = dt.date(YEAR, 12, 31)
    log.write(f"  {total} organizations and their catalogs in {built:.1f} s; generating …\n")
    seconds, report = _timed(lambda: obligations.generate(on))
    log.write(f"  {report.created} obligations in {seconds:.1f} s\n")
    first_refresh, _moved = _timed(lambda: obligations.refresh(on))
    _fresh_statistics()
    refresh_s, moved = _timed(lambda: obligations.refresh(on))
    daily_s, (again, moved_again) = _timed(lambda: obligations.daily(on))
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as captured:
        obligations.daily(on)
    return {
        "vendor": connections[DEFAULT_DB_ALIAS].vendor,
        "organizations": Organization.objects.subtree(root).count(),
        "catalog": synthetic_compliance.TEMPLATE,
        "year": YEAR,
        "setup_s": round(built, 1),
        "obligations": Obligation.objects.count(),
        "generate_s": round(seconds, 2),
        "meets_30s": seconds < GENERATE_LIMIT_S,
        "first_refresh_s": round(first_refresh, 3),
        "refresh_unchanged_s": round(refresh_s, 3),
        "refresh_unchanged_moves": sum(moved.values()),
        "daily_unchanged_s": round(daily_s, 3),
        "daily_unchanged_created": again.created,
        "daily_unchanged_moves": sum(moved_again.values()),
        "daily_unchanged_queries": len(captured.captured_queries),
        "meets_2s": daily_s < DAILY_LIMIT_S,
    }


def measure_dashboard(total: int, seed: int, runs: int, log: Log) -> dict[str, Any]:
    """The dashboard's read for a fresh county of `total` organizations with a year owed."""
    root, _built = _county(total, seed)
    on = dt.date(YEAR, 12, 31)
    generated, _report = _timed(lambda: obligations.generate(on))
    obligations.refresh(on)
    _fresh_statistics()
    log.write(f"  {total} organizations, a year generated in {generated:.1f} s\n")
    first, last = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)

    def read() -> tuple[Any, ...]:
        return (
            figures.subtree(root, first, last),
            figures.ranking(root, first, last),
            figures.trend(root, first, last),
        )

    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as captured:
        read()
    ms = timed(read, runs)
    return {
        "vendor": connections[DEFAULT_DB_ALIAS].vendor,
        "organizations": Organization.objects.subtree(root).count(),
        "children": Organization.objects.filter(parent=root).count(),
        "obligations": Obligation.objects.count(),
        "read_ms": ms,
        "queries": len(captured.captured_queries),
        "meets_20ms": ms["p95"] < DASHBOARD_LIMIT_MS,
        "plan_subtree": explain(DEFAULT_DB_ALIAS, lambda: figures.subtree(root, first, last)),
        "plan_children": explain(DEFAULT_DB_ALIAS, lambda: figures.children(root, first, last)),
    }


def run(
    *,
    orgs: int = GENERATE_ORGS,
    dashboard_orgs: int = DASHBOARD_ORGS,
    seed: int = 1,
    runs: int = 50,
    sqlite: bool = True,
    postgres_url: str | None = None,
    log: Log,
) -> dict[str, Any]:
    """Every compliance figure, on SQLite and (given its URL) PostgreSQL."""
    targets: list[tuple[str, Callable[[str], dict[str, Any]]]] = []
    if sqlite:
        targets.append(("sqlite", sqlite_config))
    if postgres_url:
        url = postgres_url
        targets.append(("postgresql", lambda name: postgresql_config(url, name)))
    result: dict[str, Any] = {
        "goals": {
            "generate_s": GENERATE_LIMIT_S,
            "daily_unchanged_s": DAILY_LIMIT_S,
            "dashboard_p95_ms": DASHBOARD_LIMIT_MS,
        }
    }
    for vendor, config in targets:
        figures_of: dict[str, Any] = {}
        if orgs > 0:
            log.write(f"compliance on {vendor}: generation for {orgs} organizations\n")
            with as_default(config(f"generate-{orgs}"), f"bench-{vendor}-generate"):
                figures_of["generation"] = measure_generation(orgs, seed, log)
        if dashboard_orgs > 0:
            log.write(f"compliance on {vendor}: the dashboard of {dashboard_orgs} organizations\n")
            with as_default(config(f"dashboard-{dashboard_orgs}"), f"bench-{vendor}-dashboard"):
                figures_of["dashboard"] = measure_dashboard(dashboard_orgs, seed, runs, log)
        result[vendor] = figures_of
    return result
