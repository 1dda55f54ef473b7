"""The portal figures of `gongkai bench --only-portal` at a tiny scale (the real run is 5,000
organizations, 1,000,000 disclosures and 2,000 requests per page): gunicorn with two workers on
loopback, well-formed JSON with every figure's keys. Timings are figures, never asserted."""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management import call_command

from gongkai.devtools import bench_portal
from gongkai.devtools.bench_guard import free_port

PAGE_KEYS = {
    "path",
    "requests",
    "requests_per_second",
    "p50_ms",
    "p95_ms",
    "cpu_ms_per_request",
    "statuses",
    "errors",
}


def _bench(*extra: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command(
        "bench", "--only-portal", "--portal-orgs", "20", "--portal-disclosures", "200",
        "--portal-requests", "50", "--portal-concurrency", "2", *extra,
        stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.getvalue())["portal"]
    return result


def test_the_portal_bench_prints_every_figure(bench_dir: Path) -> None:
    result = _bench()
    assert (result["orgs"], result["disclosures"], result["workers"]) == (20, 200, 2)
    figures = result["sqlite"]
    assert figures["seed"]["cached"] is False
    assert figures["server"]["workers"] == 2
    for name in ("organization_page", "disclosure_page", "bare_view"):
        page = figures[name]
        assert set(page) >= PAGE_KEYS, name
        assert page["statuses"] == {"200": 50} and page["errors"] == 0, page
        assert page["cpu_ms_per_request"] is not None
        assert figures["statuses"][name] == 200
        assert figures["queries"][name] >= 1
    assert figures["queries"]["bare_view"] == 1
    # Both pages as served (kept for the public under a digest of what they show) and
    # rendered on every request.
    for page in ("organization_page", "disclosure_page"):
        rendered = figures[f"{page}_rendered"]
        assert set(rendered) >= PAGE_KEYS
        assert rendered["path"] == figures[page]["path"]
        assert rendered["statuses"] == {"200": 50} and rendered["errors"] == 0, rendered
        assert "cpu_over_bare" in figures[page] and "cpu_over_bare" in rendered
    assert figures["targets"]["organization_disclosures"] >= 1
    # Without the search app or the nginx script on this branch, they say so.
    assert figures["search"] == "not available" or all(
        "p95_ms" in figures["search"][order] for order in ("relevance", "newest")
    ), figures["search"]
    assert figures["nginx"] == "not available" or "cached_page" in figures["nginx"]
    # The other public pages whose work could grow with the history, with their figures.
    others = figures["other_pages"]
    assert set(others) == {
        "home",
        "tree_list",
        "tree_feed",
        "organization_list",
        "site_feed",
        "sitemap_index",
        "sitemap_last_page",
    }
    for name, page in others.items():
        assert page["status"] == 200 and page["queries"] >= 1, (name, page)
        assert 0 < page["ms_p50"] <= page["ms_max"], (name, page)
    # The seeded database is kept and used again, in the WAL mode the site runs it in (the
    # seed wrote with its rollback journal in memory, then set the WAL back).
    assert (bench_dir / "portal.sqlite3").exists()
    with contextlib.closing(sqlite3.connect(bench_dir / "portal.sqlite3")) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    _url, seeded = bench_portal.sqlite_database(20, 200, 1, rebuild=False, log=io.StringIO())
    assert seeded["cached"] is True


def test_the_bare_view_is_only_in_the_bench_urlconf() -> None:
    from django.urls import Resolver404, resolve

    from gongkai.devtools import bench_urls

    try:
        resolve("/_bench/bare/X/")
    except Resolver404:
        pass
    else:  # pragma: no cover - the production URLconf must not serve it
        raise AssertionError("the bare view is reachable in the site's URLconf")
    assert resolve("/_bench/bare/X/", urlconf=bench_urls.__name__).func is bench_urls.bare


def test_the_processes_a_script_leaves_listening_are_found_by_their_port() -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while server.pid not in bench_portal._listeners(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert bench_portal._listeners(port) == {server.pid}
        result = bench_portal.load(port, "/", requests=10, concurrency=2, pids=[server.pid])
        assert result["requests"] == 10 and result["statuses"] == {"200": 10}
        assert result["cpu_ms_per_request"] is not None
    finally:
        server.terminate()
        server.wait()
    assert bench_portal._listeners(port) == set()
