"""Where the guard counts: a store every server process shares, never a process's memory.

Two operations, both atomic in one round trip:

- `incr(key, window, ttl)`: add one to the count of `key` in the fixed window `window` and
  return the new count (rate limits).
- `claim(key, value, ttl)`: record `value` under `key` unless a value is already there and
  not expired; return the value now recorded. The caller learns whether it was first by
  comparing it with its own (unique) value: single-use challenge tokens, duplicate texts.

`DatabaseStore` (the embedded default) keeps both in the site's database with one
``INSERT … ON CONFLICT … DO UPDATE … RETURNING`` statement, atomic on SQLite (3.35 and
later) and PostgreSQL alike: two processes incrementing at once both land, in order. Expired
rows are deleted now and then by the process that finds them (`PURGE_EVERY`).

`RedisStore` (production, ``GONGKAI_GUARD_STORE=redis``) runs each operation as one Lua
script, so the increment and its expiry cannot be separated by a crash.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
import time
from typing import Protocol

import redis
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from gongkai.guard.models import Hit, Mark

logger = logging.getLogger(__name__)

#: One write in this many also deletes the expired rows of the database store.
PURGE_EVERY = 200
#: At most this many expired rows are deleted at once (a short transaction).
PURGE_BATCH = 1000


class Store(Protocol):
    def incr(self, key: str, window: int, ttl: int) -> int: ...

    def claim(self, key: str, value: str, ttl: int) -> str: ...


def _expires(ttl: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(time.time() + ttl, tz=dt.UTC)


class DatabaseStore:
    """Counts and claims in the database (models `Hit` and `Mark`), on connection `using`."""

    def __init__(self, using: str = DEFAULT_DB_ALIAS) -> None:
        self.using = using

    def incr(self, key: str, window: int, ttl: int) -> int:
        connection = connections[self.using]
        table = connection.ops.quote_name(Hit._meta.db_table)
        q = connection.ops.quote_name
        sql = (
            f"INSERT INTO {table} ({q('key')}, {q('window')}, {q('count')}, {q('expires')}) "
            f"VALUES (%s, %s, 1, %s) "
            f"ON CONFLICT ({q('key')}, {q('window')}) "
            f"DO UPDATE SET {q('count')} = {table}.{q('count')} + 1 "
            f"RETURNING {q('count')}"
        )
        expires = _expires(ttl)
        with transaction.atomic(using=self.using), connection.cursor() as cursor:
            cursor.execute(sql, [key, window, connection.ops.adapt_datetimefield_value(expires)])
            row = cursor.fetchone()
        count = int(row[0])
        if count == 1:
            self._maybe_purge()
        return count

    def claim(self, key: str, value: str, ttl: int) -> str:
        connection = connections[self.using]
        table = connection.ops.quote_name(Mark._meta.db_table)
        q = connection.ops.quote_name
        # An expired mark is taken over as if absent; a live one is kept and returned.
        sql = (
            f"INSERT INTO {table} ({q('key')}, {q('value')}, {q('expires')}) "
            f"VALUES (%s, %s, %s) "
            f"ON CONFLICT ({q('key')}) DO UPDATE SET "
            f"{q('value')} = CASE WHEN {table}.{q('expires')} < %s "
            f"THEN excluded.{q('value')} ELSE {table}.{q('value')} END, "
            f"{q('expires')} = CASE WHEN {table}.{q('expires')} < %s "
            f"THEN excluded.{q('expires')} ELSE {table}.{q('expires')} END "
            f"RETURNING {q('value')}"
        )
        adapt = connection.ops.adapt_datetimefield_value
        now = adapt(dt.datetime.fromtimestamp(time.time(), tz=dt.UTC))
        with transaction.atomic(using=self.using), connection.cursor() as cursor:
            cursor.execute(sql, [key, value, adapt(_expires(ttl)), now, now])
            row = cursor.fetchone()
        stored = str(row[0])
        if stored == value:
            self._maybe_purge()
        return stored

    def _maybe_purge(self) -> None:
        if secrets.randbelow(PURGE_EVERY) == 0:
            purge(self.using)


def purge(using: str = DEFAULT_DB_ALIAS) -> int:
    """Delete expired rows of the database store (a bounded batch of each table)."""
    now = dt.datetime.fromtimestamp(time.time(), tz=dt.UTC)
    deleted = 0
    for model in (Hit, Mark):
        stale = list(
            model.objects.using(using)
            .filter(expires__lt=now)
            .values_list("pk", flat=True)[:PURGE_BATCH]
        )
        if stale:
            deleted += model.objects.using(using).filter(pk__in=stale).delete()[0]
    return deleted


_INCR = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
_CLAIM = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return ARGV[1] end
return redis.call('GET', KEYS[1])
"""


class RedisStore:
    """Counts and claims in Redis: each operation one Lua script (atomic, one round trip).

    While Redis cannot be reached, each operation falls back to the database store, which
    every process shares too: a person writing an opinion during an outage gets the same
    limits (counted afresh) instead of a server error that loses what they typed."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._incr = self.client.register_script(_INCR)
        self._claim = self.client.register_script(_CLAIM)
        self._fallback = DatabaseStore()
        self._unreachable = False

    def _lost(self, error: Exception) -> None:
        if not self._unreachable:
            logger.warning(
                "The guard's Redis is unreachable (%s): counting in the database.", error
            )
        self._unreachable = True

    def incr(self, key: str, window: int, ttl: int) -> int:
        try:
            count = int(self._incr(keys=[f"gongkai:guard:{key}:{window}"], args=[ttl]))
        except (redis.ConnectionError, redis.TimeoutError) as error:
            self._lost(error)
            return self._fallback.incr(key, window, ttl)
        self._unreachable = False
        return count

    def claim(self, key: str, value: str, ttl: int) -> str:
        try:
            stored = self._claim(keys=[f"gongkai:guard:{key}"], args=[value, ttl])
        except (redis.ConnectionError, redis.TimeoutError) as error:
            self._lost(error)
            return self._fallback.claim(key, value, ttl)
        self._unreachable = False
        if stored is None:  # expired between SET and GET: nobody holds it now
            return value
        return stored.decode() if isinstance(stored, bytes) else str(stored)


_stores: dict[tuple[str, str], Store] = {}
_lock = threading.Lock()


def get_store() -> Store:
    """The store the settings name: GONGKAI_GUARD_STORE "database" (default) or "redis"
    (at GONGKAI_GUARD_REDIS_URL, by default GONGKAI_REDIS_URL). One client per process."""
    kind = getattr(settings, "GONGKAI_GUARD_STORE", "database")
    if kind == "database":
        return DatabaseStore()
    if kind != "redis":
        raise ImproperlyConfigured(
            f"GONGKAI_GUARD_STORE must be 'database' or 'redis', not {kind!r}."
        )
    url = getattr(settings, "GONGKAI_GUARD_REDIS_URL", "") or settings.GONGKAI_REDIS_URL
    if not url:
        raise ImproperlyConfigured("GONGKAI_GUARD_STORE=redis needs GONGKAI_REDIS_URL.")
    with _lock:
        store = _stores.get((kind, url))
        if store is None:
            store = _stores[(kind, url)] = RedisStore(url)
    return store
