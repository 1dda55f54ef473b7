"""The API tests speak about the shared tree and personas (gongkai/conftest.py) and drive
disclosures the way the disclosure tests do (their conftest is imported, not copied)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from gongkai.api import tokens
from gongkai.compliance.tests.conftest import catalogs  # noqa: F401  (dashboard fixture)
from gongkai.disclosures.tests.conftest import (  # noqa: F401  (fixtures, used by name)
    CHECKLIST,
    draft,
    force_state,
    item_key,
    published,
    village_catalog,
)

API = "/api/v1"


class ApiClient:
    """A Django test client that speaks JSON and, given a person, their bearer token."""

    def __init__(self, user: Any = None) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None:
            _token, key = tokens.issue(user, label="test")
            self.headers["Authorization"] = f"Bearer {key}"

    def _url(self, path: str) -> str:
        return path if path.startswith(API) else API + path

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(self._url(path), params, headers=self.headers)

    def post(self, path: str, payload: Any = None) -> Any:
        return self.client.post(
            self._url(path),
            payload if payload is not None else {},
            content_type="application/json",
            headers=self.headers,
        )

    def patch(self, path: str, payload: Any) -> Any:
        return self.client.patch(
            self._url(path), payload, content_type="application/json", headers=self.headers
        )


@pytest.fixture
def anonymous() -> ApiClient:
    return ApiClient()


@pytest.fixture
def as_person(people):  # type: ignore[no-untyped-def]
    """as_person("clerk") → an ApiClient with the clerk's token."""
    made: dict[str, ApiClient] = {}

    def make(persona: str) -> ApiClient:
        if persona == "anonymous":
            return ApiClient()
        if persona not in made:
            made[persona] = ApiClient(getattr(people, persona))
        return made[persona]

    return make


__all__ = ["API", "CHECKLIST", "ApiClient", "force_state", "item_key", "published"]
