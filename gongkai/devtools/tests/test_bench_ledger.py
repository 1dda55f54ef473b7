"""The ledger figure of `gongkai bench`, at a few hundred entries (the real run, at
1,000,000, is `make bench`)."""

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
        "1",
        "--postgres-url",
        "",
        *args,
        stdout=out,
        stderr=io.StringIO(),
    )
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def test_bench_builds_a_ledger_as_large_as_the_tree_times_it_and_reuses_it(
    bench_dir: Path,
) -> None:
    ledger = run_bench()["ledger"]  # one scale for the run: as many entries as --orgs

    assert ledger["entries"] == 100
    assert ledger["build_seconds"] is not None
    assert len(ledger["verify_runs_s"]) == bench.LEDGER_RUNS
    assert ledger["ledger_verify_1m_s"] == sorted(ledger["verify_runs_s"])[1]
    assert ledger["meets_10s"] is True
    assert (bench_dir / f"ledger-100-v{GENERATOR_VERSION}.sqlite3").exists()
    assert bench.LEDGER_ALIAS not in connections.settings

    assert run_bench()["ledger"]["build_seconds"] is None
    assert run_bench("--ledger-entries", "150")["ledger"]["entries"] == 150
    assert "ledger" not in run_bench("--ledger-entries", "0")
