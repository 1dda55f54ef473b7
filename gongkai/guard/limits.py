"""Rate limits for anonymous input, counted in a store every server process shares.

The interface every public submission view uses (and nothing else of the guard):

    verdict = limits.check(request, "opinion", organization=org)
    if not verdict.allowed:
        return limits.refused(request, verdict, "…/form.html", {…everything typed…})
    … store the submission …

and each public form includes ``{% include "guard/challenge.html" %}`` (context ``guard``).

`check` counts one attempt of the action from the request's address (and towards the
organization) in a fixed window and answers a `Verdict`:

- within the soft limit: allowed;
- past the soft limit: allowed only with a right answer to the self-hosted challenge
  (`gongkai.guard.challenge`) read from ``request.POST`` (``guard_token``, ``guard_answer``)
  or, for an API client, the headers ``X-Guard-Token`` and ``X-Guard-Answer``;
  otherwise refused with ``challenge`` set and a new question in the verdict;
- past the hard limit of the address or the organization: refused with ``retry_after``.

Counts live in `stores.get_store()`: the database by default, Redis with
GONGKAI_GUARD_STORE=redis. The limits per action are DEFAULT_LIMITS, overridden by
settings.GUARD_LIMITS (a `Limit` or a mapping of its fields, per action).

The client's address is REMOTE_ADDR; when that is one of settings.GUARD_TRUSTED_PROXIES,
the right-most X-Forwarded-For entry that is not a trusted proxy ("unix" in the list trusts a
proxy on a Unix socket, where REMOTE_ADDR is empty). IPv6 addresses count by
their /64 network (one household or phone gets a whole /64).
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from gongkai.guard import challenge
from gongkai.guard.stores import get_store

ACTIONS = ("opinion", "request", "topic", "consultation", "vote", "track")
#: At most this many X-Forwarded-For entries are read (a header can be made long).
MAX_HOPS = 20
XFF_MAX_CHARS = 2000


@dataclass(frozen=True)
class Limit:
    #: Attempts from one address in one window before it is refused.
    per_address: int
    #: Attempts from one address after which the challenge must be answered.
    soft: int
    #: Attempts towards one organization, from every address, in one window.
    per_organization: int
    window_seconds: int


DEFAULT_LIMITS = {
    "opinion": Limit(per_address=20, soft=5, per_organization=2000, window_seconds=3600),
    "request": Limit(per_address=10, soft=3, per_organization=500, window_seconds=3600),
    "topic": Limit(per_address=20, soft=5, per_organization=2000, window_seconds=3600),
    "consultation": Limit(per_address=20, soft=5, per_organization=2000, window_seconds=3600),
    "vote": Limit(per_address=60, soft=30, per_organization=10000, window_seconds=3600),
    "track": Limit(per_address=120, soft=60, per_organization=100000, window_seconds=3600),
}


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    #: The challenge must be answered before this attempt is accepted (the question and its
    #: token are below; guard/challenge.html shows them).
    challenge: bool = False
    retry_after: int = 0
    message: str = ""
    question: str = ""
    token: str = ""


def limit_for(action: str) -> Limit:
    """The action's limits: DEFAULT_LIMITS with settings.GUARD_LIMITS over them."""
    default = DEFAULT_LIMITS[action]
    configured = (getattr(settings, "GUARD_LIMITS", None) or {}).get(action)
    if configured is None:
        return default
    if isinstance(configured, Limit):
        return configured
    names = {f.name for f in fields(Limit)}
    return replace(default, **{k: int(v) for k, v in dict(configured).items() if k in names})


# --- the client's address ------------------------------------------------------------------

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _parse(text: str | None) -> Address | None:
    text = (text or "").strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:5678
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())


def _trusted(address: Address, networks: Iterable[Network]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def client_address(request: HttpRequest) -> str:
    """Whom the limits count: the client's address (IPv6 as its /64 network)."""
    entries = tuple(getattr(settings, "GUARD_TRUSTED_PROXIES", ()) or ())
    # "unix": a proxy on a Unix socket (gunicorn --bind unix:…), where REMOTE_ADDR is empty.
    over_socket = "unix" in entries and not request.META.get("REMOTE_ADDR")
    networks = _networks(tuple(e for e in entries if e != "unix"))
    remote = _parse(request.META.get("REMOTE_ADDR"))
    if remote is None and not over_socket:
        return "unknown"
    client: Address | None = remote
    if over_socket or (remote is not None and networks and _trusted(remote, networks)):
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))[-XFF_MAX_CHARS:]
        for hop in reversed(forwarded.split(",")[-MAX_HOPS:]):
            address = _parse(hop)
            if address is None:
                break  # unreadable: stay with the last proxy that vouched
            client = address
            if not _trusted(address, networks):
                break
    if client is None:
        return "unknown"
    if isinstance(client, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((client, 64), strict=False))
    return str(client)


# --- the check -------------------------------------------------------------------------------


def check(request: HttpRequest, action: str, *, organization: Any = None) -> Verdict:
    """Count this attempt and say whether it may be stored (see the module's docstring)."""
    limit = limit_for(action)
    store = get_store()
    now = time.time()
    window = int(now) // limit.window_seconds
    retry_after = max(1, int((window + 1) * limit.window_seconds - now))
    ttl = limit.window_seconds + 60
    by_address = store.incr(f"{action}:a:{client_address(request)}", window, ttl)
    if by_address > limit.per_address:
        return Verdict(False, retry_after=retry_after, message=too_many())
    if organization is not None:
        by_org = store.incr(f"{action}:o:{organization.pk}", window, ttl)
        if by_org > limit.per_organization:
            return Verdict(False, retry_after=retry_after, message=too_many_for(organization))
    if by_address <= limit.soft:
        return Verdict(True)
    # A form sends the answer as fields; an API client (JSON body) as headers
    # X-Guard-Token and X-Guard-Answer, with the question from the refusal's body.
    post: Mapping[str, Any] = request.POST
    token = str(post.get("guard_token", "") or request.headers.get("X-Guard-Token", ""))
    answer = str(post.get("guard_answer", "") or request.headers.get("X-Guard-Answer", ""))
    outcome = challenge.verify(token, answer)
    if outcome == challenge.Outcome.PASSED:
        return Verdict(True)
    question = challenge.new_question()
    return Verdict(
        False,
        challenge=True,
        retry_after=0,
        message=challenge.message(outcome),
        question=question.text,
        token=question.token,
    )


def too_many() -> str:
    return _(
        "Too many submissions from your network in a short time. What you typed is kept "
        "below; please try again later."
    )


def too_many_for(organization: Any) -> str:
    return _(
        "%(org)s has received very many submissions in a short time. What you typed is kept "
        "below; please try again later."
    ) % {"org": getattr(organization, "name", "")}


def refused(
    request: HttpRequest, verdict: Verdict, template: str, context: dict[str, Any]
) -> HttpResponse:
    """The form again, with everything typed, the reason in Chinese (and the challenge when
    it asks one), status 429 and Retry-After."""
    response = render(request, template, {**context, "guard": verdict}, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response
