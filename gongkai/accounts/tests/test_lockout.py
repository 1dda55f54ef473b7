"""Five wrong passwords for one account lock it for half an hour (django-axes).

Axes counts the failures of the last AXES_COOLOFF_TIME, measured back from each attempt's
`attempt_time`. Moving the recorded attempts into the past is therefore exactly what the
passing of time does to them, without patching any clock.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse_lazy
from django.utils import timezone

from gongkai.conftest import PASSWORD, People

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse_lazy("accounts:login")
ADMIN_LOGIN_URL = reverse_lazy("admin:login")
LOCKED = "登录失败次数过多，账户已暂时锁定，请30分钟后再试或联系管理员。"
WRONG = "not-the-password"


def sign_in(client: Client, login: str, password: str = PASSWORD, url: str | None = None):
    return client.post(url or str(LOGIN_URL), {"username": login, "password": password})


def fail(login: str, times: int, url: str | None = None) -> list[int]:
    """Wrong passwords from fresh browsers; the status code of each refusal."""
    return [sign_in(Client(), login, WRONG, url).status_code for _ in range(times)]


def is_signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def attempts_age_by(delta: timedelta) -> None:
    AccessAttempt.objects.update(attempt_time=timezone.now() - delta)


def test_four_wrong_passwords_do_not_lock_the_account(people: People) -> None:
    assert fail("clerk", 4) == [200] * 4
    client = Client()
    assert sign_in(client, "clerk").status_code == 302
    assert is_signed_in(client)


def test_the_fifth_wrong_password_locks_the_account(people: People) -> None:
    assert fail("clerk", 5) == [200, 200, 200, 200, 429]


def test_a_locked_account_is_refused_even_with_the_right_password(people: People) -> None:
    fail("clerk", 5)
    client = Client()
    response = sign_in(client, "clerk")
    assert response.status_code == 429
    assert not is_signed_in(client)


def test_the_lock_out_page_explains_in_chinese(people: People) -> None:
    fail("clerk", 5)
    response = sign_in(Client(), "clerk")
    # The view renders the sign-in form first; AxesMiddleware replaces it with the lock-out page.
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert LOCKED in html
    assert "<title>账户已暂时锁定" in html


def test_the_lock_out_page_does_not_reveal_the_username_behind_a_mobile_number(
    people: People,
) -> None:
    fail("13800000001", 5)
    html = sign_in(Client(), "13800000001").content.decode()
    assert LOCKED in html
    assert "clerk" not in html


def test_the_lock_out_page_states_the_configured_cool_off(people: People, settings) -> None:
    settings.AXES_COOLOFF_TIME = timedelta(minutes=10)
    fail("clerk", 5)
    assert "请10分钟后再试或联系管理员" in sign_in(Client(), "clerk").content.decode()


def test_username_and_mobile_number_share_one_counter(people: People) -> None:
    logins = ["clerk", "13800000001"] * 3
    statuses = [sign_in(Client(), login, WRONG).status_code for login in logins[:5]]
    assert statuses == [200, 200, 200, 200, 429]
    assert sign_in(Client(), "clerk").status_code == 429
    assert sign_in(Client(), "13800000001").status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"clerk"}


def test_a_successful_sign_in_before_the_limit_resets_the_counter(people: People) -> None:
    fail("clerk", 4)
    assert sign_in(Client(), "clerk").status_code == 302
    assert fail("clerk", 4) == [200] * 4
    assert fail("clerk", 1) == [429]


def test_a_locked_account_does_not_lock_anyone_else(people: People) -> None:
    fail("clerk", 5)
    client = Client()
    assert sign_in(client, "reviewer").status_code == 302
    assert is_signed_in(client)


def test_a_missing_account_locks_like_an_existing_one(people: People) -> None:
    # Otherwise counting refusals would tell which accounts exist.
    assert fail("nobody", 5) == fail("clerk", 5)
    assert fail("13999999999", 5) == [200, 200, 200, 200, 429]


def test_the_lock_lifts_when_the_cool_off_has_passed(people: People) -> None:
    fail("clerk", 5)
    attempts_age_by(timedelta(minutes=30, seconds=1))
    client = Client()
    assert sign_in(client, "clerk").status_code == 302
    assert is_signed_in(client)


def test_the_lock_holds_until_the_cool_off_has_passed(people: People) -> None:
    fail("clerk", 5)
    attempts_age_by(timedelta(minutes=29, seconds=50))
    assert sign_in(Client(), "clerk").status_code == 429


def test_old_failures_do_not_count_towards_a_new_lock(people: People) -> None:
    fail("clerk", 4)
    attempts_age_by(timedelta(minutes=31))
    assert fail("clerk", 4) == [200] * 4


class TestTheAdminLogin:
    def test_it_counts_failures_and_locks_too(self, people: People) -> None:
        assert fail("admin", 5, str(ADMIN_LOGIN_URL)) == [200, 200, 200, 200, 429]
        client = Client()
        response = sign_in(client, "admin", PASSWORD, str(ADMIN_LOGIN_URL))
        assert response.status_code == 429
        assert LOCKED in response.content.decode()
        assert not is_signed_in(client)

    def test_it_shares_the_counter_with_the_sign_in_page(self, people: People) -> None:
        fail("admin", 3, str(ADMIN_LOGIN_URL))
        fail("admin", 2)
        assert sign_in(Client(), "admin", PASSWORD, str(ADMIN_LOGIN_URL)).status_code == 429
        assert sign_in(Client(), "admin").status_code == 429

    def test_it_lets_the_administrator_in_when_not_locked(self, people: People) -> None:
        client = Client()
        response = sign_in(client, "admin", PASSWORD, str(ADMIN_LOGIN_URL))
        assert response.status_code == 302
        assert client.get(reverse_lazy("admin:index")).status_code == 200
