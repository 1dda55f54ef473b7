"""The shared cache (gongkai.web.cache) against a real redis-server on loopback: while Redis
is down or out of reach every page still answers from the database, a process stops trying
for a few seconds after a failure, and it uses Redis again once it is back."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.core.cache import cache
from django.test import Client, override_settings

from gongkai.accounts.models import User
from gongkai.devtools.demo import load_demo
from gongkai.notifications.tests.test_workers import free_port, redis_server
from gongkai.web import cache as shared
from gongkai.workdays.models import CalendarDay
from gongkai.workdays.services import current_calendar

from .page_types import PAGES, VILLAGE, address


def _caches(backend: str, url: str) -> dict[str, Any]:
    return {"default": {"BACKEND": backend, "LOCATION": url}}


TOLERANT = "gongkai.web.cache.TolerantRedisCache"


@pytest.fixture
def nowhere() -> Iterator[str]:
    """A loopback port nothing listens on: every connection is refused."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    with override_settings(CACHES=_caches(TOLERANT, url)):
        yield url


@pytest.fixture
def quick_retry(monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setattr(shared, "RETRY_AFTER", 0.3)
    return 0.3


def test_every_page_type_answers_while_redis_is_unreachable(db: None, nowhere: str) -> None:
    load_demo()
    clients: dict[str, Client] = {}
    seen = 0
    for visit in PAGES:
        if visit.drives:
            continue
        where = address(visit)
        if where is None:
            continue
        if visit.who not in clients:
            clients[visit.who] = Client()
            if visit.who != "anonymous":
                clients[visit.who].force_login(User.objects.get(username=visit.who))
        response = clients[visit.who].get(where, follow=True)
        assert response.status_code == visit.status, (visit.who, where, response.status_code)
        seen += 1
    assert seen > 40, seen
    # Writes that would tell the other processes go nowhere, and say nothing to the user.
    thursday = dt.date(2031, 1, 2)
    CalendarDay.objects.create(date=thursday, kind=CalendarDay.Kind.HOLIDAY, name="测试")
    assert not current_calendar().is_working_day(thursday)


def test_djangos_own_redis_cache_fails_the_page_the_tolerant_one_serves(tree: Any) -> None:
    """The control: without gongkai.web.cache the same outage is a server error."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    djangos = _caches("django.core.cache.backends.redis.RedisCache", url)
    with override_settings(CACHES=djangos), pytest.raises(redis.ConnectionError):
        Client(raise_request_exception=True).get(f"/o/{VILLAGE}/")
    with override_settings(CACHES=_caches(TOLERANT, url)):
        assert Client().get(f"/o/{VILLAGE}/").status_code == 200


def test_every_command_answers_as_a_miss_while_redis_is_unreachable(
    nowhere: str, quick_retry: float
) -> None:
    assert cache.get("k") is None and cache.get("k", "default") == "default"
    cache.set("k", 1)
    assert cache.add("k", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    assert cache.touch("k") is False
    assert cache.delete("k") is False
    cache.set_many({"a": 1})
    cache.delete_many(["a"])
    assert cache.get_or_set("k", 5) == 5
    with pytest.raises(ValueError):
        cache.incr("k")


def test_after_a_failure_it_leaves_redis_alone_for_a_while(
    nowhere: str, quick_retry: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = cache._cache  # type: ignore[attr-defined]
    tries: list[str] = []
    command = shared.RedisCacheClient.get

    def counted(self: Any, key: Any, default: Any) -> Any:
        tries.append(key)
        return command(self, key, default)

    monkeypatch.setattr(shared.RedisCacheClient, "get", counted)
    for _ in range(50):
        cache.get("k")
    assert len(tries) == 1  # the first failure opened the breaker
    assert not client.breaker.allows()
    time.sleep(quick_retry + 0.05)
    cache.get("k")
    assert len(tries) == 2  # tried again once the pause is over


def test_it_uses_redis_again_once_redis_is_back(tmp_path: Path, quick_retry: float) -> None:
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    with override_settings(CACHES=_caches(TOLERANT, url)):
        with redis_server(tmp_path / "first", port):
            cache.set("kept", "写入", 60)
            assert cache.get("kept") == "写入"
        # The server is gone: reads miss, writes are dropped, nothing raises.
        assert cache.get("kept") is None
        cache.set("lost", 1, 60)
        time.sleep(quick_retry + 0.05)
        with redis_server(tmp_path / "second", port):
            time.sleep(quick_retry + 0.05)
            assert cache.get("lost") is None  # dropped, not queued
            cache.set("again", "可用", 60)
            assert cache.get("again") == "可用"
            assert redis.Redis.from_url(url).exists(cache.make_key("again")) == 1
