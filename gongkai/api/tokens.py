"""Making, checking and revoking API keys (the model's docstring says why a bare SHA-256)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.utils import timezone

from gongkai.api.models import ApiToken

#: 30 random bytes are 40 URL-safe characters.
KEY_BYTES = 30
KEY_LENGTH = 40
#: Recording every use would write on every request; once a minute says enough.
TOUCH_EVERY = dt.timedelta(minutes=1)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue(user: Any, *, label: str = "") -> tuple[ApiToken, str]:
    """A new token for `user` and its key (the only time the key exists outside the client)."""
    key = secrets.token_urlsafe(KEY_BYTES)
    token = ApiToken.objects.create(user=user, key_hash=digest(key), label=label[:100])
    return token, key


def user_for(key: str) -> Any | None:
    """The active person a live key belongs to, or None."""
    if len(key) != KEY_LENGTH:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=digest(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def revoke(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
