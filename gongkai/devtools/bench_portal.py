"""The portal figures of `gongkai bench --only-portal`: the pages a villager reads, uncached,
under gunicorn with two workers on loopback, beside a bare Django view; search; and the cached
page through the shipped nginx configuration against nginx serving the same bytes as a file.

1. **The database.** `gongkai seed --orgs N --disclosures M --seed S` into
   var/bench/portal.sqlite3 (migrated and seeded in this process; the seed prints its own
   seconds and peak memory), kept with a note of what it holds (`portal.json`) and seeded again only when the
   note differs or `--rebuild` is given. With `--postgres-url` the same data goes into that
   PostgreSQL database when it holds no organizations yet (a database that already holds
   exactly the seeded counts is used as it is).
2. **The targets.** The busy organization: the one with the most disclosures the public sees;
   the disclosure: that organization's newest public one; the bare view
   (`bench_urls.bare`, mounted only by the bench's settings, never by gongkai.urls): the
   same 20 newest rows the organization page leads with, read with one raw SQL query and
   rendered with a five-line template.
3. **Query counts** with Django's test client and `CaptureQueriesContext` in this process.
4. **Load.** gunicorn (gthread, `workers` processes) on 127.0.0.1 and a free port, on that
   database; for each target a warm-up, then `requests` GETs from `concurrency` keep-alive
   connections, straight to gunicorn (no shared cache in between). Figures: p50/p95/max
   latency, requests per second, and CPU per request: the workers' user+system time from
   /proc/<pid>/stat before and after, divided by the requests.
5. **Search** (`gongkai.search`, where it exists): p95 over `bench_queries(300)` by
   relevance and newest first; otherwise "not available".
6. **nginx** (`scripts/serve-loopback.sh <nginx port> <gunicorn port>` and
   `deploy/nginx/gongkai.conf`, where they exist): requests per second of the cached anonymous
   organization page through nginx, against the same bytes saved under STATIC_ROOT and served
   by that nginx as a static file; otherwise "not available".

Everything is bounded (requests, seconds per figure) and on 127.0.0.1 only. Progress goes to
`log`; the result is a dict for JSON.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib
import inspect
import io
import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from gongkai.devtools.bench import Log
from gongkai.devtools.bench_compliance import as_default
from gongkai.devtools.bench_guard import free_port
from gongkai.devtools.synthetic import disclosures as seeded
from gongkai.devtools.synthetic import organizations as org_synthetic
from gongkai.disclosures.models import Disclosure
from gongkai.organizations.models import Organization

ORGS = 5_000
DISCLOSURES = 1_000_000
REQUESTS = 2_000
CONCURRENCY = 4
WORKERS = 2
THREADS = 2
WARMUP = 20
#: No figure sends more than this, nor runs longer than this many seconds.
MOST_REQUESTS = 100_000
MOST_SECONDS = 120.0
SEARCH_QUERIES = 300
TIMEOUT = 30.0
ROOT = Path(__file__).resolve().parents[2]
BENCH_SETTINGS = "gongkai.devtools.bench_settings"
BENCH_URLS = "gongkai.devtools.bench_urls"


class PortalBenchError(Exception):
    pass


# -- the database -----------------------------------------------------------------------------


def _note(orgs: int, disclosures: int, seed: int) -> dict[str, Any]:
    return {
        "orgs": orgs,
        "disclosures": disclosures,
        "seed": seed,
        "organizations_version": org_synthetic.GENERATOR_VERSION,
        "disclosures_version": seeded.GENERATOR_VERSION,
    }


def _child_env(database_url: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GONGKAI_", "DATABASE_"))},
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": BENCH_SETTINGS,
        "DATABASE_URL": database_url,
        "GONGKAI_VAR_DIR": str(settings.VAR_DIR),
        "GONGKAI_PROFILE": "development",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or os.urandom(32).hex(),
    }


def _seed(database_url: str, orgs: int, disclosures: int, seed: int, log: Log) -> dict[str, Any]:
    """Migrate and seed (`gongkai seed`) the database at `database_url`, in this process;
    return what the command said and the seconds it took."""
    started = time.perf_counter()
    said = io.StringIO()
    log.write(f"seeding {orgs} organizations and {disclosures} disclosures …")
    with as_default(_config(database_url), "gongkai-portal-bench"):
        call_command("migrate", verbosity=0, interactive=False)
        call_command(
            "seed", "--orgs", str(orgs), "--disclosures", str(disclosures), "--seed", str(seed),
            stdout=said, stderr=io.StringIO(),
        )  # fmt: skip
    lines = [line for line in said.getvalue().splitlines() if line.strip()]
    try:  # the seed writes the index where the search app has one
        indexed = hasattr(importlib.import_module("gongkai.search.index"), "rebuild")
    except ImportError:
        indexed = False
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "said": lines[-2:],
        "search_index": "written by the seed" if indexed else "not available",
    }


def sqlite_database(
    orgs: int, disclosures: int, seed: int, *, rebuild: bool, log: Log
) -> tuple[str, dict[str, Any]]:
    """var/bench/portal.sqlite3 holding the seeded data (made when missing or different)."""
    directory = Path(settings.VAR_DIR) / "bench"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "portal.sqlite3"
    note_path = directory / "portal.json"
    wanted = _note(orgs, disclosures, seed)
    try:
        note = json.loads(note_path.read_text())
    except (OSError, ValueError):
        note = None
    url = f"sqlite:///{path}"
    if not rebuild and path.exists() and note and note.get("data") == wanted:
        seeded_info = note.get("seeded", {})
        # "rebuilt" is what notes written before this label said of the same seed.
        indexed = seeded_info.get("search_index") in ("written by the seed", "rebuilt")
        seeded_info.update(_bring_up_to_date(url, log, indexed=indexed))
        note_path.write_text(json.dumps(note, ensure_ascii=False))
        return url, {"cached": True, **seeded_info}
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    note_path.unlink(missing_ok=True)
    result = _seed(url, orgs, disclosures, seed, log)
    note_path.write_text(json.dumps({"data": wanted, "seeded": result}, ensure_ascii=False))
    return url, {"cached": False, **result}


def postgres_database(url: str, orgs: int, disclosures: int, seed: int, log: Log) -> dict[str, Any]:
    """Seed the PostgreSQL database at `url` unless it holds the seeded counts already."""
    held = _counts(url)
    if held == (orgs, disclosures):
        return {"cached": True, **_bring_up_to_date(url, log)}
    if held[0]:
        raise PortalBenchError(
            f"the PostgreSQL database holds {held[0]} organizations and {held[1]} disclosures, "
            f"not {orgs} and {disclosures}: give an empty database"
        )
    return {"cached": False, **_seed(url, orgs, disclosures, seed, log)}


def _bring_up_to_date(url: str, log: Log, *, indexed: bool = False) -> dict[str, Any]:
    """A kept database, migrated to the code as it is now; where the search app came after
    it was seeded (not `indexed`) and its index is empty, the index is rebuilt (the seed's
    hook)."""
    with as_default(_config(url), "gongkai-portal-bench"):
        call_command("migrate", verbosity=0, interactive=False)
        if indexed:
            return {}
        try:
            index = importlib.import_module("gongkai.search.index")
        except ImportError:
            return {}
        is_empty = getattr(index, "is_empty", None)
        if not callable(is_empty) or not is_empty():
            return {}  # an index is there (or no way to tell): never rebuilt behind one's back
        log.write("rebuilding the search index …")
        return {"search_index": seeded.rebuild_search_index()}


def _counts(url: str) -> tuple[int, int]:
    """(organizations, disclosures) held at `url`; (0, 0) before it is migrated."""
    with (
        as_default(_config(url), "gongkai-portal-bench"),
        connections[DEFAULT_DB_ALIAS].cursor() as c,
    ):
        try:
            c.execute("SELECT COUNT(*) FROM organizations_organization")
            orgs = int(c.fetchone()[0])
            c.execute("SELECT COUNT(*) FROM disclosures_disclosure")
            return orgs, int(c.fetchone()[0])
        except Exception:
            return 0, 0


def _config(url: str) -> dict[str, Any]:
    config = dict(dj_database_url.parse(url))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    return config


# -- targets and query counts -----------------------------------------------------------------


@dataclass
class Targets:
    organization: str
    organization_disclosures: int
    disclosure: int

    def paths(self) -> dict[str, str]:
        return {
            "organization_page": f"/o/{self.organization}/",
            "disclosure_page": f"/d/{self.disclosure}/",
            "bare_view": f"/_bench/bare/{self.organization}/",
        }


def targets() -> Targets:
    """The busy organization and its newest public disclosure, on the default database."""
    public = Disclosure.objects.visible_to(AnonymousUser()).filter(published_revision__isnull=False)
    busiest = (
        public.values("organization_id", "organization__code")
        .annotate(n=Count("id"))
        .order_by("-n", "organization__code")
        .first()
    )
    if busiest is None:
        raise PortalBenchError("the database has no public disclosure to read")
    newest = (
        public.filter(organization_id=busiest["organization_id"])
        .order_by("-publish_from", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    assert newest is not None
    return Targets(busiest["organization__code"], busiest["n"], newest)


def _site_settings() -> dict[str, Any]:
    """What the bench's settings module changes, for the in-process test client."""
    module = importlib.import_module(BENCH_SETTINGS)
    return {
        "STORAGES": module.STORAGES,
        "ROOT_URLCONF": module.ROOT_URLCONF,
        "ALLOWED_HOSTS": ["testserver", "127.0.0.1"],
        "DEBUG": False,
    }


def other_pages(targets: Targets, runs: int = 10) -> dict[str, dict[str, Any]]:
    """The other public pages whose work could grow with the whole history: the home page,
    the whole tree's list and feed, the site's feed and the sitemap. In this process (test
    client, anonymous): queries, and the median and slowest of `runs` requests in ms, wall
    clock (on PostgreSQL the server's time is in it)."""
    root = Organization.objects.order_by("path").values_list("code", flat=True).first()
    paths = {
        "home": "/",
        "tree_list": f"/o/{root}/all",
        "tree_feed": f"/o/{root}/subtree/feed.atom",
        "organization_list": f"/o/{targets.organization}/all?own=1",
        "site_feed": "/feed.atom",
        "sitemap_index": "/sitemap.xml",
        "sitemap_last_page": "",
    }
    out: dict[str, dict[str, Any]] = {}
    with override_settings(**_site_settings()):
        client = Client()
        pages = sum(
            1
            for _ in re.finditer(
                r"sitemap-disclosures\.xml", client.get("/sitemap.xml").content.decode()
            )
        )
        paths["sitemap_last_page"] = f"/sitemap-disclosures.xml?p={max(pages, 1)}"
        for name, path in paths.items():
            client.get(path)
            with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as queries:
                response = client.get(path)
            # Counted now: each request's start empties the connection's log of queries.
            count = len(queries)
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            out[name] = {
                "path": path,
                "status": response.status_code,
                "queries": count,
                "ms_p50": round(times[len(times) // 2], 1),
                "ms_max": round(times[-1], 1),
            }
    return out


def query_counts(paths: dict[str, str]) -> dict[str, dict[str, int]]:
    """SQL queries and status of one anonymous GET of each path (test client, this process),
    after one GET to warm what is cached per process."""
    out = {}
    with override_settings(**_site_settings()):
        client = Client()
        for name, path in paths.items():
            client.get(path)
            with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as queries:
                response = client.get(path)
            out[name] = {"status": response.status_code, "queries": len(queries)}
    return out


# -- the server and the load ------------------------------------------------------------------


@contextlib.contextmanager
def served(
    database_url: str, *, workers: int, threads: int, extra: dict[str, str] | None = None
) -> Iterator[tuple[int, list[int]]]:
    """gunicorn on 127.0.0.1 and a free port (`extra`: more environment); yields (port,
    worker pids)."""
    port = free_port()
    env = {
        **_child_env(database_url),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "ERROR",
        "GONGKAI_TASK_BACKEND": "database",
        **(extra or {}),
    }
    logfile = Path(settings.VAR_DIR) / "bench" / "portal-gunicorn.log"
    command = [
        sys.executable, "-m", "gunicorn", "gongkai.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--worker-class", "gthread", "--threads", str(threads),
        "--keep-alive", "30", "--timeout", "60", "--graceful-timeout", "5",
        "--log-level", "error", "--error-logfile", str(logfile),
    ]  # fmt: skip
    server = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        _wait_healthy(port, server)
        deadline = time.monotonic() + TIMEOUT
        pids = _children(server.pid)
        while len(pids) < workers and time.monotonic() < deadline:
            time.sleep(0.1)
            pids = _children(server.pid)
        yield port, pids
    finally:
        _stop(server)


def _wait_healthy(
    port: int,
    process: subprocess.Popen[bytes] | None,
    path: str = "/healthz",
    *,
    daemonizes: bool = False,
) -> None:
    """Until `path` answers 200 on `port`; a process that exits fails it (with 0 only when
    it does not `daemonize`: a script that starts daemons and returns is fine)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        code = process.poll() if process is not None else None
        if code is not None and (code != 0 or not daemonizes):
            raise PortalBenchError(f"the server exited with {code}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise PortalBenchError(f"nothing answered {path} on port {port}")
        time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _load_average() -> list[float]:
    """The machine's load average (1, 5, 15 minutes): the figures' context."""
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except (OSError, ValueError):
        return []


def _listeners(port: int) -> set[int]:
    """Processes with a socket listening on 127.0.0.1:`port` (/proc/net/tcp, then the
    sockets among each process's open files)."""
    inodes = set()
    wanted = f"0100007F:{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if (
                len(parts) > 9
                and parts[3] == "0A"
                and (parts[1] == wanted or parts[1].endswith(f":{port:04X}"))
            ):
                inodes.add(f"socket:[{parts[9]}]")
    found: set[int] = set()
    if not inodes:
        return found
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in inodes:
                        found.add(int(entry.name))
                        break
    return found


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pids: list[int]) -> float:
    """User plus system time of `pids` (/proc/<pid>/stat, fields 14 and 15)."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / _TICK


def _percentile(ordered: list[float], p: float) -> float:
    return round(ordered[max(0, math.ceil(p * len(ordered)) - 1)], 2) if ordered else 0.0


def load(
    port: int,
    path: str,
    *,
    requests: int,
    concurrency: int,
    pids: list[int] | None = None,
    warmup: int = WARMUP,
    seconds: float = MOST_SECONDS,
) -> dict[str, Any]:
    """GET `path` `requests` times from `concurrency` keep-alive connections to
    127.0.0.1:`port` (threads, http.client); stop early after `seconds`."""
    requests = max(1, min(requests, MOST_REQUESTS))
    concurrency = max(1, min(concurrency, requests))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests))
    deadline = time.monotonic() + seconds
    size = 0

    def one(connection: http.client.HTTPConnection) -> tuple[int, float, int]:
        begun = time.perf_counter()
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        body = response.read()
        return response.status, (time.perf_counter() - begun) * 1000, len(body)

    def worker(count_it: bool) -> None:
        nonlocal size
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        try:
            while time.monotonic() < deadline:
                with lock:
                    if next(counter, None) is None:
                        return
                try:
                    status, ms, length = one(connection)
                except (OSError, http.client.HTTPException) as error:
                    with lock:
                        errors.append(type(error).__name__)
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
                    continue
                if count_it:
                    with lock:
                        latencies.append(ms)
                        statuses[status] = statuses.get(status, 0) + 1
                        size = length
        finally:
            connection.close()

    # Warm-up: every worker process sees the page (and its per-process caches) first.
    for _ in range(min(warmup, requests)):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        try:
            one(connection)
        except (OSError, http.client.HTTPException):
            pass
        finally:
            connection.close()
    cpu_before = cpu_seconds(pids or [])
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(True,)) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    cpu = cpu_seconds(pids or []) - cpu_before
    ordered = sorted(latencies)
    done = len(ordered)
    return {
        "path": path,
        "requests": done,
        "concurrency": concurrency,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": len(errors),
        "bytes": size,
        "seconds": round(wall, 2),
        "requests_per_second": round(done / wall, 1) if wall > 0 else 0.0,
        "p50_ms": round(statistics.median(ordered), 2) if ordered else 0.0,
        "p95_ms": _percentile(ordered, 0.95),
        "max_ms": round(ordered[-1], 2) if ordered else 0.0,
        "cpu_ms_per_request": round(cpu * 1000 / done, 2) if pids and done else None,
    }


# -- search -------------------------------------------------------------------------------------


def search_figures(queries: int = SEARCH_QUERIES) -> dict[str, Any] | str:
    """p95 of `gongkai.search.query.search` over `gongkai.search.bench_queries(queries)`, by
    relevance and newest first; "not available" without the search app."""
    try:
        search_app = importlib.import_module("gongkai.search")
        query_module = importlib.import_module("gongkai.search.query")
        bench_queries = search_app.bench_queries
        search = query_module.search
    except (ImportError, AttributeError):
        return "not available"
    terms = list(bench_queries(queries))
    # A served process loads jieba's dictionary once (about a second) on its first search
    # by relevance; the figures are of a warm process, as the pages' are after warm-up.
    warm = getattr(importlib.import_module("gongkai.search.tokens"), "warm", None)
    if warm is not None:
        warm()
    parameters = inspect.signature(search).parameters
    out: dict[str, Any] = {"queries": len(terms)}
    for order in ("relevance", "newest"):
        # Each order runs the set twice: the first pass reads the index from disk into the
        # database's and the system's caches (`first_pass_p95_ms`), the second is timed as a
        # running site's searches are, warm like the pages after their warm-up (`p95_ms`).
        passes = []
        try:
            for _pass in range(2):
                timings = []
                for term in terms:
                    begun = time.perf_counter()
                    result = _call_search(search, parameters, term, order)
                    if inspect.isgenerator(result):
                        list(result)
                    elif hasattr(result, "__len__"):
                        len(result)
                    timings.append((time.perf_counter() - begun) * 1000)
                passes.append(sorted(timings))
        except Exception as error:
            out[order] = {"error": f"{type(error).__name__}: {error}"[:300]}
            continue
        first, ordered = passes
        out[order] = {
            "p50_ms": round(statistics.median(ordered), 2) if ordered else 0.0,
            "p95_ms": _percentile(ordered, 0.95),
            "first_pass_p95_ms": _percentile(first, 0.95),
        }
    return out


def _call_search(search: Callable[..., Any], parameters: Any, term: str, order: str) -> Any:
    kwargs: dict[str, Any] = {}
    for name in ("order", "sort", "ordering"):
        if name in parameters:
            kwargs[name] = order
            break
    if "user" in parameters:
        kwargs["user"] = AnonymousUser()
    # By name where it has one (`search(user, q, ...)` takes the user first).
    named = next((n for n in ("q", "query", "term", "text") if n in parameters), None)
    if named is not None:
        kwargs[named] = term
        return search(**kwargs)
    return search(term, **kwargs)


# -- nginx --------------------------------------------------------------------------------------


def nginx_figures(
    database_url: str, organization_path: str, *, requests: int, concurrency: int
) -> dict[str, Any] | str:
    """Cached anonymous page through the shipped nginx configuration against nginx serving
    the same bytes as a static file (see the module docstring)."""
    script = ROOT / "scripts" / "serve-loopback.sh"
    config = ROOT / "deploy" / "nginx" / "gongkai.conf"
    if not script.exists() or not config.exists():
        return "not available"
    nginx_port, gunicorn_port = free_port(), free_port()
    static_root = Path(settings.STATIC_ROOT)
    static_root.mkdir(parents=True, exist_ok=True)
    static_file = static_root / "bench-portal-page.html"
    env = {**_child_env(database_url), "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    server = subprocess.Popen(
        ["bash", str(script), str(nginx_port), str(gunicorn_port)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    started: set[int] = set()
    try:
        _wait_healthy(nginx_port, server, "/healthz", daemonizes=True)
        started = _listeners(nginx_port) | _listeners(gunicorn_port)
        connection = http.client.HTTPConnection("127.0.0.1", nginx_port, timeout=TIMEOUT)
        connection.request("GET", organization_path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        page = response.read()
        cache_status = response.getheader("X-Cache-Status", "")
        connection.close()
        static_file.write_bytes(page)
        cached = load(nginx_port, organization_path, requests=requests, concurrency=concurrency)
        static = load(
            nginx_port, "/static/" + static_file.name, requests=requests, concurrency=concurrency
        )
    except (PortalBenchError, OSError) as error:
        return {"error": str(error)[:300]}
    finally:
        _stop(server)
        # The script may leave nginx and gunicorn running on their own (daemons): end the
        # processes listening on the two ports it was given (ours, by their ids).
        for pid in started | _listeners(nginx_port) | _listeners(gunicorn_port):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGTERM)
        static_file.unlink(missing_ok=True)
    ratio = (
        round(cached["requests_per_second"] / static["requests_per_second"], 2)
        if static["requests_per_second"]
        else None
    )
    return {
        "cached_page": cached,
        "static_file": static,
        "first_cache_status": cache_status,
        "cached_over_static": ratio,
    }


# -- one database -------------------------------------------------------------------------------


def measure(
    database_url: str,
    *,
    requests: int,
    concurrency: int,
    workers: int,
    log: Log,
    nginx: bool = True,
) -> dict[str, Any]:
    """Every figure on the seeded database at `database_url`."""
    with as_default(_config(database_url), "gongkai-portal-bench"):
        found = targets()
        paths = found.paths()
        counts = query_counts(paths)
        log.write("search …")
        search = search_figures()
        # After search: their big pages (a sitemap page of 10,000 addresses) must not be in
        # the process while search is timed.
        log.write("other public pages …")
        others = other_pages(found)
    result: dict[str, Any] = {
        "targets": {
            "organization": found.organization,
            "organization_disclosures": found.organization_disclosures,
            "disclosure": found.disclosure,
        },
        "queries": {name: c["queries"] for name, c in counts.items()},
        "statuses": {name: c["status"] for name, c in counts.items()},
    }
    with served(database_url, workers=workers, threads=THREADS) as (port, pids):
        result["server"] = {
            "workers": len(pids),
            "threads": THREADS,
            "worker_class": "gthread",
            # What "cpu_ms_per_request" counts: on PostgreSQL the database server's own CPU
            # is not in it (on SQLite the database works inside the workers).
            "cpu_counted": "gunicorn worker processes (/proc/<pid>/stat utime+stime)",
            "load_average": _load_average(),
        }
        for name, path in paths.items():
            log.write(f"{name}: {requests} requests …")
            result[name] = load(port, path, requests=requests, concurrency=concurrency, pids=pids)
    # Both pages are kept for the public under a digest of what they show, and the
    # organization's listing until it changes (gongkai.web.stored_pages, gongkai.portal.stored):
    # what the first request after each change costs is the page rendered every time.
    with served(
        database_url, workers=workers, threads=THREADS, extra={"GONGKAI_STORED_LISTINGS": "0"}
    ) as (port, pids):
        for name in ("organization_page", "disclosure_page"):
            log.write(f"{name}_rendered: {requests} requests …")
            result[f"{name}_rendered"] = load(
                port, paths[name], requests=requests, concurrency=concurrency, pids=pids
            )
    bare = result["bare_view"].get("cpu_ms_per_request")
    pages = ("organization_page", "disclosure_page")
    for name in (*pages, *(f"{page}_rendered" for page in pages)):
        own = result[name].get("cpu_ms_per_request")
        result[name]["cpu_over_bare"] = round(own / bare, 2) if own and bare else None
    result["search"] = search
    result["other_pages"] = others
    if nginx:
        log.write("nginx …")
        result["nginx"] = nginx_figures(
            database_url, paths["organization_page"], requests=requests, concurrency=concurrency
        )
    return result


def run(
    *,
    orgs: int = ORGS,
    disclosures: int = DISCLOSURES,
    seed: int = 1,
    requests: int = REQUESTS,
    concurrency: int = CONCURRENCY,
    workers: int = WORKERS,
    sqlite: bool = True,
    postgres_url: str | None = None,
    rebuild: bool = False,
    log: Log,
) -> dict[str, Any]:
    if orgs < 1 or disclosures < 1 or requests < 1 or concurrency < 1 or workers < 1:
        raise PortalBenchError("sizes, requests, concurrency and workers must be positive")
    out: dict[str, Any] = {
        "orgs": orgs,
        "disclosures": disclosures,
        "seed": seed,
        "requests": min(requests, MOST_REQUESTS),
        "concurrency": concurrency,
        "workers": workers,
    }
    if sqlite:
        url, seeded_info = sqlite_database(orgs, disclosures, seed, rebuild=rebuild, log=log)
        out["sqlite"] = {
            "seed": seeded_info,
            **measure(url, requests=requests, concurrency=concurrency, workers=workers, log=log),
        }
    if postgres_url:
        seeded_info = postgres_database(postgres_url, orgs, disclosures, seed, log)
        out["postgresql"] = {
            "seed": seeded_info,
            **measure(
                postgres_url, requests=requests, concurrency=concurrency, workers=workers, log=log
            ),
        }
    return out
