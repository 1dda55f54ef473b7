"""The independent verifier (scripts/verify_ledger.py), run as a stranger would: a separate
process that reads only the public API of a live server holding the demo town.

It verifies every log end to end (no gaps: entries a stranger may not read come as opaque
entries), saves the heads, and catches, against those saved heads, a log cut short and a log
rewritten from some entry on with every hash recomputed and every head re-signed with the
real key, the strongest rewrite an operator could do.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from gongkai.devtools.demo import load_demo
from gongkai.ledger import log as ledger
from gongkai.ledger import merkle, verification
from gongkai.ledger.models import Kind, Log, LogEntry, LogNode, SignedHead

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "verify_ledger.py"

pytestmark = pytest.mark.django_db(transaction=True)


def run_verifier(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), url, "--json", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def cut(log: Log, keep: int) -> None:
    """What an operator with the database (not the key) would do to make entries vanish
    without a trace inside it: drop the entries, their nodes and heads, and fix the log's
    cached state so it looks whole."""
    table = {m: m._meta.db_table for m in (LogEntry, LogNode, SignedHead, Log)}
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table[LogEntry]} WHERE log_id = %s AND {connection.ops.quote_name('index')} >= %s",
            [log.pk, keep],
        )
        cursor.execute(
            f"DELETE FROM {table[LogNode]} WHERE log_id = %s AND "
            f"(({connection.ops.quote_name('index')} + 1) << level) > %s",
            [log.pk, keep],
        )
        cursor.execute(
            f"DELETE FROM {table[SignedHead]} WHERE log_id = %s AND size > %s", [log.pk, keep]
        )
    fetch = ledger.fetcher(log)
    nodes = fetch(merkle.subtree_nodes(0, keep))
    frontier = merkle.Frontier.from_bytes(
        keep, b"".join(bytes(nodes[address]) for address in merkle.subtree_nodes(0, keep))
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table[Log]} SET size = %s, frontier = %s, root_hash = %s WHERE id = %s",
            [keep, frontier.to_bytes(), frontier.root().hex(), log.pk],
        )


def report_of(result: subprocess.CompletedProcess[str]) -> dict:
    try:
        return json.loads(result.stdout)
    except ValueError:
        pytest.fail(f"no JSON report: {result.stdout!r} {result.stderr!r}")


def test_a_stranger_verifies_the_demo_and_catches_a_cut_and_a_rewrite(live_server, tmp_path):
    load_demo()
    heads = tmp_path / "heads"
    honest = run_verifier(live_server.url, "--save-heads", str(heads))
    assert honest.returncode == 0, honest.stdout + honest.stderr
    assert sorted(p.name for p in heads.iterdir()), "the verifier saved the heads"
    town = Log.objects.get(root__code="QS")
    size = town.size
    assert size >= 40

    # A log cut short, with every cache fixed up: the database alone no longer shows it
    # (the county's witness entry still does), but the saved head does.
    cut(town, size - 3)
    assert not verification.verify().ok  # the witness in the county's log
    truncated = run_verifier(live_server.url, "--head", str(heads))
    assert truncated.returncode == 1, truncated.stdout + truncated.stderr
    assert "QS" in json.dumps(report_of(truncated), ensure_ascii=False)

    # Rewritten from there on, re-signed with the real key: every signature and hash in the
    # rewritten log is valid, and only a saved head tells the story.
    with transaction.atomic():
        town.refresh_from_db()
        for n in range(3):
            ledger.append(
                town,
                kind=Kind.CHECKPOINT,
                organization=town.root,
                document={"kind": "checkpoint", "legacy_chain": {"length": n, "head": ""}},
                at=timezone.now(),
            )
    town.refresh_from_db()
    assert town.size == size
    rewritten = run_verifier(live_server.url, "--head", str(heads))
    assert rewritten.returncode == 1, rewritten.stdout + rewritten.stderr
    assert "QS" in json.dumps(report_of(rewritten), ensure_ascii=False)
