"""GET /healthz: what load balancers poll. 200 while the database answers, 503 when it does not."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connections
from django.test import Client

pytestmark = pytest.mark.django_db

URL = "/healthz"


@contextmanager
def default_database_unreachable() -> Iterator[None]:
    """Point the default connection at a database that cannot be opened, then put it back.

    A second wrapper of the same backend with a broken NAME replaces the live one, so the view
    opens a real connection and really fails; the test's own connection and transaction are
    left untouched underneath.
    """
    live = connections["default"]
    broken_settings = dict(live.settings_dict)
    if live.vendor == "sqlite":
        broken_settings["NAME"] = "/nonexistent-directory/gongkai.sqlite3"
    else:
        broken_settings["NAME"] = "gongkai_no_such_database"
        options = dict(broken_settings.get("OPTIONS") or {})
        if options.get("pool"):
            # PostgreSQL's connection pool is kept per alias: a pool of its own (under its own
            # alias), which waits a second for a connection that cannot be made.
            options["pool"] = {**dict(options["pool"]), "min_size": 0, "timeout": 1}
        broken_settings["OPTIONS"] = options
    broken = live.__class__(broken_settings, alias="unreachable")
    connections["default"] = broken
    try:
        yield
    finally:
        broken.close()
        if getattr(broken, "pool", None) is not None:
            broken.close_pool()  # type: ignore[attr-defined]  # PostgreSQL's wrapper only
        connections["default"] = live


def test_it_answers_ok_while_the_database_answers() -> None:
    response = Client().get(URL)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["status"] == "ok"


def test_it_answers_503_when_the_database_cannot_be_reached() -> None:
    with default_database_unreachable():
        response = Client().get(URL)
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_it_recovers_when_the_database_is_back() -> None:
    with default_database_unreachable():
        assert Client().get(URL).status_code == 503
    assert Client().get(URL).status_code == 200


@pytest.mark.parametrize("status", [200, 503])
def test_it_is_never_cached(status: int) -> None:
    if status == 503:
        with default_database_unreachable():
            response = Client().get(URL)
    else:
        response = Client().get(URL)
    assert response.status_code == status
    cache_control = {part.strip() for part in response.headers["Cache-Control"].split(",")}
    assert {"no-cache", "no-store", "must-revalidate", "max-age=0"} <= cache_control


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_it_only_answers_get_and_head(method: str) -> None:
    response = getattr(Client(), method)(URL)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"


def test_a_head_probe_gets_the_status_without_a_body() -> None:
    response = Client().head(URL)
    assert response.status_code == 200


def test_it_needs_no_sign_in_and_sets_no_cookie() -> None:
    response = Client().get(URL)
    assert response.status_code == 200
    assert not response.cookies
