"""Organizations and their catalogs: public, paginated, bounded, and free of people's data."""

from __future__ import annotations

import pytest

from gongkai.conftest import make_org
from gongkai.organizations.models import Organization

from .conftest import ApiClient


@pytest.fixture
def api(db) -> ApiClient:
    return ApiClient()


def codes(response) -> list[str]:
    return [o["code"] for o in response.json()["results"]]


def test_it_lists_active_organizations_in_tree_order(api, tree):
    Organization.objects.filter(pk=tree.sibling_village.pk).update(is_active=False)
    response = api.get("/organizations/")
    assert response.status_code == 200
    assert codes(response) == ["YL", "QS", "QS-01", "BS", "BS-01"]
    assert response.json()["count"] == 5
    first = response.json()["results"][2]
    assert first == {
        "code": "QS-01",
        "name": "东岭村党支部",
        "kind": "branch",
        "kind_label": "党支部",
        "parent_code": "QS",
        "depth": 3,
        "is_pilot": True,
        "is_active": True,
    }


def test_it_pages(api, tree):
    response = api.get("/organizations/", page=2, page_size=4)
    assert response.json()["count"] == 6
    assert codes(response) == ["BS", "BS-01"]
    assert api.get("/organizations/", page=3, page_size=4).json()["results"] == []


def test_it_filters_by_parent_and_searches_by_name_or_code(api, tree):
    assert codes(api.get("/organizations/", parent="QS")) == ["QS-01", "QS-02"]
    assert codes(api.get("/organizations/", q="白沙")) == ["BS", "BS-01"]
    assert codes(api.get("/organizations/", q="qs-0")) == ["QS-01", "QS-02"]
    assert codes(api.get("/organizations/", q="东岭", parent="QS")) == ["QS-01"]


def test_an_unknown_parent_is_not_found(api, tree):
    response = api.get("/organizations/", parent="NOPE")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到，或您无权查看。"}


def test_the_detail_shows_public_contact_channels_and_no_people(api, tree, people):
    Organization.objects.filter(pk=tree.village.pk).update(
        supervision_phone="0871-6123401",
        opinion_mailbox="村委会门口意见箱",
        address="东岭村 1 号",
        spokesperson="王某某",
        press_liaison="李某某",
    )
    body = api.get("/organizations/QS-01").json()
    assert body["supervision_phone"] == "0871-6123401"
    assert body["opinion_mailbox"] == "村委会门口意见箱"
    assert body["address"] == "东岭村 1 号"
    text = str(body)
    for personal in ("王某某", "李某某", "李文书", "张书记", "王党员", "13800000001"):
        assert personal not in text
    assert not {"spokesperson", "press_liaison", "roles", "members"} & body.keys()


def test_it_lists_the_children(api, tree):
    assert codes(api.get("/organizations/QS/children")) == ["QS-01", "QS-02"]
    assert api.get("/organizations/NOPE/children").status_code == 404


def test_an_unknown_code_is_not_found(api, tree):
    assert api.get("/organizations/NOPE").status_code == 404


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"page_size": 101}, "page_size", "不能大于 100"),
        ({"page_size": 0}, "page_size", "不能小于 1"),
        ({"page": 10_001}, "page", "不能大于 10000"),
        ({"page": "x"}, "page", "应为整数"),
        ({"q": "长" * 51}, "q", "最多 50 个字符"),
        ({"q": "a\x00"}, "q", "文本中含有空字符（NUL）。"),
        ({"parent": "x" * 33}, "parent", "最多 32 个字符"),
    ],
)
def test_input_is_bounded(api, tree, params, field, message):
    response = api.get("/organizations/", **params)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert response.json()["detail"] == f"输入有误：{field}：{message}"


def test_the_list_costs_the_same_few_queries_however_many_rows(
    api, tree, django_assert_num_queries
):
    with django_assert_num_queries(2):  # count, page
        api.get("/organizations/")
    for n in range(10):
        make_org(f"QS-1{n}", f"新村{n}", Organization.Kind.BRANCH, tree.town)
    with django_assert_num_queries(2):
        assert len(api.get("/organizations/").json()["results"]) == 16
    with django_assert_num_queries(3):  # the parent, count, page
        api.get("/organizations/", parent="QS")


# --- the catalog -----------------------------------------------------------------------------


def test_it_shows_the_effective_published_catalog(api, tree, people, village_catalog):
    body = api.get("/organizations/QS-01/catalog").json()
    assert body["organization"] == {"code": "QS-01", "name": "东岭村党支部"}
    assert body["version"] == 1
    categories = {c["name"]: c for c in body["categories"]}
    assert list(categories) == ["固定公开", "三重一大"]
    building = categories["三重一大"]["items"][0]
    assert building["name"] == "办公楼修缮"
    assert building["scope"] == "public"
    assert building["scope_label"] == "社会"
    assert building["timing"] == "event"
    assert building["party_first"] is True
    assert building["party_first_lag_days"] == 3
    assert building["major_matter"] is True
    assert building["consultation_required"] is True
    assert building["deadline_days"] == 5
    assert building["deadline_basis"] == "event"
    assert building["min_publicity_days"] == 5
    assert building["channels"] == ["board"]
    assert building["channel_labels"] == ["公开栏"]
    dues = categories["固定公开"]["items"][1]
    assert (dues["name"], dues["scope"]) == ("党费缴纳情况", "party")


def test_an_organization_without_a_published_catalog_has_none(api, tree, village_catalog):
    assert api.get("/organizations/BS-01/catalog").status_code == 404
    assert api.get("/organizations/NOPE/catalog").status_code == 404
