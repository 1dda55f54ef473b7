"""API tokens: made by a command that prints the key once, stored only as a digest, sent as
`Authorization: Bearer <key>`; sessions never authorise an API call."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from gongkai.api import errors, tokens
from gongkai.api.models import ApiToken
from gongkai.conftest import client_for

from .conftest import API, ApiClient


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_the_command_prints_a_key_once_and_stores_only_its_digest(people):
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", "create", "clerk", "--label", "村务系统", stdout=out, stderr=err)
    key = out.getvalue().strip()
    token = ApiToken.objects.get(user=people.clerk)
    assert len(key) == tokens.KEY_LENGTH
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in token.key_hash
    assert token.label == "村务系统"
    assert "只显示这一次" in err.getvalue()


def test_the_command_refuses_an_unknown_person(db):
    with pytest.raises(CommandError, match="没有用户名为“nobody”的在用人员"):
        call_command("api_token", "create", "nobody", stdout=io.StringIO())


def test_the_command_lists_and_revokes(people):
    token, _key = tokens.issue(people.clerk, label="测试")
    out = io.StringIO()
    call_command("api_token", "list", "clerk", stdout=out)
    assert "clerk" in out.getvalue() and "有效" in out.getvalue()
    call_command("api_token", "revoke", str(token.pk), stdout=out)
    token.refresh_from_db()
    assert token.revoked
    assert "已撤销" in out.getvalue()


def test_a_token_identifies_its_person(people, tree, village_catalog, draft, client):
    _token, key = tokens.issue(people.clerk)
    response = client.get(f"{API}/disclosures/{draft.pk}/working", headers=bearer(key))
    assert response.status_code == 200
    assert response.json()["id"] == draft.pk


def test_it_records_when_a_token_was_last_used(people, client):
    token, key = tokens.issue(people.member)
    client.get(f"{API}/organizations/", headers=bearer(key))
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    # Within the minute, no second write.
    client.get(f"{API}/organizations/", headers=bearer(key))
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=5))
    client.get(f"{API}/organizations/", headers=bearer(key))
    token.refresh_from_db()
    assert token.last_used_at > first - dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer " + "x" * 40, errors.TOKEN_INVALID),
        ("Bearer short", errors.TOKEN_INVALID),
        ("Basic dXNlcjpwYXNz", errors.TOKEN_MALFORMED),
        ("Bearer", errors.TOKEN_MALFORMED),
        ("Bearer " + "x" * 300, errors.TOKEN_MALFORMED),
    ],
)
def test_a_bad_token_is_refused_even_where_none_is_needed(db, client, header, message):
    response = client.get(f"{API}/organizations/", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json() == {"detail": str(message)}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused(people, client):
    token, key = tokens.issue(people.clerk)
    tokens.revoke(token)
    response = client.get(f"{API}/disclosures/working/", headers=bearer(key))
    assert response.status_code == 401
    assert response.json()["detail"] == "接口令牌无效、已撤销，或其所属人员已停用。"


def test_the_token_of_a_deactivated_person_is_refused(people, client):
    _token, key = tokens.issue(people.clerk)
    people.clerk.is_active = False
    people.clerk.save()
    assert client.get(f"{API}/disclosures/working/", headers=bearer(key)).status_code == 401


def test_changing_anything_needs_a_token(people, tree, village_catalog, draft):
    response = ApiClient().post(f"/disclosures/{draft.pk}/actions/submit")
    assert response.status_code == 401
    assert response.json() == {"detail": str(errors.TOKEN_REQUIRED)}


def test_a_signed_in_session_does_not_authorise_the_api(people, tree, village_catalog, draft):
    """The console's session cookie is ignored: no token, no work in progress, no moves, so
    a forged cross-site request has nothing to ride on."""
    browser = client_for(people.clerk)
    browser.handler.enforce_csrf_checks = True
    assert browser.get(f"{API}/disclosures/{draft.pk}/working").status_code == 401
    response = browser.post(f"{API}/disclosures/{draft.pk}/actions/submit")
    assert response.status_code == 401
    draft.refresh_from_db()
    assert draft.state == "draft"
    # Reading with a session is reading as the public: the draft does not exist.
    assert browser.get(f"{API}/disclosures/{draft.pk}").status_code == 404


def test_a_token_needs_no_csrf_token(people, tree, village_catalog, draft):
    caller = ApiClient(people.clerk)
    caller.client.handler.enforce_csrf_checks = True
    assert caller.post(f"/disclosures/{draft.pk}/actions/submit").status_code == 200


def test_tokens_are_listed_newest_first(people):
    older, _ = tokens.issue(people.clerk)
    ApiToken.objects.filter(pk=older.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    newer, _ = tokens.issue(people.clerk)
    assert list(ApiToken.objects.all()) == [newer, older]
