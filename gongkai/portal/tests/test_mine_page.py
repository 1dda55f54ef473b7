"""我的党组织 (/me/) lists through the one visibility rule: a member sees the party-internal
items of their organization, never a draft or what was withdrawn; an outsider with an account
and a supervisor of another subtree see none of it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gongkai.catalog.models import Scope
from gongkai.conftest import client_for, grant, make_user
from gongkai.disclosures.models import State
from gongkai.organizations.models import Role

pytestmark = pytest.mark.django_db

MINE = "/me/"


@pytest.fixture
def items(shown):  # type: ignore[no-untyped-def]
    return {
        "internal": shown(scope=Scope.PARTY, title="党内公开的党费情况"),
        "draft": shown(scope=Scope.PARTY, state=State.SUBMITTED, title="尚在审核的草稿"),
        "withdrawn": shown(scope=Scope.PARTY, state=State.WITHDRAWN, title="已撤回的名单"),
        "scheduled": shown(
            scope=Scope.PARTY,
            title="下周才发布的通知",
            publish_from=timezone.now() + dt.timedelta(days=7),
        ),
    }


def test_a_member_sees_the_party_internal_item_and_nothing_unpublished(people, items):
    html = client_for(people.member).get(MINE).content.decode()
    assert "党内公开的党费情况" in html
    for hidden in ("尚在审核的草稿", "已撤回的名单", "下周才发布的通知"):
        assert hidden not in html


@pytest.mark.parametrize("persona", ["outsider", "member_elsewhere"])
def test_nobody_outside_the_organization_sees_any_of_it_there(people, tree, items, persona):
    if persona == "member_elsewhere":
        user = make_user("elsewhere", "邻村党员")
        grant(user, tree.sibling_village, Role.Kind.MEMBER)
    else:
        user = people.outsider
    response = client_for(user).get(MINE)
    assert response.status_code in (200, 302)
    html = response.content.decode()
    for title in ("党内公开的党费情况", "尚在审核的草稿", "已撤回的名单", "下周才发布的通知"):
        assert title not in html
