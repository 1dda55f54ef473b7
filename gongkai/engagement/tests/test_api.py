"""The opinion API: the public sends, follows and rates without a token, over the guard; the
echo wall per scope; staff handle with a token. The sender's identity is in the staff's
detail only."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings

from gongkai.api import tokens
from gongkai.engagement.models import Opinion
from gongkai.guard import limits

from .conftest import ID_NUMBER, NAME, PHONE

pytestmark = pytest.mark.django_db


def call(method, path, body=None, user=None):  # type: ignore[no-untyped-def]
    headers = {}
    if user is not None:
        headers["Authorization"] = f"Bearer {tokens.issue(user, label='t')[1]}"
    client = Client()
    if method == "get":
        response = client.get("/api/v1" + path, headers=headers)
    else:
        response = client.post(
            "/api/v1" + path,
            json.dumps(body or {}),
            content_type="application/json",
            headers=headers,
        )
    return response.status_code, response.json()


def test_the_whole_round_through_the_api(people, tree):
    status, receipt = call(
        "post",
        "/opinions",
        {
            "organization": tree.village.code,
            "kind": "report",
            "text": f"<b>我叫{NAME}</b>，身份证{ID_NUMBER}，电话{PHONE}：党费表有错",
            "sender_name": NAME,
            "sender_contact": PHONE,
        },
    )
    assert status == 201, receipt
    code = receipt["tracking_code"]
    opinion = Opinion.objects.get()
    assert opinion.channel == "api" and opinion.account is None
    status, tracked = call("get", f"/opinions/track/{receipt['tracking_code_display'].lower()}")
    assert status == 200 and tracked["state"] == "received" and tracked["answer"] is None
    assert "<b>" not in tracked["question"]
    for secret in (NAME, PHONE, ID_NUMBER):
        assert secret not in json.dumps(tracked, ensure_ascii=False)
    status, refused = call("post", f"/opinions/track/{code}/rating", {"rating": "satisfied"})
    assert status == 400 and "尚未答复" in refused["detail"]

    # Staff: the list, the detail with the sender, the moves.
    status, listed = call("get", "/opinions/handled", user=people.clerk)
    assert status == 200 and listed["count"] == 1
    pk = listed["results"][0]["id"]
    status, detail = call("get", f"/opinions/handled/{pk}", user=people.clerk)
    assert detail["sender_name"] == NAME and detail["sender_contact"] == PHONE
    assert call("get", f"/opinions/handled/{pk}", user=people.supervisor)[0] == 404
    assert call("get", f"/opinions/handled/{pk}")[0] == 401
    status, body = call("post", f"/opinions/handled/{pk}/triage", {"state": "spam"}, people.clerk)
    assert status == 400 and body["detail"]
    status, _ = call(
        "post", f"/opinions/handled/{pk}/assign", {"user": people.reviewer.pk}, people.clerk
    )
    assert status == 200
    status, _ = call(
        "post", f"/opinions/handled/{pk}/answer", {"answer": f"已联系{PHONE}"}, people.clerk
    )
    assert status == 200
    status, published = call(
        "post", f"/opinions/handled/{pk}/publish", {"scope": "public"}, people.clerk
    )
    assert status == 200 and published["published"]

    status, wall = call("get", f"/organizations/{tree.village.code}/echo")
    assert status == 200 and wall["count"] == 1
    text = json.dumps(wall, ensure_ascii=False)
    for secret in (NAME, PHONE, ID_NUMBER):
        assert secret not in text
    status, rated = call("post", f"/opinions/track/{code}/rating", {"rating": "satisfied"})
    assert status == 200 and rated["rating"] == "satisfied"
    assert call("post", f"/opinions/track/{code}/rating", {"rating": "dissatisfied"})[0] == 400


def test_refusals_are_chinese(tree):
    status, body = call(
        "post", "/opinions", {"organization": "nope", "kind": "report", "text": "x"}
    )
    assert status == 404
    status, body = call(
        "post", "/opinions", {"organization": tree.village.code, "kind": "x", "text": "x"}
    )
    assert status == 422 and "kind" in body["detail"]
    status, body = call(
        "post",
        "/opinions",
        {"organization": tree.village.code, "kind": "report", "text": "<p></p>"},
    )
    assert status == 400 and "请填写" in body["detail"]
    assert call("get", "/opinions/track/0000-0000-0000")[0] == 404
    assert call("get", f"/organizations/{tree.village.code}/echo")[1]["count"] == 0
    assert (
        call(
            "post",
            "/opinions",
            {"organization": tree.village.code, "kind": "report", "text": "x", "disclosure": 99},
        )[0]
        == 404
    )


@override_settings(GUARD_LIMITS={"opinion": limits.Limit(2, 2, 100, 3600)})
def test_the_guard_answers_429(tree):
    body = {"organization": tree.village.code, "kind": "report", "text": "路灯"}
    assert [call("post", "/opinions", body)[0] for _ in range(3)] == [201, 201, 429]
    assert Opinion.objects.count() == 2


def test_staff_pass_an_opinion_on(people, tree):
    status, _receipt = call(
        "post", "/opinions", {"organization": tree.town.code, "kind": "report", "text": "村里的事"}
    )
    pk = Opinion.objects.get().pk
    assert (
        call("post", f"/opinions/handled/{pk}/pass", {"organization": "BS-01"}, people.office)[0]
        == 400
    )
    assert (
        call("post", f"/opinions/handled/{pk}/pass", {"organization": "nope"}, people.office)[0]
        == 404
    )
    status, body = call(
        "post", f"/opinions/handled/{pk}/pass", {"organization": tree.village.code}, people.office
    )
    assert status == 200 and body["responsible_code"] == tree.village.code
