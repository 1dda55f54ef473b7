"""Every error is `{"detail": "<Chinese>"}`; every input is bounded before it reaches the
database."""

from __future__ import annotations

import json

import pytest

from gongkai.api import fields
from gongkai.disclosures.models import Disclosure

from .conftest import API, ApiClient, item_key


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_an_unknown_address_is_a_json_404(db):
    for path in ("/", "/nope", "/disclosures/abc", "/disclosures/-1", "/organizations/a/b/c"):
        response = ApiClient().get(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "未找到，或您无权查看。"}


def test_no_address_under_the_api_is_redirected_to_add_a_slash(db):
    response = ApiClient().get("/organizations")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到，或您无权查看。"}


def test_a_method_an_address_does_not_take_is_a_json_405(people, draft):
    response = ApiClient(people.clerk).client.delete(f"{API}/disclosures/{draft.pk}")
    assert response.status_code == 405
    assert response.json() == {"detail": "此地址不接受 DELETE 请求。"}
    assert set(response["Allow"].split(", ")) == {"GET", "PATCH"}


def test_the_schema_is_served(db):
    response = ApiClient().get("/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/disclosures/{id}/actions/publish" in schema["paths"]
    assert schema["components"]["securitySchemes"] == {
        "BearerToken": {"type": "http", "scheme": "bearer"}
    }
    # Reading needs no token; a token is optional there.
    assert schema["paths"]["/api/v1/disclosures/"]["get"]["security"] == [
        {"BearerToken": []},
        {},
    ]
    assert schema["paths"]["/api/v1/disclosures/"]["post"]["security"] == [{"BearerToken": []}]


@pytest.mark.parametrize(
    "path",
    [
        "/disclosures/9223372036854775808",  # one past the largest 64-bit id
        "/disclosures/99999999999999999999999",
        "/disclosures/0",
    ],
)
def test_ids_are_bounded(db, path):
    response = ApiClient().get(path)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "id"
    assert is_chinese(response.json()["detail"])


def test_the_largest_id_is_simply_not_found(db):
    assert ApiClient().get(f"/disclosures/{fields.MAX_ID}").status_code == 404


def test_ledger_cursors_are_bounded(db):
    for path, param in (("/ledger/logs/YL/entries", "start"), ("/ledger/logs/YL/heads", "after")):
        response = ApiClient().get(path, **{param: 2**63})
        assert response.status_code == 422
        assert is_chinese(response.json()["detail"])
        assert ApiClient().get(path, **{param: -1}).status_code == 422


@pytest.fixture
def clerk(people) -> ApiClient:
    return ApiClient(people.clerk)


def create(clerk: ApiClient, village_catalog, **fields_: object):
    payload = {
        "organization": "QS-01",
        "item_key": item_key(village_catalog, "phones"),
        "title": "标题",
        **fields_,
    }
    return clerk.post("/disclosures/", payload)


@pytest.mark.parametrize(
    ("fields_", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "长" * 201}, "title"),
        ({"title": "a\x00b"}, "title"),
        ({"body": "x" * 200_001}, "body"),
        ({"period": "x" * 101}, "period"),
        ({"event_date": "0001-01-01"}, "event_date"),
        ({"data": {"a": "\x00"}}, "data"),
        ({"data": {"a": 2**60}}, "data"),
        ({"data": {"a": [[[[[[[[[[1]]]]]]]]]]}}, "data"),
        ({"data": ["not", "an", "object"]}, "data"),
        ({"organization": "x" * 33}, "organization"),
        ({"item_key": ""}, "item_key"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_create_input_is_bounded(fields_, field, clerk, village_catalog):
    response = create(clerk, village_catalog, **fields_)
    assert response.status_code == 422, response.json()
    assert field in [e["field"].split(".")[0] for e in response.json()["errors"]]
    assert is_chinese(response.json()["detail"])
    assert not Disclosure.objects.exists()


def test_not_a_number_is_not_json(clerk, village_catalog):
    body = '{"organization": "QS-01", "item_key": "x", "title": "t", "data": {"a": NaN}}'
    response = clerk.client.post(
        f"{API}/disclosures/", body, content_type="application/json", headers=clerk.headers
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "请求体不是有效的 JSON。"}


def test_a_body_that_is_not_json_is_refused(clerk, village_catalog):
    response = clerk.client.post(
        f"{API}/disclosures/", "title=x", content_type="text/plain", headers=clerk.headers
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "请求体不是有效的 JSON。"}


def test_times_are_bounded(people, draft):
    from .test_actions import approved

    d = approved(people, draft, None)
    for value in ("9999-12-31T23:59:59+00:00", "1970-01-01T00:00:00Z", "not a time"):
        response = ApiClient(people.clerk).post(
            f"/disclosures/{d.pk}/actions/publish", {"publish_from": value}
        )
        assert response.status_code == 422, value
        assert response.json()["errors"][0]["field"] == "publish_from"
        assert is_chinese(response.json()["detail"])
    d.refresh_from_db()
    assert d.state == "approved"


@pytest.mark.parametrize("days", [0, 61, "five"])
def test_consultation_days_are_bounded(days, people, draft):
    response = ApiClient(people.clerk).post(
        f"/disclosures/{draft.pk}/actions/open_consultation", {"days": days}
    )
    assert response.status_code == 422


def test_a_missing_body_names_the_missing_field(people, draft):
    response = ApiClient(people.reviewer).post(f"/disclosures/{draft.pk}/actions/review")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "checklist", "message": "此项必填"}]


def test_every_error_message_is_chinese(people, draft):
    anonymous, clerk = ApiClient(), ApiClient(people.clerk)
    responses = [
        anonymous.get("/nope"),
        anonymous.get("/organizations/", page_size=0),
        anonymous.post(f"/disclosures/{draft.pk}/actions/submit"),
        clerk.post(f"/disclosures/{draft.pk}/actions/approve"),
        clerk.client.put(f"{API}/disclosures/{draft.pk}", headers=clerk.headers),
        anonymous.client.get(f"{API}/organizations/", headers={"Authorization": "Token x"}),
    ]
    for response in responses:
        assert 400 <= response.status_code < 500
        body = json.loads(response.content)
        assert is_chinese(body["detail"]), body
