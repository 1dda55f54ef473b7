"""The guard figure of `gongkai bench`: rate limits that hold across server processes, under
load, on loopback only.

1. A throwaway directory holds a SQLite file, migrated, with one organization and one public
   consultation (a public-scope draft whose item requires consultation, open for opinions):
   the public submission target. Nothing else of the site is touched.
2. The site is started with gunicorn (the production server) with `workers` processes
   (threads inside each) on 127.0.0.1, a free port, on that database, the guard counting in
   it, the action's limits given to it explicitly; the site's settings as they are
   (gongkai.devtools.bench_settings only names static files without a manifest, so no
   collectstatic is needed).
3. Within `seconds`, `submissions` opinions are sent from one address (127.0.0.1) and, in the
   same seconds, `per_other` from each of `addresses` other addresses (127.0.0.2,
   127.0.0.3, …): every client socket is bound to its own loopback address, so the server
   sees a different REMOTE_ADDR; no header says anything about the address.
4. Figures: how many of the one address's submissions were stored (read back from the
   database) and how many refused with 429, how many of the others' succeeded, wall time,
   latency p50/p95 per group. `ok` holds when exactly the quota was stored, every other one
   of the one address was refused with 429, and every submission of the others succeeded.

The quota of an address is what it may store without answering the challenge: the soft
limit (the bench, like a script, never answers it). `quota` sets both the soft and the hard
limit to one number; otherwise the site's configured limits of the action are used.

`target` names another path to post to (e.g. the opinions API, ``/api/v1/opinions``, with
`payload="json"`): stored submissions are then counted from the responses (2xx/3xx).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import math
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.utils import timezone

from gongkai.accounts.models import User
from gongkai.catalog.models import Catalog, Item, Scope, Timing
from gongkai.devtools.bench import Log
from gongkai.devtools.bench_compliance import as_default
from gongkai.disclosures.models import Disclosure, Revision, State
from gongkai.guard import limits as guard_limits
from gongkai.organizations.services import create_organization

SUBMISSIONS = 1000
ADDRESSES = 50
PER_OTHER = 2
SECONDS = 10.0
WORKERS = 2
THREADS = 4
#: Concurrent senders from the one address.
ABUSER_SENDERS = 8
#: Everything is bounded: no more than this many requests, and the run gives up after this.
MOST_REQUESTS = 20_000
MOST_ADDRESSES = 250
TIMEOUT = 30.0
ROOT = Path(__file__).resolve().parents[2]
ACTION = "consultation"


class GuardBenchError(Exception):
    pass


@dataclass
class Target:
    host: str
    port: int
    path: str
    form_path: str
    organization: str
    disclosure: int


@dataclass
class Sample:
    status: int
    ms: float


@dataclass
class Group:
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


def _percentile(ordered: list[float], p: float) -> float:
    return round(ordered[max(0, math.ceil(p * len(ordered)) - 1)], 1) if ordered else 0.0


def _latency(samples: list[Sample]) -> dict[str, float]:
    ordered = sorted(s.ms for s in samples)
    if not ordered:
        return {"p50": 0.0, "p95": 0.0, "max": 0.0}
    return {
        "p50": round(statistics.median(ordered), 1),
        "p95": _percentile(ordered, 0.95),
        "max": round(ordered[-1], 1),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the throwaway site ------------------------------------------------------------------


def prepare(directory: Path) -> tuple[Path, str, int]:
    """Migrate a SQLite file in `directory` and make the target: an organization with a
    public consultation. Returns (file, organization code, disclosure pk)."""
    path = directory / "site.sqlite3"
    config = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
    }
    # As the default database: some migrations (the task queue's) write through it.
    with as_default(config, "gongkai-guard-bench"):
        call_command("migrate", verbosity=0, interactive=False)
        org = create_organization(parent=None, code="GUARD-01", name="基准村党支部", kind="branch")
        clerk = User.objects.create(
            username="guard-bench", display_name="基准经办人", is_active=False
        )
        catalog = Catalog.objects.create(organization=org, title="基准目录", version=1)
        item = Item.objects.create(
            catalog=catalog,
            key="guard-bench",
            introduced_in=1,
            category_key="bench",
            name="村级重大事项",
            timing=Timing.EVENT,
            scope=Scope.PUBLIC,
            consultation_required=True,
            consultation_days=5,
        )
        now = timezone.now()
        title, body = "村道硬化工程方案（征求意见稿）", "<p>请对方案提出意见。</p>"
        draft = Disclosure.objects.create(
            organization=org,
            catalog=catalog,
            catalog_version=1,
            item=item,
            title=title,
            body=body,
            scope=Scope.PUBLIC,
            consultation_required=True,
            state=State.CONSULTATION,
            consultation_until=now + dt.timedelta(days=30),
            created_by=clerk,
        )
        Revision.objects.create(
            disclosure=draft, number=1, title=title, body=body, created_by=clerk
        )
        return path, org.code, draft.pk


@contextlib.contextmanager
def served(
    directory: Path, database: Path, *, workers: int, threads: int, limits: dict[str, Any]
) -> Iterator[tuple[str, int]]:
    """gunicorn serving the site on `database`, on 127.0.0.1 and a free port."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GONGKAI_", "DATABASE_"))},
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "gongkai.devtools.bench_settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "GONGKAI_VAR_DIR": str(directory),
        "GONGKAI_PROFILE": "development",
        "GONGKAI_TASK_BACKEND": "database",
        "GONGKAI_GUARD_STORE": "database",
        # The same limits for the consultation form and the opinions API (--guard-target).
        "GONGKAI_GUARD_LIMITS": json.dumps({ACTION: limits, "opinion": limits}),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": os.urandom(32).hex(),
        "LOG_LEVEL": "ERROR",
    }
    command = [
        sys.executable, "-m", "gunicorn", "gongkai.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--worker-class", "gthread", "--threads", str(threads),
        "--backlog", "2048", "--timeout", "60", "--graceful-timeout", "5",
        "--log-level", "error", "--error-logfile", str(directory / "gunicorn.log"),
    ]  # fmt: skip
    server = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            if server.poll() is not None:
                raise GuardBenchError(f"gunicorn exited with {server.returncode}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    connection.close()
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise GuardBenchError("gunicorn did not answer /healthz")
            time.sleep(0.1)
        yield "127.0.0.1", port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# -- the clients ---------------------------------------------------------------------------


class Client:
    """One address: every connection it opens is bound to `source`."""

    def __init__(self, target: Target, source: str, payload: str) -> None:
        self.target, self.source, self.payload = target, source, payload
        self.cookie, self.token = "", ""

    def _connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(
            self.target.host, self.target.port, timeout=TIMEOUT, source_address=(self.source, 0)
        )

    def start(self) -> None:
        """The form once: its CSRF cookie and token (as a browser would have them)."""
        connection = self._connection()
        try:
            connection.request("GET", self.target.form_path)
            response = connection.getresponse()
            page = response.read().decode("utf-8", "replace")
            cookies = response.headers.get_all("Set-Cookie") or []
        finally:
            connection.close()
        if response.status != 200:
            raise GuardBenchError(f"GET {self.target.form_path} answered {response.status}")
        for cookie in cookies:
            if cookie.startswith("csrftoken="):
                self.cookie = cookie.split(";", 1)[0]
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        self.token = found.group(1) if found else ""

    def send(self, text: str) -> Sample:
        if self.payload == "json":
            body = json.dumps(
                {
                    "text": text,
                    "kind": "suggestion",
                    # An opinion about the organization (the draft out for consultation is
                    # not a published disclosure an opinion can name).
                    "organization": self.target.organization,
                },
                ensure_ascii=False,
            ).encode()
            content_type = "application/json"
        else:
            body = urllib.parse.urlencode(
                {"csrfmiddlewaretoken": self.token, "text": text}
            ).encode()
            content_type = "application/x-www-form-urlencoded"
        headers = {
            "Content-Type": content_type,
            "Cookie": self.cookie,
            "X-CSRFToken": self.token,
            "Connection": "close",
        }
        started = time.perf_counter()
        connection = self._connection()
        try:
            connection.request("POST", self.target.path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        finally:
            connection.close()
        return Sample(status, (time.perf_counter() - started) * 1000)


def _run_schedule(
    client: Client, texts: list[str], offsets: list[float], t0: float, group: Group
) -> None:
    for text, offset in zip(texts, offsets, strict=True):
        delay = t0 + offset - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        try:
            group.add(client.send(text))
        except OSError as error:
            with group.lock:
                group.errors.append(f"{client.source}: {error}")


def _stored(database: Path, prefix: str) -> int:
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as db:
        row = db.execute(
            "SELECT COUNT(*) FROM disclosures_opinion WHERE text LIKE ?", (prefix + "%",)
        ).fetchone()
    return int(row[0])


def _accepted(status: int) -> bool:
    return 200 <= status < 400


def run(
    *,
    submissions: int = SUBMISSIONS,
    addresses: int = ADDRESSES,
    per_other: int = PER_OTHER,
    seconds: float = SECONDS,
    workers: int = WORKERS,
    threads: int = THREADS,
    quota: int | None = None,
    target: str | None = None,
    payload: str = "form",
    log: Log,
) -> dict[str, Any]:
    """Everything the guard figure prints (see the module's docstring)."""
    if not (submissions > 0 and 0 <= addresses <= MOST_ADDRESSES and per_other >= 0):
        raise GuardBenchError("submissions must be positive and addresses at most 250")
    if submissions + addresses * per_other > MOST_REQUESTS:
        raise GuardBenchError(f"at most {MOST_REQUESTS} requests in one run")
    limit = guard_limits.limit_for(ACTION)
    if quota is not None:
        limit = guard_limits.Limit(quota, quota, limit.per_organization, limit.window_seconds)
    if per_other > limit.soft:
        raise GuardBenchError("each other address must stay within the quota")
    expected_quota = min(limit.soft, submissions)
    directory = Path(tempfile.mkdtemp(prefix="gongkai-guard-bench-"))
    try:
        log.write(f"guard: preparing a throwaway site in {directory} …\n")
        database, org_code, draft_pk = prepare(directory)
        form_path = f"/d/{draft_pk}/consultation"
        with served(
            directory, database, workers=workers, threads=threads, limits=asdict(limit)
        ) as (host, port):
            goal = Target(host, port, target or form_path, form_path, org_code, draft_pk)
            one = Client(goal, "127.0.0.1", payload)
            others = [Client(goal, f"127.0.0.{2 + i}", payload) for i in range(addresses)]
            for client in [one, *others]:
                client.start()
            log.write(
                f"guard: {submissions} submissions from 127.0.0.1 and {per_other} from each of "
                f"{addresses} other addresses within {seconds} s, gunicorn with {workers} "
                f"workers on port {port} …\n"
            )
            abuse, rest = Group(), Group()
            step = seconds / submissions
            plans: list[tuple[Client, list[str], list[float], Group]] = []
            senders = min(ABUSER_SENDERS, submissions)
            for k in range(senders):
                indexes = list(range(k, submissions, senders))
                plans.append(
                    (one, [f"abuse-{i} 意见" for i in indexes], [i * step for i in indexes], abuse)
                )
            for n, client in enumerate(others):
                offsets = [
                    (seconds * (j + (n + 1) / (addresses + 1))) / max(1, per_other)
                    for j in range(per_other)
                ]
                texts = [f"other-{n}-{j} 意见" for j in range(per_other)]
                plans.append((client, texts, offsets, rest))
            t0 = time.monotonic() + 0.2
            pool = [
                threading.Thread(target=_run_schedule, args=(c, texts, offsets, t0, group))
                for c, texts, offsets, group in plans
            ]
            for thread in pool:
                thread.start()
            for thread in pool:
                thread.join(seconds + TIMEOUT * 2)
            wall = time.monotonic() - t0
        by_db = target is None
        statuses = [s.status for s in abuse.samples]
        refused = sum(1 for s in statuses if s == 429)
        stored = _stored(database, "abuse-") if by_db else sum(map(_accepted, statuses))
        other_ok = sum(1 for s in rest.samples if _accepted(s.status))
        other_stored = _stored(database, "other-") if by_db else other_ok
        others_total = addresses * per_other
        result: dict[str, Any] = {
            "server": f"gunicorn, {workers} worker processes × {threads} threads, SQLite",
            "target": goal.path,
            "counted_in": "database" if by_db else "responses",
            "limits": asdict(limit),
            "quota": expected_quota,
            "submissions": submissions,
            "stored": stored,
            "refused_429": refused,
            "other_statuses": sorted({s for s in statuses if s != 429 and not _accepted(s)}),
            "other_addresses": addresses,
            "other_submissions": others_total,
            "other_ok": other_ok,
            "other_stored": other_stored,
            "errors": (abuse.errors + rest.errors)[:10],
            "seconds": seconds,
            "wall_s": round(wall, 2),
            "within_window": wall <= seconds + 1.0,
            "requests_per_s": round((len(abuse.samples) + len(rest.samples)) / wall, 1),
            "latency_ms": {
                "one_address": _latency(abuse.samples),
                "one_address_429": _latency([s for s in abuse.samples if s.status == 429]),
                "others": _latency(rest.samples),
            },
        }
        result["ok"] = (
            stored == expected_quota
            and refused == submissions - expected_quota
            and other_ok == others_total
            and other_stored == others_total
            and not result["errors"]
        )
        return result
    finally:
        shutil.rmtree(directory, ignore_errors=True)
