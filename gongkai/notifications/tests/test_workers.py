"""The real workers, in their own processes, killed mid-batch: every notification exists once
and every e-mail is sent once.

Each test builds a throwaway database (SQLite in a temporary directory; under
`make test-postgres` a throwaway database on that cluster), writes e-mails with Django's
file-based backend into a temporary directory (each worker process appends to its own files:
counting Message-ID headers counts what was sent across processes), and drives the work from
a separate "web" process (scenario.py):

1. enqueue notify_batch for N people, pausing after each item, and start a worker;
2. once some but not all notifications exist, SIGKILL the worker and every process below it
   (RQ runs each job in a forked "work horse"), as a power cut would;
3. run the sweep (it re-enqueues the deliveries already queued: duplicates on purpose),
   enqueue the same batch again, and run a second worker until the queue is empty;
4. every notification exists exactly once, every delivery is sent, and each expected
   Message-ID was written exactly once.

The RQ variant starts its own `redis-server` (Debian's; scripts/system-deps.sh test installs
it) on a free loopback port with persistence off. Every wait is bounded (BOUND, DRAIN_LIMIT),
so a hung worker fails the test instead of hanging the suite.
"""

from __future__ import annotations

import contextlib
import email
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
N = 24
#: Seconds slept after each item of the batch: the batch lasts about N * PAUSE seconds.
PAUSE = 0.15
#: Every wait below gives up after this many seconds, so a hung worker fails the test.
BOUND = 40
#: A worker draining its queue may take longer than BOUND in all when the machine is busy
#: (CI runs two suites at once), as long as it keeps working: it fails when its log has not
#: grown for BOUND seconds, or after DRAIN_LIMIT seconds whatever it does.
DRAIN_LIMIT = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Database:
    env: dict[str, str]
    path: Path | None = None
    url: str | None = None

    def notifications(self) -> int:
        sql = "SELECT COUNT(*) FROM notifications_notification"
        if self.path is not None:
            if not self.path.exists():
                return 0
            with contextlib.closing(sqlite3.connect(self.path, timeout=5)) as db:
                return int(db.execute(sql).fetchone()[0])
        import psycopg

        assert self.url is not None
        with psycopg.connect(self.url) as db:
            row = db.execute(sql).fetchone()
            return int(row[0]) if row else 0


@contextlib.contextmanager
def throwaway_database(var: Path) -> Iterator[Database]:
    """SQLite under `var`; on PostgreSQL's cluster (DATABASE_URL) a database of its own."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield Database(env={}, path=var / "gongkai.sqlite3")
        return
    import psycopg

    name = f"gongkai_workers_{uuid.uuid4().hex[:12]}"
    server = url.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Database(env={"DATABASE_URL": f"{server}/{name}"}, url=f"{server}/{name}")
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Site:
    """The processes of one deployment: the scenario driver and the workers."""

    def __init__(self, tmp: Path, database: Database, backend: str, extra: dict[str, str]):
        self.mail = tmp / "mail"
        self.logs = tmp / "logs"
        self.logs.mkdir()
        self.workers: list[subprocess.Popen[bytes]] = []
        self.log_of: dict[int, Path] = {}
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("GONGKAI_", "EMAIL_", "DATABASE_URL", "DEBUG", "SECRET_KEY"))
        }
        env.update(
            PYTHONPATH=str(ROOT),
            DJANGO_SETTINGS_MODULE="gongkai.settings",
            GONGKAI_VAR_DIR=str(tmp / "var"),
            GONGKAI_TASK_BACKEND=backend,
            GONGKAI_NOTIFICATION_CHANNELS="gongkai.notifications.channels.InAppChannel,"
            "gongkai.notifications.channels.EmailChannel",
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(self.mail),
            DEFAULT_FROM_EMAIL="gongkai@workers.test",
            **database.env,
            **extra,
        )
        self.env = env

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, *args], env=self.env, cwd=ROOT, capture_output=True, text=True,
            timeout=BOUND,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def gongkai(self, *args: str) -> str:
        return self.run("-m", "gongkai", *args)

    def scenario(self, *args: str) -> str:
        return self.run("-m", "gongkai.notifications.tests.scenario", *args)

    def start_worker(self, *args: str) -> subprocess.Popen[bytes]:
        path = self.logs / f"worker-{len(self.workers)}.log"
        log = path.open("wb")
        # A session of its own: the kill below reaches the worker and every process it forked.
        worker = subprocess.Popen(
            [sys.executable, "-m", "gongkai", *args], env=self.env, cwd=ROOT,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.workers.append(worker)
        self.log_of[worker.pid] = path
        return worker

    def worker_log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.logs.iterdir()))

    def stop_all(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                kill_tree(worker)

    def sent_message_ids(self) -> Counter[str]:
        """Message-IDs of every e-mail written, however many processes wrote them. The
        file-based backend ends each message with a line of 79 dashes."""
        counted: Counter[str] = Counter()
        if not self.mail.exists():
            return counted
        for path in self.mail.iterdir():
            for raw in path.read_text().split("\n" + "-" * 79 + "\n"):
                if raw.strip():
                    message = email.message_from_string(raw)
                    counted[" ".join(str(message["Message-ID"]).split())] += 1
        return counted


def kill_tree(worker: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker and every process below it, as a power cut would. Not only its
    process group: RQ's work horse (the fork that runs the job) starts a session of its own."""
    tree = [worker.pid]
    for pid in tree:  # grows while walked: children, then theirs
        tree.extend(children(pid))
    for pid in reversed(tree):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    worker.wait(timeout=10)


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # "pid (comm) state ppid ...": comm may hold spaces, so split after its ")".
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def drain(site: Site, worker: subprocess.Popen[bytes]) -> None:
    """Wait for a worker started to empty its queue and leave (db_worker --batch, rqworker
    --burst), and check it left cleanly. Bounded by progress rather than a fixed time: it
    fails once the worker's own log has not grown for BOUND seconds (hung) or after
    DRAIN_LIMIT seconds in all.

    RQ's burst worker logs "done, quitting" when its queue is empty; its exit can then wait
    up to a minute on its pubsub thread (a blocking read of 60 s, joined for 1 s before the
    pubsub is closed; seen under a full `make test`). What the tests hold is the queue, not
    that wait: a worker that said so and is quiet for 2 s is stopped here."""
    log = site.log_of[worker.pid]
    started = last_change = time.monotonic()
    size = -1
    while worker.poll() is None:
        now = time.monotonic()
        if log.stat().st_size != size:
            size, last_change = log.stat().st_size, now
        elif "done, quitting" in log.read_text(errors="replace")[-500:] and now - last_change > 2:
            kill_tree(worker)
            return
        if now - last_change > BOUND or now - started > DRAIN_LIMIT:
            pytest.fail(f"the worker did not finish its queue\n{site.worker_log()}")
        time.sleep(0.1)
    assert worker.returncode == 0, site.worker_log()


def wait_for(condition: Any, what: str, site: Site, timeout: float = BOUND) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}\n{site.worker_log()}")
        time.sleep(0.05)


def kill_mid_batch_then_recover(
    site: Site, database: Database, first_worker: list[str], second_worker: list[str]
) -> None:
    site.gongkai("migrate", "-v", "0")
    site.scenario("people", str(N))
    site.scenario("batch", str(N), str(PAUSE))
    worker = site.start_worker(*first_worker)
    wait_for(lambda: database.notifications() >= N // 4, "the first notifications", site)
    kill_tree(worker)

    made_before_kill = database.notifications()
    assert N // 4 <= made_before_kill < N, "the kill did not land mid-batch"
    time.sleep(3 * PAUSE)
    assert database.notifications() == made_before_kill, "something outlived the kill"
    # The deliveries of the items done so far are queued behind the killed batch: the sweep
    # enqueues each of them a second time.
    assert int(site.scenario("sweep")) == made_before_kill
    site.scenario("batch", str(N))  # the same batch again: only what is missing is made
    drain(site, site.start_worker(*second_worker))

    report = json.loads(site.scenario("report"))
    assert report["notifications"] == N
    assert len(set(report["keys"])) == N
    assert report["deliveries"] == {"pending": 0, "sent": N, "failed": 0, "skipped": 0}
    sent = site.sent_message_ids()
    assert sorted(sent) == report["message_ids"], "each notification's e-mail, none other"
    assert set(sent.values()) == {1}, f"sent more than once: {sent.most_common(3)}"


def test_the_database_worker_killed_mid_batch_loses_nothing_and_repeats_nothing(tmp_path):
    with throwaway_database(tmp_path / "var") as database:
        site = Site(tmp_path, database, "database", {})
        try:
            kill_mid_batch_then_recover(
                site,
                database,
                ["db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1"],
                ["db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1", "--batch"],
            )
        finally:
            site.stop_all()


@contextlib.contextmanager
def redis_server(tmp: Path, port: int | None = None) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: run scripts/system-deps.sh test")
    port = port or free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp), "--protected-mode", "yes", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("redis-server did not start")
                time.sleep(0.05)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_the_rq_worker_killed_mid_batch_loses_nothing_and_repeats_nothing(tmp_path):
    with redis_server(tmp_path) as url, throwaway_database(tmp_path / "var") as database:
        site = Site(tmp_path, database, "rq", {"GONGKAI_REDIS_URL": url})
        rqworker = ["rqworker", "default", "--job-class", "django_tasks_rq.Job"]
        try:
            kill_mid_batch_then_recover(site, database, rqworker, [*rqworker, "--burst"])
        finally:
            site.stop_all()
