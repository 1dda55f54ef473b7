"""Django's Redis cache, where Redis being unreachable costs a cache miss, not a page.

Everything gongkai keeps in the shared cache can be computed again from the database: the
calendar's and the catalogs' generation numbers, resolved catalogs, the organization page's
stored listing. So when Redis is down, restarting or out of reach, a read is a miss, a write
is dropped and the page is rendered from the database, instead of every page that touches the
cache answering 500 (Django's own `RedisCache` raises `redis.ConnectionError` into the view).

- **Bounded waits.** Connecting and each command time out quickly (`CONNECT_TIMEOUT`,
  `COMMAND_TIMEOUT`, both overridable in `OPTIONS`), so a Redis host that drops packets
  slows no request by more than that.
- **A breaker.** After a failure the process leaves Redis alone for `RETRY_AFTER` seconds:
  during an outage a request pays no connection attempt at all, and one warning is logged
  per outage, not one per request.
- **What a dropped write costs** is bounded by the callers: the calendar's snapshot is
  re-read after `SNAPSHOT_MAX_AGE`, resolved catalogs are kept an hour, stored listings are
  keyed by their database rows and kept at most an hour.

Only connection trouble is tolerated (`redis.ConnectionError`, `redis.TimeoutError`, which
includes a refused connection and a server going away mid-command); any other error — a
wrong command, a value that cannot be unpickled — is a bug and still raises.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 0.5
COMMAND_TIMEOUT = 1.0
RETRY_AFTER = 5.0

_UNREACHABLE = (redis.ConnectionError, redis.TimeoutError)
_Result = TypeVar("_Result")


class _Breaker:
    """Open for `RETRY_AFTER` seconds after a failure; closed again by the next success."""

    def __init__(self) -> None:
        self._open_until = 0.0
        self._lock = threading.Lock()

    def allows(self) -> bool:
        return time.monotonic() >= self._open_until

    def failed(self, error: BaseException, servers: list[str]) -> None:
        with self._lock:
            first = self._open_until == 0.0
            self._open_until = time.monotonic() + RETRY_AFTER
        if first:
            logger.warning(
                "The shared cache at %s is unreachable (%s): pages are rendered from the "
                "database and Redis is tried again every %.0f s.",
                ",".join(servers),
                error,
                RETRY_AFTER,
            )

    def succeeded(self, servers: list[str]) -> None:
        if self._open_until:
            with self._lock:
                was_open, self._open_until = self._open_until, 0.0
            if was_open:
                logger.warning("The shared cache at %s is reachable again.", ",".join(servers))


def _tolerant(name: str, fallback: Any) -> Callable[..., Any]:
    """`RedisCacheClient.<name>`, answering `fallback` while Redis is unreachable."""
    command = getattr(RedisCacheClient, name)

    def tolerant(self: TolerantRedisCacheClient, *args: Any) -> Any:
        # A fresh dict per call: a caller may fill what get_many hands back.
        return self._guarded(
            lambda: command(self, *args), dict(fallback) if isinstance(fallback, dict) else fallback
        )

    tolerant.__name__ = name
    return tolerant


class TolerantRedisCacheClient(RedisCacheClient):
    def __init__(self, servers: list[str], **options: Any) -> None:
        options.setdefault("socket_connect_timeout", CONNECT_TIMEOUT)
        options.setdefault("socket_timeout", COMMAND_TIMEOUT)
        super().__init__(servers, **options)
        self.servers = list(servers)
        self.breaker = _Breaker()

    def _guarded(self, call: Callable[[], _Result], fallback: _Result) -> _Result:
        if not self.breaker.allows():
            return fallback
        try:
            result = call()
        except _UNREACHABLE as error:
            self.breaker.failed(error, self.servers)
            return fallback
        self.breaker.succeeded(self.servers)
        return result

    def get(self, key: Any, default: Any) -> Any:
        return self._guarded(
            lambda: super(TolerantRedisCacheClient, self).get(key, default), default
        )

    def incr(self, key: Any, delta: int) -> Any:
        # Unreachable reads as "no such key", which callers of incr handle already (Django
        # raises ValueError for a missing key); their fallback write is dropped in turn.
        missing = object()
        result = self._guarded(
            lambda: super(TolerantRedisCacheClient, self).incr(key, delta), missing
        )
        if result is missing:
            raise ValueError(f"Key '{key}' not found (the shared cache is unreachable).")
        return result

    # What each other command returns when Redis cannot be reached: nothing added, found,
    # touched or deleted.
    add = _tolerant("add", False)
    set = _tolerant("set", None)
    touch = _tolerant("touch", False)
    delete = _tolerant("delete", False)
    get_many = _tolerant("get_many", {})
    has_key = _tolerant("has_key", False)
    set_many = _tolerant("set_many", None)
    delete_many = _tolerant("delete_many", None)
    clear = _tolerant("clear", False)


class TolerantRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache` through `TolerantRedisCacheClient`."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = TolerantRedisCacheClient
