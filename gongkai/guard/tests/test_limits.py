"""Rate limits: counts in the shared store, the client's address behind proxies, the limits
from settings."""

from typing import Any

import pytest
from django.test import RequestFactory, override_settings

from gongkai.guard import limits
from gongkai.guard.models import Hit
from gongkai.organizations.services import create_organization

pytestmark = pytest.mark.django_db


def post(addr: str = "10.0.0.1", **meta: Any):
    return RequestFactory().post("/", REMOTE_ADDR=addr, **meta)


@override_settings(GUARD_LIMITS={"opinion": limits.Limit(3, 2, 100, 3600)})
def test_an_address_gets_its_quota_then_refusals_counted_in_the_database():
    request = post()
    verdicts = [limits.check(request, "opinion") for _ in range(5)]
    # Two within the soft limit; the third asks the challenge (no answer given: refused).
    assert [v.allowed for v in verdicts] == [True, True, False, False, False]
    assert [v.challenge for v in verdicts] == [False, False, True, False, False]
    assert verdicts[2].question and verdicts[2].token
    assert verdicts[-1].retry_after > 0 and "稍后" in verdicts[-1].message
    assert limits.check(post("10.0.0.2"), "opinion").allowed
    assert Hit.objects.get(key="opinion:a:10.0.0.1").count == 5


@override_settings(
    GUARD_LIMITS={"request": {"per_organization": 3, "soft": 100, "per_address": 100}}
)
def test_an_organization_has_a_limit_across_addresses():
    org = create_organization(parent=None, name="村支部", code="T1", kind="branch")
    verdicts = [limits.check(post(f"10.0.1.{i}"), "request", organization=org) for i in range(5)]
    assert [v.allowed for v in verdicts] == [True, True, True, False, False]
    assert org.name in verdicts[-1].message
    # Limits as a mapping keep the other fields of the default.
    assert limits.limit_for("request").window_seconds == 3600


def test_windows_are_separate_and_expire(monkeypatch):
    limit = limits.Limit(1, 1, 10, 60)
    with override_settings(GUARD_LIMITS={"vote": limit}):
        now = [1_000_000.0]
        monkeypatch.setattr(limits.time, "time", lambda: now[0])
        assert limits.check(post(), "vote").allowed
        second = limits.check(post(), "vote")
        assert not second.allowed and 1 <= second.retry_after <= 60
        now[0] += 60
        assert limits.check(post(), "vote").allowed


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "expected"),
    [
        ("198.51.100.7", "", [], "198.51.100.7"),
        # Without trust, the header is a client's claim and ignored.
        ("198.51.100.7", "203.0.113.9", [], "198.51.100.7"),
        ("127.0.0.1", "203.0.113.9", ["127.0.0.1"], "203.0.113.9"),
        # The right-most untrusted entry: a client cannot prepend its way out of its count.
        ("127.0.0.1", "1.2.3.4, 203.0.113.9", ["127.0.0.1"], "203.0.113.9"),
        ("127.0.0.1", "1.2.3.4, 203.0.113.9, 10.0.0.5", ["127.0.0.1", "10.0.0.0/8"], "203.0.113.9"),
        ("10.1.1.1", "203.0.113.9", ["127.0.0.1"], "10.1.1.1"),
        ("127.0.0.1", "garbage", ["127.0.0.1"], "127.0.0.1"),
        ("127.0.0.1", "[2001:db8::1]:443", ["127.0.0.1"], "2001:db8::/64"),
        ("127.0.0.1", "203.0.113.9:5555", ["127.0.0.1"], "203.0.113.9"),
        # IPv6 by /64: the two addresses of one household are one.
        ("2001:db8:1:2:aaaa::1", "", [], "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "", [], "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.1", "", [], "192.0.2.1"),
        ("", "", [], "unknown"),
        ("", "203.0.113.9", [], "unknown"),
        # Behind a proxy on a Unix socket REMOTE_ADDR is empty.
        ("", "1.2.3.4, 203.0.113.9", ["unix"], "203.0.113.9"),
        ("", "", ["unix"], "unknown"),
    ],
)
def test_client_address(remote, forwarded, trusted, expected):
    meta = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    with override_settings(GUARD_TRUSTED_PROXIES=trusted):
        assert limits.client_address(post(remote, **meta)) == expected


def test_refused_keeps_the_form_with_status_429():
    verdict = limits.Verdict(False, retry_after=42, message=limits.too_many())
    response = limits.refused(post(), verdict, "guard/challenge.html", {"typed": "x"})
    assert response.status_code == 429
    assert response["Retry-After"] == "42"
    assert limits.too_many() in response.content.decode()
