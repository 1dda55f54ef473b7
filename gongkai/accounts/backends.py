from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from gongkai.accounts.models import User


def find_user(login: str) -> User | None:
    """The account a login name refers to: a username, or an 11-digit mobile number."""
    login = (login or "").strip()
    if not login:
        return None
    user = User.objects.filter(username=login).first()
    if user is None and login.isdigit():
        user = User.objects.filter(mobile=login).first()
    return user


def canonical_username(request: HttpRequest | None, credentials: dict[str, Any]) -> str | None:
    """Axes keys failed attempts by this, so username and mobile share one counter."""
    login = credentials.get("username") if credentials else None
    if not login:
        return None
    user = find_user(str(login))
    return user.username if user else str(login).strip()


class UsernameOrMobileBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        user = find_user(username)
        if user is None:
            # Run the hasher anyway so a missing account takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    async def aauthenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        # ModelBackend.aauthenticate looks the user up by username only; the async path must
        # accept a mobile number exactly as the sync one does.
        return await sync_to_async(self.authenticate)(
            request, username=username, password=password, **kwargs
        )
