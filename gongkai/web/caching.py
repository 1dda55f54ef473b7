"""Which responses a shared cache (nginx's proxy_cache, a CDN) may keep, and for how long.

A public page is the same bytes for every anonymous reader: a view says so with
`@public_page`, and `PublicCacheMiddleware` decides at the end of the request whether this
response really is one:

- only a GET or HEAD answered 200 to a reader without a session cookie who is not signed
  in, on a response that sets no cookie (no CSRF token was rendered: public pages carry no
  form that posts; the forms live on their own uncached pages);
- then `Cache-Control: public, max-age=0, s-maxage=…` and no `Vary: Cookie` (the session
  middleware adds it whenever the user was looked at; without a session cookie the page
  does not depend on cookies), for at most `PUBLIC_SECONDS`, and never past the next
  scheduled change on the page (`expires_at`: a scheduled item appears at its minute). The
  reader's own browser keeps nothing (`max-age=0`): a reader who signs in must see the
  member's page at once, not the anonymous copy of a few seconds ago;
- anything else (a member, a form, an error, the console, the API) is `private, no-store`,
  as `never_cache` would make it, unless its view set `Cache-Control` itself (static files,
  downloads): signed-in and party-internal pages never enter a shared cache.

Publication, correction and withdrawal need no purge: a public page lives at most
`PUBLIC_SECONDS` in any cache, so what changed is visible (or gone) within that time (and
`STALE_WHILE_REVALIDATE` more while one request refreshes it; `stale-if-error` only while the
site does not answer).

A view names what changes its page by the clock with `public_page(changes=...)`
(gongkai.disclosures.changes: the next scheduled publication, public time, end of a
consultation or of a publicity period). deploy/nginx/gongkai.conf is the shared cache that
honours all this in production; scripts/serve-loopback.sh runs it on loopback.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control

#: The longest a shared cache keeps a public page: what was published, corrected or
#: withdrawn is visible (or gone) everywhere within this many seconds.
PUBLIC_SECONDS = 5

#: Seconds a shared cache may answer with an expired copy while one request refreshes it, and
#: while the site does not answer at all.
STALE_WHILE_REVALIDATE = 1
STALE_IF_ERROR = 30

_MARK = "_gongkai_public_seconds"
_EXPIRES = "_gongkai_expires_at"


#: `changes(now, *view_args, **view_kwargs)`: the next moment the page changes by the clock
#: after `now` (gongkai.disclosures.changes), or None.
Changes = Callable[..., dt.datetime | None]


def public_page(
    view: Callable[..., HttpResponse] | None = None,
    *,
    seconds: int = PUBLIC_SECONDS,
    changes: Changes | None = None,
) -> Any:
    """Mark a view's responses as the same for every anonymous reader (see the module).

    With `changes`, the page's next scheduled change caps its lifetime (`expires_at`). It is
    asked only when the response could enter a shared cache (an anonymous 200 without a
    session cookie), with the moment taken before the view ran: whatever became visible
    while the page was made is counted as still ahead, never missed."""

    def decorate(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            started = timezone.now()
            response = func(request, *args, **kwargs)
            setattr(response, _MARK, min(seconds, PUBLIC_SECONDS))
            if changes is not None and _may_share(request, response):
                expires_at(request, changes(started, *args, **kwargs))
            return response

        # Tests find the public pages among the URL patterns by this mark.
        wrapper.public_page = True  # type: ignore[attr-defined]
        return wrapper

    return decorate(view) if view is not None else decorate


def expires_at(request: HttpRequest, moment: dt.datetime | None) -> None:
    """The page changes at `moment` (a scheduled publication, a public time, the end of a
    publicity period): no cache may keep it past then. The earliest call wins."""
    if moment is None:
        return
    current = getattr(request, _EXPIRES, None)
    if current is None or moment < current:
        setattr(request, _EXPIRES, moment)


def seconds_left(request: HttpRequest, seconds: int, now: dt.datetime | None = None) -> int:
    """How long this request's response may be kept: `seconds`, less when a change is due."""
    moment = getattr(request, _EXPIRES, None)
    if moment is None:
        return seconds
    left = (moment - (now or timezone.now())).total_seconds()
    return max(0, min(seconds, math.floor(left)))


def _may_share(request: HttpRequest, response: HttpResponse) -> bool:
    """The request and status allow a shared copy (the cookies are looked at later)."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


def is_shareable(request: HttpRequest, response: HttpResponse) -> bool:
    """The response is the same for every anonymous reader and may enter a shared cache."""
    if getattr(response, _MARK, None) is None:
        return False
    if not _may_share(request, response):
        return False
    # A CSRF token rendered into the page, a message stored, a session started: the bytes
    # belong to this reader.
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or response.cookies:
        return False
    session = getattr(request, "session", None)
    return not (session is not None and session.modified)


class PublicCacheMiddleware:
    """Sets the cache headers of `public_page` responses (see the module). Listed before the
    session and CSRF middleware, so it sees their cookies and `Vary` last."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        seconds = getattr(response, _MARK, None)
        if seconds is None:
            # Not a public page: no cache keeps it unless its view said otherwise (static
            # files, downloads with their own headers). The console, the API, forms and
            # errors need not each remember never_cache.
            if "Cache-Control" not in response:
                add_never_cache_headers(response)
                patch_cache_control(response, private=True)
            return response
        left = seconds_left(request, seconds)
        if not is_shareable(request, response) or left <= 0:
            if "Cache-Control" in response:
                del response["Cache-Control"]
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
            return response
        if "Expires" in response:
            del response["Expires"]
        patch_cache_control(response, public=True, max_age=0, s_maxage=left)
        # How long past its time a shared cache may still answer with the copy: while one
        # request refreshes it (a second, unless a scheduled change is due), and while the
        # site is down (`STALE_IF_ERROR`). nginx honours both (deploy/nginx/gongkai.conf).
        if left == seconds:
            patch_cache_control(response, stale_while_revalidate=STALE_WHILE_REVALIDATE)
        patch_cache_control(response, stale_if_error=STALE_IF_ERROR)
        # With one language the page does not depend on Accept-Language: without it a shared
        # cache keeps one copy instead of one per browser's language list.
        dropped = {"cookie"} | ({"accept-language"} if len(settings.LANGUAGES) == 1 else set())
        vary = [
            part.strip()
            for part in response.get("Vary", "").split(",")
            if part.strip() and part.strip().lower() not in dropped
        ]
        if vary:
            response["Vary"] = ", ".join(vary)
        elif "Vary" in response:
            del response["Vary"]
        return response
