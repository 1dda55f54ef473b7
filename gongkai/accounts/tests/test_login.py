"""Signing in with a username or an 11-digit mobile number, on the Chinese sign-in page."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse, reverse_lazy

from gongkai.accounts.backends import UsernameOrMobileBackend, canonical_username, find_user
from gongkai.conftest import PASSWORD, People, make_user

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse_lazy("accounts:login")
#: What every refused sign-in says, whatever the reason: nobody learns whether an account exists.
REFUSED = "用户名、手机号或密码不正确。连续多次输错后，账户将被暂时锁定。"


def sign_in(client: Client, login: str, password: str = PASSWORD, **extra: str):
    return client.post(LOGIN_URL, {"username": login, "password": password, **extra})


def signed_in_as(client: Client) -> str | None:
    user_id = client.session.get(SESSION_KEY)
    return str(user_id) if user_id is not None else None


def test_a_person_signs_in_with_the_username(people: People) -> None:
    client = Client()
    response = sign_in(client, "clerk")
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("accounts:landing")
    assert signed_in_as(client) == str(people.clerk.pk)


def test_a_person_signs_in_with_the_mobile_number(people: People) -> None:
    client = Client()
    response = sign_in(client, "13800000001")
    assert response.status_code == 302
    assert signed_in_as(client) == str(people.clerk.pk)


def test_spaces_around_the_login_name_are_ignored(people: People) -> None:
    client = Client()
    sign_in(client, " 13800000001 ")
    assert signed_in_as(client) == str(people.clerk.pk)


def test_signing_in_follows_next(people: People) -> None:
    response = sign_in(Client(), "clerk", next="/console/")
    assert response.headers["Location"] == "/console/"


def test_signing_in_never_follows_next_off_site(people: People) -> None:
    response = sign_in(Client(), "clerk", next="https://evil.example/")
    assert response.headers["Location"] == reverse("accounts:landing")


def test_a_wrong_password_is_refused_in_chinese(people: People) -> None:
    client = Client()
    response = sign_in(client, "clerk", "not-the-password")
    assert response.status_code == 200
    assert signed_in_as(client) is None
    assert REFUSED in response.content.decode()


def test_a_wrong_password_with_the_mobile_number_is_refused_the_same_way(people: People) -> None:
    response = sign_in(Client(), "13800000001", "not-the-password")
    assert REFUSED in response.content.decode()


def test_an_inactive_account_cannot_sign_in_even_with_the_right_password(people: People) -> None:
    people.clerk.is_active = False
    people.clerk.save()
    for login in ("clerk", "13800000001"):
        client = Client()
        response = sign_in(client, login)
        assert response.status_code == 200
        assert signed_in_as(client) is None
        assert REFUSED in response.content.decode()


@pytest.mark.parametrize(
    ("missing", "existing"),
    [("nobody", "clerk"), ("13999999999", "13800000001")],
    ids=["username", "mobile"],
)
def test_a_missing_account_is_refused_exactly_like_a_wrong_password(
    people: People, missing: str, existing: str
) -> None:
    for_missing = sign_in(Client(), missing, "not-the-password")
    for_existing = sign_in(Client(), existing, "not-the-password")
    assert for_missing.status_code == for_existing.status_code == 200
    assert for_missing.context["form"].errors == for_existing.context["form"].errors
    assert for_missing.context["form"].non_field_errors() == [REFUSED]


def test_an_empty_form_says_which_fields_are_missing_in_chinese(db: None) -> None:
    response = Client().post(LOGIN_URL, {"username": "", "password": ""})
    form = response.context["form"]
    assert form.errors == {"username": ["这个字段是必填项。"], "password": ["这个字段是必填项。"]}
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_username_error"' in html
    assert 'id="id_username_error"' in html


class TestTheSignInPage:
    def test_it_is_in_chinese(self, db: None) -> None:
        response = Client().get(LOGIN_URL)
        html = response.content.decode()
        assert response.status_code == 200
        assert '<html lang="zh-CN">' in html
        assert "<title>登录" in html
        assert '<label for="id_username">用户名或手机号</label>' in html
        assert '<label for="id_password">密码</label>' in html

    def test_it_tells_browsers_and_password_managers_what_each_field_is(self, db: None) -> None:
        html = Client().get(LOGIN_URL).content.decode()
        assert 'autocomplete="username"' in html
        assert 'autocomplete="current-password"' in html
        assert 'autocapitalize="none"' in html
        assert 'type="password"' in html

    def test_it_fits_a_phone(self, db: None) -> None:
        html = Client().get(LOGIN_URL).content.decode()
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html

    def test_a_refusal_is_announced(self, people: People) -> None:
        html = sign_in(Client(), "clerk", "not-the-password").content.decode()
        assert (
            f'<div class="alert-banner" role="alert" id="login-errors">\n    <p>{REFUSED}</p>'
            in html
        )

    def test_a_refusal_keeps_the_login_name_but_never_the_password(self, people: People) -> None:
        response = sign_in(Client(), "13800000001", "secret-typed-by-hand")
        html = response.content.decode()
        assert 'value="13800000001"' in html
        assert "secret-typed-by-hand" not in html

    def test_a_signed_in_person_is_sent_on(self, people: People) -> None:
        client = Client()
        client.force_login(people.clerk)
        response = client.get(LOGIN_URL)
        assert response.status_code == 302
        assert response.headers["Location"] == reverse("accounts:landing")


class TestFindingTheAccount:
    def test_a_username_finds_its_account(self, people: People) -> None:
        assert find_user("clerk") == people.clerk

    def test_a_mobile_number_finds_its_account(self, people: People) -> None:
        assert find_user("13800000001") == people.clerk

    def test_nothing_finds_nothing(self, people: People) -> None:
        assert find_user("") is None
        assert find_user("   ") is None
        assert find_user("nobody") is None
        assert find_user("13999999999") is None

    def test_a_username_made_of_digits_wins_over_a_mobile_number(self, people: People) -> None:
        # Usernames are looked up first, so an account named like a phone number shadows the
        # person whose mobile it is (see the report: usernames in mobile format should be refused).
        shadow = make_user("13800000001", "影子")
        assert find_user("13800000001") == shadow

    def test_lock_out_counts_by_the_canonical_username(self, people: People) -> None:
        assert canonical_username(None, {"username": "13800000001"}) == "clerk"
        assert canonical_username(None, {"username": " clerk "}) == "clerk"
        assert canonical_username(None, {"username": " nobody "}) == "nobody"
        assert canonical_username(None, {"username": ""}) is None
        assert canonical_username(None, {}) is None

    def test_the_async_path_accepts_a_mobile_number_too(self, people: People) -> None:
        backend = UsernameOrMobileBackend()
        authenticate = async_to_sync(backend.aauthenticate)
        assert authenticate(None, username="13800000001", password=PASSWORD) == people.clerk
        assert authenticate(None, username="13800000001", password="wrong") is None
