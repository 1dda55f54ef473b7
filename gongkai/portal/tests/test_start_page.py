"""The start page: the organizations by area (the top two levels; deeper ones fetched when
opened), a search box, and the newest disclosures the visitor may see."""

from __future__ import annotations

from gongkai.catalog.models import Scope
from gongkai.disclosures.models import State
from gongkai.organizations.models import Organization

from .conftest import reader


def test_it_lists_the_areas_and_opens_deeper_levels_on_demand(people, tree, client):
    html = client.get("/").content.decode()
    assert "云岭县委" in html
    assert "青石镇党委" in html and "白沙镇党委" in html  # the areas below the root
    assert "东岭村党支部" not in html  # loaded when its town is opened
    assert 'hx-get="/o/QS/children"' in html
    children = client.get("/o/YL/children").content.decode()
    assert "青石镇党委" in children and "白沙镇党委" in children
    assert "东岭村党支部" not in children


def test_an_inactive_organization_is_not_listed(people, tree, client):
    Organization.objects.filter(pk=tree.sibling_village.pk).update(is_active=False)
    assert "西岭村党支部" not in client.get("/o/QS/children").content.decode()
    assert "西岭村党支部" not in client.get("/search?q=西岭").content.decode()


def test_it_finds_organizations_by_name_or_code(people, tree, client):
    by_name = client.get("/search?q=东岭").content.decode()
    assert "东岭村党支部" in by_name and "西岭村党支部" not in by_name
    by_code = client.get("/search?q=bs").content.decode()
    assert "白沙镇党委" in by_code and "白沙村党支部" in by_code and "东岭" not in by_code
    # gongkai.search: one "nothing found" for organizations and content alike.
    assert "没有找到" in client.get("/search?q=不存在").content.decode()


def test_the_search_answers_htmx_with_the_results_only(people, tree, client):
    html = client.get("/search?q=东岭", headers={"HX-Request": "true"}).content.decode()
    assert "东岭村党支部" in html and "<html" not in html


def test_the_newest_disclosures_are_those_the_visitor_may_see(people, shown):
    shown(scope=Scope.PUBLIC, title="公开的公告")
    shown(scope=Scope.PARTY, title="党内的通知")
    shown(scope=Scope.PUBLIC, title="撤回的公告", state=State.WITHDRAWN)
    anonymous = reader(people, "anonymous").get("/").content.decode()
    assert "公开的公告" in anonymous
    assert "党内的通知" not in anonymous
    assert "撤回的公告" not in anonymous
    member = reader(people, "member").get("/").content.decode()
    assert "党内的通知" in member and "党内" in member


def test_it_reverses_as_home_shared_briefly_for_the_public_never_for_members(db, client, people):
    from django.urls import reverse

    assert reverse("home") == "/"
    response = client.get("/")
    assert "public" in response["Cache-Control"] and "s-maxage=5" in response["Cache-Control"]
    member = reader(people, "member").get("/")
    assert "no-store" in member["Cache-Control"] and "private" in member["Cache-Control"]
