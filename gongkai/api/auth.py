"""Who is calling: the person a bearer token belongs to, or nobody.

Sessions are ignored on purpose: a browser's cookie never authorises an API call, so the API
has no cross-site request forgery to defend against, and what a call may see or do depends
on the token alone.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import HttpBearer

from gongkai.api import tokens
from gongkai.api.errors import TOKEN_INVALID, TOKEN_MALFORMED, TokenRefused

#: Longer headers are refused before any work is done.
MAX_HEADER = 200


class BearerToken(HttpBearer):
    """`Authorization: Bearer <key>`. A header that is present but wrong is refused (401),
    never quietly read as anonymous."""

    def __call__(self, request: HttpRequest) -> Any | None:
        header = request.headers.get(self.header)
        if header is None:
            return None
        scheme, _, key = header.strip().partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key or len(header) > MAX_HEADER:
            raise TokenRefused(401, str(TOKEN_MALFORMED))
        return self.authenticate(request, key)

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = tokens.user_for(token)
        if user is None:
            raise TokenRefused(401, str(TOKEN_INVALID))
        return user


def anonymous(request: HttpRequest) -> AnonymousUser:
    """The fallback for reading operations: no token, the public's view."""
    return AnonymousUser()


bearer = BearerToken()
#: Reading: with a token, the person's view; without one, the public's.
READ = [bearer, anonymous]
#: Changing anything, or seeing work in progress: a token is required.
STAFF = [bearer]
#: OpenAPI for READ: a token is optional.
OPTIONAL_TOKEN: dict[str, Any] = {"security": [{}]}  # added to the BearerToken entry ninja writes


def caller(request: HttpRequest) -> Any:
    """The person the operation acts for (AnonymousUser without a token)."""
    return getattr(request, "auth", None) or AnonymousUser()
