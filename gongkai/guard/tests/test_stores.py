"""The stores behind the rate limits, against the real thing: the test database (SQLite, and
PostgreSQL under scripts/with-postgres.sh) and a redis-server on loopback. Several threads
and processes count at once and every increment lands exactly once."""

from __future__ import annotations

import multiprocessing
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import RequestFactory, override_settings

from gongkai.devtools.bench import forget_database, register_database
from gongkai.guard import limits, stores
from gongkai.guard.models import Hit, Mark
from gongkai.notifications.tests.test_workers import free_port, redis_server

THREADS = 6
EACH = 40


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(Path(tmp_path_factory.mktemp("redis"))) as url:
        yield url


@pytest.fixture(params=["database", "redis"])
def store(request: pytest.FixtureRequest, db: None) -> Iterator[stores.Store]:
    if request.param == "database":
        with override_settings(GONGKAI_GUARD_STORE="database"):
            yield stores.get_store()
    else:
        url = request.getfixturevalue("redis_url")
        with override_settings(GONGKAI_GUARD_STORE="redis", GONGKAI_GUARD_REDIS_URL=url):
            store = stores.get_store()
            assert isinstance(store, stores.RedisStore)
            store.client.flushdb()
            yield store


def test_incr_counts_per_key_and_window(store: stores.Store) -> None:
    assert [store.incr("k", 1, 60) for _ in range(3)] == [1, 2, 3]
    assert store.incr("k", 2, 60) == 1
    assert store.incr("other", 1, 60) == 1


def test_claim_keeps_the_first_value_until_it_expires(store: stores.Store) -> None:
    assert store.claim("c", "first", 60) == "first"
    assert store.claim("c", "second", 60) == "first"
    assert store.claim("short", "a", 1) == "a"
    time.sleep(2.1)
    assert store.claim("short", "b", 60) == "b"


def test_redis_keys_expire(redis_url: str) -> None:
    with override_settings(GONGKAI_GUARD_STORE="redis", GONGKAI_GUARD_REDIS_URL=redis_url):
        store = stores.get_store()
        assert isinstance(store, stores.RedisStore)
        store.incr("ttl", 7, 30)
        assert 0 < store.client.ttl("gongkai:guard:ttl:7") <= 30


@pytest.mark.django_db
def test_while_redis_is_unreachable_the_redis_store_counts_in_the_database() -> None:
    """A refused connection (nothing listens on the port) falls back to the database store:
    limits still hold across processes, and the person sending gets no server error."""
    store = stores.RedisStore(f"redis://127.0.0.1:{free_port()}/0")
    assert [store.incr("k", 1, 60) for _ in range(3)] == [1, 2, 3]
    assert store.claim("c", "first", 60) == "first"
    assert store.claim("c", "second", 60) == "first"
    assert Hit.objects.filter(key="k").exists() and Mark.objects.filter(key="c").exists()


def test_the_redis_store_goes_back_to_redis_when_it_is_back(redis_url: str, db: None) -> None:
    store = stores.RedisStore(redis_url)
    store.client.flushdb()
    store._unreachable = True  # as after an outage
    assert store.incr("back", 1, 60) == 1
    assert store.client.get("gongkai:guard:back:1") == b"1"
    assert not Hit.objects.exists() and not store._unreachable


@pytest.mark.django_db
def test_the_database_store_purges_expired_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stores, "PURGE_EVERY", 10**12)  # no purge by chance meanwhile
    store = stores.DatabaseStore()
    store.incr("gone", 1, -10)
    store.claim("gone", "x", -10)
    store.incr("kept", 1, 600)
    assert stores.purge() == 2
    assert list(Hit.objects.values_list("key", flat=True)) == ["kept"]
    assert not Mark.objects.exists()


@pytest.mark.django_db
def test_writes_purge_now_and_then(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stores, "PURGE_EVERY", 1)  # every new row purges
    store = stores.DatabaseStore()
    store.incr("old", 1, -10)
    assert store.incr("new", 1, 600) == 1
    assert list(Hit.objects.values_list("key", flat=True)) == ["new"]


def _hammer(store: stores.Store, results: list[int], key: str) -> None:
    try:
        for _ in range(EACH):
            results.append(store.incr(key, 1, 600))
    finally:
        connections.close_all()


@pytest.fixture
def sqlite_file(django_db_setup: None, django_db_blocker, tmp_path: Path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A SQLite file configured as the site configures it (WAL, IMMEDIATE, a busy timeout),
    holding the guard's tables: the test database in memory cannot be shared by threads the
    way a file is."""
    config = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "guard.sqlite3"),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;",
        },
    }
    assert settings.DATABASES  # the alias below is added beside the test database
    # Not the `db` fixture: its test case forbids connection aliases registered later.
    with django_db_blocker.unblock():
        register_database("guard_file", config)
        with connections["guard_file"].schema_editor() as editor:
            editor.create_model(Hit)
            editor.create_model(Mark)
        try:
            yield "guard_file"
        finally:
            forget_database("guard_file")


def test_threads_counting_at_once_on_a_sqlite_file_land_every_increment_once(
    sqlite_file: str,
) -> None:
    _threads_count(stores.DatabaseStore(sqlite_file))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["database", "redis"])
def test_threads_counting_at_once_land_every_increment_once(
    kind: str, request: pytest.FixtureRequest
) -> None:
    if kind == "database" and connection.vendor == "sqlite":
        pytest.skip("in-memory SQLite locks tables between threads; the SQLite file test runs")
    extra = {}
    if kind == "redis":
        extra["GONGKAI_GUARD_REDIS_URL"] = request.getfixturevalue("redis_url")
    with override_settings(GONGKAI_GUARD_STORE=kind, **extra):
        _threads_count(stores.get_store())


def _threads_count(store: stores.Store) -> None:
    key = f"threads-{secrets.token_hex(4)}"
    results: list[int] = []
    threads = [threading.Thread(target=_hammer, args=(store, results, key)) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # Every count from 1 to the total was handed out exactly once: no lost update, no repeat.
    assert sorted(results) == list(range(1, THREADS * EACH + 1))


def _count_in_child(args: tuple[str, str, str | None]) -> list[int]:
    kind, key, url = args
    connections.close_all()  # never share the parent's socket
    with override_settings(GONGKAI_GUARD_STORE=kind, GONGKAI_GUARD_REDIS_URL=url or ""):
        stores._stores.clear()
        results: list[int] = []
        _hammer(stores.get_store(), results, key)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["database", "redis"])
def test_processes_counting_at_once_land_every_increment_once(
    kind: str, request: pytest.FixtureRequest
) -> None:
    if kind == "database" and connection.vendor == "sqlite":
        name = connection.settings_dict["NAME"]
        if "memory" in str(name) or not name:
            pytest.skip("an in-memory SQLite test database is not shared with other processes")
    url = request.getfixturevalue("redis_url") if kind == "redis" else None
    key = f"procs-{secrets.token_hex(4)}"
    connections.close_all()
    # A forked child must not share the parent's PostgreSQL connection pool (its sockets
    # and worker threads): close it, each child opens its own (as each gunicorn worker does).
    for conn in connections.all():
        if getattr(conn, "pool", None) is not None:
            conn.close_pool()  # type: ignore[attr-defined]  # PostgreSQL's wrapper only
    with multiprocessing.get_context("fork").Pool(4) as pool:
        parts = pool.map(_count_in_child, [(kind, key, url)] * 4)
    counts = sorted(c for part in parts for c in part)
    assert counts == list(range(1, 4 * EACH + 1))


@pytest.mark.django_db(transaction=True)
def test_check_under_threads_allows_exactly_the_quota(redis_url: str) -> None:
    """The limit as a view sees it: 8 threads, 15 attempts each, from one address with a
    quota of 25 (no challenge: soft = quota): exactly 25 allowed."""
    allowed: list[bool] = []

    def attempts() -> None:
        try:
            request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.50")
            for _ in range(15):
                allowed.append(limits.check(request, "topic").allowed)
        finally:
            connections.close_all()

    # On the test database where threads can share it, else on Redis (the SQLite file case
    # is above, and the bench runs the whole site on a SQLite file).
    store = (
        {"GONGKAI_GUARD_STORE": "redis", "GONGKAI_GUARD_REDIS_URL": redis_url}
        if connection.vendor == "sqlite"
        else {}
    )
    with override_settings(GUARD_LIMITS={"topic": limits.Limit(25, 25, 10_000, 3600)}, **store):
        if store:
            stores.get_store().client.flushdb()  # type: ignore[attr-defined]
        threads = [threading.Thread(target=attempts) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert Counter(allowed) == {True: 25, False: 8 * 15 - 25}
