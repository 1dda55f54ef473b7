"""Rate limits for anonymous input, counted in a store every server process shares.

`check(request, action, organization=...)` counts one attempt of `action` from the request's
address (and towards the organization) and answers a `Verdict`. The embedded default counts
in the database (`Hit`, one row per key and fixed window, incremented atomically); the
limits per action are `settings.GUARD_LIMITS`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from gongkai.guard.models import Hit


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
    #: The challenge must be answered before this attempt is accepted.
    challenge: bool = False
    retry_after: int = 0
    message: str = ""


def limit_for(action: str) -> Limit:
    configured = getattr(settings, "GUARD_LIMITS", {})
    return configured.get(action) or DEFAULT_LIMITS[action]


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _count(key: str, window: int, expires: dt.datetime) -> int:
    """Add one to the key's count in this window and return the new count (atomic)."""
    updated = Hit.objects.filter(key=key, window=window).update(count=F("count") + 1)
    if not updated:
        try:
            with transaction.atomic():
                Hit.objects.create(key=key, window=window, count=1, expires=expires)
                return 1
        except IntegrityError:
            Hit.objects.filter(key=key, window=window).update(count=F("count") + 1)
    return Hit.objects.filter(key=key, window=window).values_list("count", flat=True).get()


def check(request: HttpRequest, action: str, *, organization: Any = None) -> Verdict:
    limit = limit_for(action)
    now = timezone.now()
    window = int(now.timestamp()) // limit.window_seconds
    ends = dt.datetime.fromtimestamp((window + 1) * limit.window_seconds, tz=dt.UTC)
    retry_after = max(1, int((ends - now).total_seconds()))
    by_address = _count(f"{action}:a:{client_address(request)}", window, ends)
    if by_address > limit.per_address:
        return Verdict(False, retry_after=retry_after, message=too_many())
    if organization is not None:
        by_org = _count(f"{action}:o:{organization.pk}", window, ends)
        if by_org > limit.per_organization:
            return Verdict(False, retry_after=retry_after, message=too_many())
    if by_address > limit.soft:
        # Past the soft limit a person answers the self-hosted challenge (guard/challenge.html
        # inside the form) before the submission is accepted.
        return Verdict(True, challenge=True)
    return Verdict(True)


def too_many() -> str:
    return _(
        "Too many submissions from your network in a short time. What you typed is kept "
        "below; please try again later."
    )


def refused(
    request: HttpRequest, verdict: Verdict, template: str, context: dict[str, Any]
) -> HttpResponse:
    """The form again, with everything typed, the reason in Chinese and status 429."""
    response = render(request, template, {**context, "guard": verdict}, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response
