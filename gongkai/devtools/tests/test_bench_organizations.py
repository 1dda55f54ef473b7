"""`gongkai bench` on a small tree: it builds its own SQLite file, reuses it, and prints JSON
figures (the real run, at 1,000,000 organizations, is `make bench`)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from django.core.management import call_command


def run_bench(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command(
        "bench",
        "--orgs",
        "400",
        "--runs",
        "3",
        "--postgres-url",
        "",
        # The compliance figures have a test of their own (test_synthetic_compliance).
        "--compliance-orgs",
        "0",
        "--dashboard-orgs",
        "0",
        # The guard figure has a test of its own (test_bench_guard).
        "--guard-submissions",
        "0",
        *args,
        stdout=out,
        stderr=io.StringIO(),
    )
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def test_bench_builds_a_separate_database_and_prints_json_figures(bench_dir: Path) -> None:
    result = run_bench()

    assert (result["orgs"], result["seed"]) == (400, 1)
    sqlite = result["sqlite"]
    assert sqlite["build_seconds"] is not None
    assert sqlite["subtree_size"] == 20  # the subtree closest to 5 % of the tree
    assert set(sqlite["subtree_count_50k_ms"]) == {"median", "p95", "min"}
    # A figure, not a timed test: the flag follows the measured p95, whatever the machine's load.
    assert sqlite["meets_10ms"] is (sqlite["subtree_count_50k_ms"]["p95"] < 10)
    assert result["meets_10ms"] is sqlite["meets_10ms"]
    assert "path>? AND path<?" in sqlite["plan_subtree_count"][0]
    assert "postgresql" not in result
    assert (bench_dir / "orgs-400-seed-1-v1.sqlite3").exists()
    assert (bench_dir / "orgs-400-seed-1-v1.json").exists()


def test_bench_reuses_the_database_it_built(bench_dir: Path) -> None:
    first = run_bench()
    again = run_bench()

    assert again["sqlite"]["build_seconds"] is None
    assert again["sqlite"]["subtree_root"] == first["sqlite"]["subtree_root"]
