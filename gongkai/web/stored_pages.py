"""A public page's HTML, kept under a digest of everything its template is given.

`render_stored(request, template, context, until=...)` is `render()` for a page whose HTML
is a function of its context: for an anonymous reader it digests the context (every row
the view read, every value it computed) with the address, the language and the release's
templates and translations, and keeps the rendering under that digest. The next request
reads the same rows (the view's queries still run: the digest is taken over what they
return), finds the same digest and skips the template. What changed in the database changes
the digest; nothing is invalidated by hand and nothing stale is served for a changed row.

What the digest leaves out must be accounted for:

- the clock: the names in `clock` (`now`) are left out, because the view says when its
  page next changes by the clock (`until`, `gongkai.disclosures.changes`) and the rendering
  is kept no later than that;
- the reader: only anonymous readers share a rendering; a page that showed a message
  (`django.contrib.messages`) or rendered a CSRF token is not kept;
- values the digest cannot read: a context value of a type it does not know makes the
  page render every time (never a guess at its state), and a rendering during which the
  template itself queried the database (a related object or deferred field read lazily)
  is not kept.

Renderings live in the default cache (each process's memory, or Redis where `REDIS_URL`
is set) for at most `KEPT_SECONDS`. `GONGKAI_STORED_LISTINGS=0` turns this off with the
stored listings (the bench's "rendered every time" figures).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import functools
import hashlib
import uuid
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import connection
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.functional import Promise

#: The longest a rendering is kept when nothing is scheduled on the page.
KEPT_SECONDS = 3600

_PLAIN: tuple[type, ...] = (str, int, float, bool, type(None), dt.date, dt.time, dt.timedelta)
_PLAIN += (decimal.Decimal, uuid.UUID, bytes)


class Unreadable(Exception):
    """A context value whose state the digest cannot read."""


def state_of(value: Any, _path: frozenset[int] = frozenset()) -> Any:
    """A plain, comparable form of `value` holding everything a template could read of it:
    a model instance's loaded fields, annotations and related objects read with it, a
    dataclass's fields, the items of lists, tuples and mappings; raises `Unreadable` for
    anything else. An instance met again below itself (a cycle of related objects) is named
    by its model and key."""
    if isinstance(value, _PLAIN):
        return value  # datetimes are dates; a str subclass (SafeString) compares as text
    if isinstance(value, Promise):
        return str(value)  # a lazy translation, in the language of the request
    if id(value) in _path:
        return ("again", type(value).__qualname__, getattr(value, "pk", None))
    path = _path | {id(value)}
    if isinstance(value, Model):
        if getattr(value, "_prefetched_objects_cache", None):
            raise Unreadable(type(value))
        fields = [(k, state_of(v, path)) for k, v in vars(value).items() if k[0] != "_"]
        related = [(k, state_of(v, path)) for k, v in value._state.fields_cache.items()]
        return (type(value).__qualname__, sorted(fields), sorted(related))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__qualname__,
            [(f.name, state_of(getattr(value, f.name), path)) for f in dataclasses.fields(value)],
        )
    if isinstance(value, list | tuple):
        return [state_of(v, path) for v in value]
    if isinstance(value, Mapping):
        return sorted((str(k), state_of(v, path)) for k, v in value.items())
    raise Unreadable(type(value))


@functools.cache
def release_digest() -> str:
    """A digest of every template, template tag and compiled translation of the release (read
    once per process): a new release names other keys, so a shared cache never serves the
    markup of the one before."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    patterns = ("*/templates/**/*.html", "*/templatetags/*.py", "*/locale/*/LC_MESSAGES/*.mo")
    for pattern in patterns:
        for path in sorted(root.glob(pattern)):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def page_key(
    request: HttpRequest, template: str, context: Mapping[str, Any], clock: Collection[str]
) -> str | None:
    """The key of this page's rendering for the reader of `request`, or None when it must be
    rendered (a signed-in reader, a message waiting, a value the digest cannot read)."""
    if not settings.GONGKAI_STORED_LISTINGS or request.method not in ("GET", "HEAD"):
        return None
    if request.user.is_authenticated or len(messages.get_messages(request)):
        return None
    try:
        state = state_of({k: v for k, v in context.items() if k not in clock})
    except Unreadable:
        return None
    shown = repr(
        (
            template,
            request.get_full_path(),
            request.get_host(),
            request.scheme,
            translation.get_language(),
            release_digest(),
            state,
        )
    )
    return "page:" + hashlib.sha256(shown.encode()).hexdigest()


def render_stored(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    until: dt.datetime | None,
    clock: Collection[str] = ("now",),
) -> HttpResponse:
    """`render(request, template, context)`, kept for anonymous readers under the digest of
    what the template is given (see the module) until `until`, the next moment the page
    changes by the clock (None: nothing scheduled), at most `KEPT_SECONDS`."""
    key = page_key(request, template, context, clock)
    if key is not None:
        kept = cache.get(key)
        if kept is not None:
            return HttpResponse(kept)
    if key is None:
        return render(request, template, context)
    queried: list[str] = []

    def counted(execute: Any, sql: str, *args: Any) -> Any:
        queried.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(counted):
        response = render(request, template, context)
    if queried or response.status_code != 200 or response.cookies:
        return response  # the template read the database: its digest does not cover that
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return response  # a token rendered for this reader
    seconds = KEPT_SECONDS
    if until is not None:
        seconds = min(seconds, int((until - timezone.now()).total_seconds()))
    if seconds > 0:
        cache.set(key, response.content.decode(), seconds)
    return response
