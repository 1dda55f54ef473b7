"""The cache headers of public pages (gongkai.web.caching): shared for anonymous readers
without a session, never for a signed-in member."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from gongkai.conftest import make_org, make_user
from gongkai.organizations.models import Organization
from gongkai.web import caching

pytestmark = pytest.mark.django_db


@pytest.fixture
def org() -> Organization:
    return make_org("DL", "东岭村党支部", Organization.Kind.BRANCH, None)


def test_anonymous_page_is_public_without_cookie_or_vary_cookie(org: Organization) -> None:
    response = Client().get(f"/o/{org.code}/")
    assert response.status_code == 200
    control = response["Cache-Control"]
    assert "public" in control and f"s-maxage={caching.PUBLIC_SECONDS}" in control
    assert not response.cookies
    assert "cookie" not in response.get("Vary", "").lower()


def test_signed_in_page_never_enters_a_shared_cache(org: Organization) -> None:
    client = Client()
    client.force_login(make_user("m1", "李四"))
    response = client.get(f"/o/{org.code}/")
    assert response.status_code == 200
    control = response["Cache-Control"]
    assert "private" in control and "no-store" in control and "public" not in control


def test_a_session_cookie_alone_makes_the_page_private(org: Organization) -> None:
    client = Client()
    client.cookies["sessionid"] = "whatever"
    response = client.get(f"/o/{org.code}/")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("in_seconds", "expected"), [(None, 5), (3.5, 3), (0.2, 0), (-10, 0), (60, 5)]
)
def test_seconds_left_never_passes_the_next_change(in_seconds, expected) -> None:
    request = RequestFactory().get("/")
    now = timezone.now()
    caching.expires_at(
        request, None if in_seconds is None else now + dt.timedelta(seconds=in_seconds)
    )
    assert caching.seconds_left(request, caching.PUBLIC_SECONDS, now) == expected


def test_earliest_change_wins() -> None:
    request = RequestFactory().get("/")
    now = timezone.now()
    caching.expires_at(request, now + dt.timedelta(seconds=4))
    caching.expires_at(request, now + dt.timedelta(seconds=2))
    caching.expires_at(request, now + dt.timedelta(seconds=3))
    assert caching.seconds_left(request, 5, now) == 2


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("anonymous", "/api/v1/organizations/"),
        ("anonymous", "/api/v1/disclosures/"),
        ("anonymous", "/api/v1/openapi.json"),
        ("anonymous", "/accounts/login/"),
        ("anonymous", "/o/NO-SUCH-ORG/"),
        ("member", "/api/v1/organizations/"),
        ("member", "/console/"),
        ("member", "/me/"),
    ],
)
def test_what_is_not_a_public_page_is_kept_by_no_cache(
    org: Organization, who: str, path: str
) -> None:
    """Pages not marked public (the API, the console, forms, errors) are `private, no-store`
    by default: none of them has to remember `never_cache` for a shared cache to skip it."""
    client = Client()
    if who == "member":
        client.force_login(make_user("m1", "李四"))
    response = client.get(path)
    assert response.status_code in (200, 302, 403, 404), (path, response.status_code)
    control = response["Cache-Control"]
    assert "private" in control and "no-store" in control and "public" not in control


def test_a_views_own_cache_control_is_kept() -> None:
    """A response that says how it may be kept (a download, a static file) keeps it."""

    def view(request):  # type: ignore[no-untyped-def]
        response = HttpResponse("x")
        response["Cache-Control"] = "public, max-age=31536000, immutable"
        return response

    middleware = caching.PublicCacheMiddleware(view)
    response = middleware(RequestFactory().get("/static/x.css"))
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
