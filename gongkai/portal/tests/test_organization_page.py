"""The organization page: contact channels, one column per catalog category, the items with
what the reader may see of them, and the subordinate organizations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gongkai.catalog.models import Scope
from gongkai.disclosures.models import State
from gongkai.organizations.models import Organization
from gongkai.portal import reading

from .conftest import reader

HOUR = dt.timedelta(hours=1)


def sections(html: str) -> list[str]:
    """The column headings, in order."""
    import re

    return re.findall(r'<h2 id="section-\d+">([^<]+)</h2>', html)


def test_it_shows_the_contact_channels_and_the_pilot_badge(people, tree, client):
    Organization.objects.filter(pk=tree.village.pk).update(
        supervision_phone="0871-6123400",
        opinion_mailbox="dongling@example.cn",
        address="东岭村村委会一楼",
        spokesperson="张书记",
        press_liaison="李文书",
    )
    html = client.get("/o/QS-01/").content.decode()
    for shown in ("0871-6123400", "mailto:dongling@example.cn", "东岭村村委会一楼", "张书记"):
        assert shown in html
    assert "党务公开联系点" in html
    assert "党务公开联系点" not in client.get("/o/QS-02/").content.decode()


def test_it_has_one_column_per_category_with_empty_items_saying_so(people, village_catalog, client):
    html = client.get("/o/QS-01/").content.decode()
    assert sections(html) == ["固定公开", "三重一大"]
    assert "监督电话" in html and "办公楼修缮" in html
    assert html.count("暂无公开内容") == 2


def test_an_outsiders_page_names_no_party_internal_item(people, village_catalog):
    for persona in ("anonymous", "outsider", "superior_reviewer"):
        html = reader(people, persona).get("/o/QS-01/").content.decode()
        assert "党费缴纳情况" not in html, persona
        assert "本单位人员分工" not in html, persona
    member = reader(people, "member").get("/o/QS-01/").content.decode()
    assert "党费缴纳情况" in member and "本单位人员分工" in member


def test_members_see_party_internal_disclosures_marked_as_such(people, shown):
    shown(scope=Scope.PARTY, title="2026年第一季度党费收缴情况")
    shown(
        scope=Scope.PUBLIC,
        title="村委会办公楼修缮方案",
        public_from=timezone.now() + HOUR,  # inside the party-first lag
    )
    html = reader(people, "member").get("/o/QS-01/").content.decode()
    assert "2026年第一季度党费收缴情况" in html
    assert "村委会办公楼修缮方案" in html
    assert "党内先行" in html  # the public item still inside its lag
    assert "党内" in html
    anonymous = reader(people, "anonymous").get("/o/QS-01/").content.decode()
    assert "党费收缴情况" not in anonymous and "修缮方案" not in anonymous


def test_disclosures_are_listed_newest_first_with_a_link_to_the_rest(people, shown, monkeypatch):
    monkeypatch.setattr(reading, "PER_ITEM", 2)
    now = timezone.now()
    for n in range(4):
        shown(title=f"第{n}期监督电话公告", publish_from=now - (5 - n) * HOUR)
    shown(title="尚未到发布时间的公告", publish_from=now + HOUR)  # not counted: not visible yet
    html = reader(people, "anonymous").get("/o/QS-01/").content.decode()
    assert html.index("第3期") < html.index("第2期")
    assert "第1期" not in html and "第0期" not in html
    assert "查看本事项全部 4 条公开内容" in html
    assert "尚未到发布时间" not in html
    member = reader(people, "member").get("/o/QS-01/").content.decode()
    assert "查看本事项全部 4 条公开内容" in member  # the future one is hidden from members too


def test_a_withdrawn_disclosure_stays_listed_as_withdrawn(people, shown):
    shown(title="已撤回的公告", state=State.WITHDRAWN, withdrawal_reason="内容有误")
    html = reader(people, "anonymous").get("/o/QS-01/").content.decode()
    assert "已撤回的公告" in html and "已撤回" in html


def test_it_lists_the_subordinate_organizations(people, tree, client):
    html = client.get("/o/QS/").content.decode()
    assert "东岭村党支部" in html and "西岭村党支部" in html
    assert "白沙村党支部" not in html


def test_an_unknown_organization_is_not_found(db, client):
    assert client.get("/o/NOPE/").status_code == 404


def test_an_item_page_lists_every_visible_disclosure_a_page_at_a_time(
    people, shown, village_catalog, monkeypatch
):
    from gongkai.portal import views

    from .conftest import item_key

    monkeypatch.setattr(views, "ITEM_PAGE_SIZE", 2)
    now = timezone.now()
    for n in range(3):
        shown(title=f"第{n}期监督电话公告", publish_from=now - (5 - n) * HOUR)
    url = f"/o/QS-01/items/{item_key(village_catalog, 'phones')}/"
    first = reader(people, "anonymous").get(url).content.decode()
    second = reader(people, "anonymous").get(url + "?page=2").content.decode()
    assert "第2期" in first and "第1期" in first and "第0期" not in first
    assert "第0期" in second


def test_an_outsider_cannot_open_a_party_items_page(people, village_catalog):
    from .conftest import item_key

    url = f"/o/QS-01/items/{item_key(village_catalog, 'dues')}/"
    assert reader(people, "anonymous").get(url).status_code == 404
    assert reader(people, "member").get(url).status_code == 200


@pytest.mark.parametrize("persona", ["anonymous", "member"])
def test_the_query_count_does_not_grow_with_the_number_of_disclosures(
    persona, people, shown, django_assert_num_queries
):
    client = reader(people, persona)
    for scope in (Scope.PUBLIC, Scope.PARTY, Scope.INSTITUTION):
        shown(scope=scope, title=f"{scope}公告")
    client.get("/o/QS-01/")  # the effective catalog is computed once, then cached
    # The organization, its ancestors, its catalog, the disclosures, the approved exemptions
    # standing in items' places, the subordinates, the log its entries go to (with its latest
    # head), its open consultations; a signed-in reader adds the session, the user and the
    # user's roles. An anonymous reader adds the next scheduled change (the shared cache's
    # bound).
    expected = 9 if persona == "anonymous" else 11
    with django_assert_num_queries(expected):
        assert client.get("/o/QS-01/").status_code == 200
    for n in range(12):
        shown(scope=(Scope.PUBLIC, Scope.PARTY)[n % 2], title=f"更多公告{n}")
    with django_assert_num_queries(expected):
        html = client.get("/o/QS-01/").content.decode()
    assert "更多公告10" in html  # public: everyone sees it, and it is the newest
