"""On PostgreSQL every process keeps a pool of connections (gongkai/settings.py): requests
borrow one and give it back, so consecutive requests are served by the same backend instead
of opening a connection each (run with scripts/with-postgres.sh)."""

from __future__ import annotations

import urllib.request
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.signals import connection_created

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]


def opened() -> int:
    """Connections the process's pool has opened so far (psycopg_pool's statistics)."""
    pool: Any = connection.pool  # type: ignore[attr-defined]
    return int(pool.get_stats().get("connections_num", 0))


def test_the_database_is_pooled() -> None:
    config = settings.DATABASES["default"]
    assert config["OPTIONS"]["pool"]
    assert config["CONN_MAX_AGE"] == 0


def test_consecutive_requests_reuse_the_pools_backends(tree, live_server) -> None:  # type: ignore[no-untyped-def]
    """A real server (the test client never closes connections): each request runs in its own
    thread, takes a connection when it first queries and gives it back when it ends."""
    backends: list[int] = []

    def record(sender: Any, connection: Any, **kwargs: Any) -> None:
        # The backend's process id as psycopg knows it: no query of its own.
        backends.append(connection.connection.info.backend_pid)

    def read(times: int) -> None:
        for _ in range(times):
            with urllib.request.urlopen(f"{live_server.url}/o/QS-01/") as response:
                assert response.status == 200

    connection_created.connect(record)
    try:
        read(3)  # the pool grows to what the server needs beside the test's own connection
        warm, created = set(backends), opened()
        backends.clear()
        read(5)
    finally:
        connection_created.disconnect(record)
    assert len(backends) == 5  # each request borrowed a connection ...
    assert set(backends) <= warm  # ... one the pool already had
    assert opened() == created  # and none was opened for them
    assert len(warm) <= settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"]
