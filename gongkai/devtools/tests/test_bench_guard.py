"""The guard figure of `gongkai bench` at a small scale (the real run is 1,000 submissions in
10 s and 50 other addresses): gunicorn with two worker processes on loopback, 60 submissions
from one address and 2 from each of 5 others, every client socket bound to its own address.
Exactly the quota is stored from the one address, the rest refused with 429, and every
other address's submissions succeed."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

from django.core.management import call_command


def test_the_quota_holds_across_two_worker_processes(bench_dir: Path) -> None:
    started = time.monotonic()
    out = io.StringIO()
    call_command(
        "bench", "--only-guard", "--guard-submissions", "60", "--guard-addresses", "5",
        "--guard-seconds", "2", "--guard-workers", "2", "--guard-quota", "7",
        stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.getvalue())["guard"]
    assert result["quota"] == 7 and result["limits"]["per_address"] == 7
    assert result["stored"] == 7, result
    assert result["refused_429"] == 53, result
    assert (result["other_ok"], result["other_stored"]) == (10, 10), result
    assert result["errors"] == [] and result["ok"] is True
    assert "2 worker processes" in result["server"]
    assert set(result["latency_ms"]["others"]) == {"p50", "p95", "max"}
    assert time.monotonic() - started < 60


def test_the_opinions_api_keeps_the_same_quota(bench_dir: Path) -> None:
    out = io.StringIO()
    call_command(
        "bench", "--only-guard", "--guard-submissions", "30", "--guard-addresses", "3",
        "--guard-seconds", "2", "--guard-workers", "2", "--guard-quota", "4",
        "--guard-target", "/api/v1/opinions", "--guard-payload", "json",
        stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.getvalue())["guard"]
    assert result["target"] == "/api/v1/opinions"
    assert (result["stored"], result["refused_429"]) == (4, 26), result
    assert (result["other_ok"], result["other_stored"]) == (6, 6), result
    assert result["ok"] is True
