"""The ledger figures of `gongkai bench` at a tiny scale (the real run, a million entries,
ten million leaves, is `make bench`): verify, proofs and appends under concurrent
publishing, printed as JSON; the cached files are built once and reused."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connections

from gongkai.devtools import bench
from gongkai.devtools.synthetic.ledger import GENERATOR_VERSION


def run_bench(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command(
        "bench",
        "--orgs",
        "100",
        "--runs",
        "3",
        "--postgres-url",
        "",
        "--append-workers",
        "2",
        "--appends",
        "3",
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


def test_bench_prints_the_three_ledger_figures_and_reuses_its_files(bench_dir: Path) -> None:
    result = run_bench()

    verify = result["ledger_verify"]
    assert (verify["entries"], verify["revisions"]) == (100, 100)  # as many as --orgs
    assert verify["build_seconds"] is not None and verify["document_bytes"] > 300
    assert len(verify["verify_runs_s"]) == bench.LEDGER_RUNS
    assert verify["verify_s"] == sorted(verify["verify_runs_s"])[1]
    # A figure, not a timed test: the flag follows the measured runs.
    assert verify["meets_10s"] is (max(verify["verify_runs_s"]) < 10)
    assert (bench_dir / f"ledger-100-v{GENERATOR_VERSION}.sqlite3").exists()

    proofs = result["ledger_proofs"]
    assert (proofs["leaves"], proofs["nodes"]) == (
        1000,
        1000 + 500 + 250 + 125 + 62 + 31 + 15 + 7 + 3 + 1,
    )
    assert set(proofs["inclusion_ms"]) == set(proofs["consistency_ms"]) == {"median", "p95", "min"}
    assert proofs["meets_5ms"] is (proofs["inclusion_ms"]["p95"] < 5)
    assert proofs["queries_per_proof"] == 1
    # Served from the unique (log, level, index) index, one search per node.
    searches = [line for line in proofs["plan_inclusion"] if line.startswith("SEARCH")]
    assert searches and all("(log_id=? AND level=? AND index=?)" in line for line in searches)

    append = result["ledger_append"]["sqlite"]
    assert append["verifies"] is True
    for scenario, processes in (("alone", 1), ("different_roots", 2), ("same_root", 2)):
        figure = append[scenario]
        assert (figure["processes"], figure["appends"]) == (processes, 3 * processes)
        assert set(figure["append_ms"]) == {"median", "p95", "max"}
        assert figure["meets_20ms"] is (figure["append_ms"]["p95"] < 20)
    assert "postgresql" not in result["ledger_append"]
    for alias in (bench.LEDGER_ALIAS, bench.PROOFS_ALIAS, bench.APPEND_ALIAS):
        assert alias not in connections.settings

    again = run_bench("--append-workers", "0")
    assert again["ledger_verify"]["build_seconds"] is None
    assert again["ledger_proofs"]["build_seconds"] is None
    assert "ledger_append" not in again
    skipped = run_bench("--ledger-entries", "0", "--proof-leaves", "0", "--append-workers", "0")
    assert not {"ledger_verify", "ledger_proofs", "ledger_append"} & set(skipped)
