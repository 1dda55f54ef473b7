"""The organization page: what is new and on show now, the catalog by category (empty
categories and items folded into one line), the items with what the reader may see of them,
the subordinate organizations and the contact channels."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils import timezone

from gongkai.catalog.models import Scope
from gongkai.disclosures.models import Disclosure, State
from gongkai.organizations.models import Organization
from gongkai.portal import reading

from .conftest import reader

HOUR = dt.timedelta(hours=1)


def sections(html: str) -> list[str]:
    """The column headings, in order."""
    import re

    return re.findall(r'<h3 id="section-[^"]+">([^<]+)</h3>', html)


def catalog_part(html: str) -> str:
    """The catalog's part of the page (after what is new and on show)."""
    return html[html.index('id="catalog-heading"') :]


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


def test_categories_with_nothing_disclosed_fold_into_one_line(people, village_catalog, client):
    html = client.get("/o/QS-01/").content.decode()
    assert sections(html) == []  # nothing disclosed: no empty category takes a screen
    assert "另有 2 个栏目暂无公开内容" in html
    assert "监督电话" in html and "办公楼修缮" in html  # named inside the folded line
    assert html.count("暂无公开内容") == 1


def test_a_category_with_something_shows_its_items_and_folds_the_empty_ones(people, shown):
    shown(title="东岭村监督电话公告")
    html = catalog_part(reader(people, "anonymous").get("/o/QS-01/").content.decode())
    assert sections(html) == ["固定公开"]
    assert "东岭村监督电话公告" in html
    assert "另有 1 个栏目暂无公开内容" in html  # 三重一大
    member = catalog_part(reader(people, "member").get("/o/QS-01/").content.decode())
    assert "另有 2 项暂无公开内容" in member  # 党费缴纳情况, 本单位人员分工 (inside only)


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
    page = reader(people, "anonymous").get("/o/QS-01/").content.decode()
    # What is new leads the page, newest first.
    assert page.index("第3期") < page.index("第2期") < page.index("第1期") < page.index("第0期")
    assert page.index('id="latest-heading"') < page.index('id="catalog-heading"')
    html = catalog_part(page)
    assert html.index("第3期") < html.index("第2期")
    assert "第1期" not in html and "第0期" not in html
    assert "查看本事项更早的公开内容" in html  # bounded: a link, never a count over history
    assert "尚未到发布时间" not in page
    member = catalog_part(reader(people, "member").get("/o/QS-01/").content.decode())
    assert "尚未到发布时间" not in member  # the future one is hidden from members too


def test_what_is_on_show_now_is_listed_soonest_to_end_first(people, shown):
    now = timezone.now()
    shown(title="公示中的任前公示", publicity_until=now + 24 * HOUR)
    shown(title="即将期满的公示", publicity_until=now + HOUR)
    shown(title="已期满的公示", publicity_until=now - HOUR)
    html = reader(people, "anonymous").get("/o/QS-01/").content.decode()
    block = html[html.index('id="on-show-heading"') : html.index('id="catalog-heading"')]
    assert block.index("即将期满的公示") < block.index("公示中的任前公示")
    assert "已期满的公示" not in block


def test_a_withdrawn_disclosure_stays_listed_as_withdrawn(people, shown):
    shown(title="已撤回的公告", state=State.WITHDRAWN, withdrawal_reason="内容有误")
    html = reader(people, "anonymous").get("/o/QS-01/").content.decode()
    assert "已撤回的公告" in html and "已撤回" in html


def test_it_lists_the_subordinate_organizations(people, tree, client):
    html = client.get("/o/QS/").content.decode()
    assert "东岭村党支部" in html and "西岭村党支部" in html
    assert "白沙村党支部" not in html
    assert 'href="/o/QS/all"' in html and "下级组织的公开内容" in html
    assert 'href="/e/QS/echo/"' in html or "/echo" in html


def test_the_subtree_list_is_newest_first_across_the_organizations_below(
    people, tree, village_catalog, monkeypatch
):
    from gongkai.portal import views

    from .conftest import make_shown

    monkeypatch.setattr(views, "LIST_PAGE_SIZE", 2)
    now = timezone.now()
    make_shown(
        people, tree.village, village_catalog, title="东岭村的公告", publish_from=now - 3 * HOUR
    )
    sibling = make_shown(
        people, tree.village, village_catalog, title="西岭村的公告", publish_from=now - 2 * HOUR
    )
    Disclosure.objects.filter(pk=sibling.pk).update(organization=tree.sibling_village)
    make_shown(
        people,
        tree.village,
        village_catalog,
        title="东岭村党内通知",
        scope=Scope.PARTY,
        publish_from=now - HOUR,
    )
    client = reader(people, "anonymous")
    first = client.get("/o/QS/all").content.decode()
    assert first.index("西岭村的公告") < first.index("东岭村的公告")
    assert "东岭村党内通知" not in first  # the one rule, for the subtree too
    assert 'rel="next"' not in first
    own = client.get("/o/QS-01/all?own=1").content.decode()
    assert "东岭村的公告" in own and "西岭村的公告" not in own
    member = reader(people, "member").get("/o/QS/all").content.decode()
    assert member.index("东岭村党内通知") < member.index("西岭村的公告")
    older = re.search(r'href="\?before=([0-9.]+)" rel="next"', member)
    assert older is not None
    rest = reader(people, "member").get(f"/o/QS/all?before={older.group(1)}").content.decode()
    assert "东岭村的公告" in rest and "西岭村的公告" not in rest
    assert client.get("/o/QS/all?before=junk").status_code == 200  # a bad cursor: page one


def test_an_unknown_organization_is_not_found(db, client):
    assert client.get("/o/NOPE/").status_code == 404


def test_an_item_page_lists_every_visible_disclosure_a_page_at_a_time(
    people, shown, village_catalog, monkeypatch
):
    from gongkai.portal import views

    from .conftest import item_key

    monkeypatch.setattr(views, "LIST_PAGE_SIZE", 2)
    now = timezone.now()
    for n in range(3):
        shown(title=f"第{n}期监督电话公告", publish_from=now - (5 - n) * HOUR)
    url = f"/o/QS-01/items/{item_key(village_catalog, 'phones')}/"
    first = reader(people, "anonymous").get(url).content.decode()
    assert "第2期" in first and "第1期" in first and "第0期" not in first
    # The next page by keyset (the last row shown), not by offset.
    older = re.search(r'href="\?before=([0-9.]+)" rel="next"', first)
    assert older is not None
    second = reader(people, "anonymous").get(f"{url}?before={older.group(1)}").content.decode()
    assert "第0期" in second and "第1期" not in second and 'rel="next"' not in second


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
    # The organization (with its catalog's version and whether an exemption was decided:
    # without one no notice needs a query), the newest, those on show, its catalog, the
    # item rows, the newest per item (one query), its open consultations, its ancestors,
    # the subordinates, the log its entries go to (with its latest head); a signed-in reader
    # adds the session, the user and the user's roles. An anonymous reader's listing is
    # rendered once after a move, with the next scheduled change (how long it is kept, and
    # a shared cache's bound), then stored: the stored copy runs none of the listing's
    # queries. (test_constant_work holds it for 1, 20 and 200 disclosures on every public
    # page.)
    rendered, kept = (11, 4) if persona == "anonymous" else (13, 13)
    with django_assert_num_queries(kept):
        assert client.get("/o/QS-01/").status_code == 200
    for n in range(12):
        shown(scope=(Scope.PUBLIC, Scope.PARTY)[n % 2], title=f"更多公告{n}")
    with django_assert_num_queries(rendered):
        html = client.get("/o/QS-01/").content.decode()
    assert "更多公告10" in html  # public: everyone sees it, and it is the newest
    with django_assert_num_queries(kept):
        again = client.get("/o/QS-01/").content.decode()
    assert catalog_part(again) == catalog_part(html)


def test_a_village_affairs_category_is_labelled_beside_the_party_affairs_ones(people, shown):
    """Where the town runs 村务公开 beside 党务公开 in the same catalog, its categories are
    separate sections named by their domain; party-affairs sections carry no label."""
    from django.core.cache import cache

    from gongkai.catalog.models import Category, Domain

    shown(title="东岭村监督电话公告")
    html = catalog_part(reader(people, "anonymous").get("/o/QS-01/").content.decode())
    assert "村务公开</span>" not in html
    Category.objects.filter(name="固定公开").update(domain=Domain.VILLAGE)
    cache.clear()  # effective catalogs are cached until the catalog changes
    html = catalog_part(reader(people, "anonymous").get("/o/QS-01/").content.decode())
    assert re.search(
        r'<h3 id="section-[^"]+">固定公开 <span class="badge">村务公开</span></h3>', html
    )


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_newest_per_item_compiled_once_reads_what_each_part_compiled_reads(
    people, shown, tree, who
):
    """The per-item query is compiled once with a stand-in item and repeated per item: it
    reads exactly what compiling each item's part on its own reads."""
    now = timezone.now()
    for n in range(6):
        shown(title=f"第{n}期公告", publish_from=now - (n + 1) * HOUR)
    shown(title="党内公告", scope=Scope.PARTY)
    shown(title="未到时间", publish_from=now + HOUR)
    user = people.member if who == "member" else AnonymousUser()
    visible = Disclosure.objects.visible_to(user, now)
    item_ids = sorted(set(Disclosure.objects.values_list("item_id", flat=True)))
    assert item_ids
    for per_item in (1, 2, 5):
        once = reading.newest_per_item(visible, tree.village, item_ids, per_item)
        own = visible.filter(organization=tree.village)
        parts = [own.filter(item_id=item_id) for item_id in item_ids]
        each = reading.newest_of(parts, per_item, limit=None)
        assert [d.pk for d in once] == [d.pk for d in each]
        assert once  # something is read


def test_the_publics_items_are_read_through_the_public_rows_only(people, shown):
    """An item whose disclosures are party-internal is not read to its first row to find
    nothing the public may see: the public's per-item reads use the index of public rows
    (`disclosure_item_public`), on SQLite and PostgreSQL alike."""
    party = shown(scope=Scope.PARTY, title="党内事项")
    shown(title="东岭村监督电话公告")
    # An item with years of party-internal history, as the bench's busiest organizations
    # have: copies of the one row, enough that a planner pricing by statistics sees it.
    row = {
        k: v for k, v in Disclosure.objects.filter(pk=party.pk).values().get().items() if k != "id"
    }
    Disclosure.objects.bulk_create(
        Disclosure(**{**row, "title": f"党内事项{n}"}) for n in range(2000)
    )
    now = timezone.now()
    visible = Disclosure.objects.visible_to(AnonymousUser(), now)
    sql, params = reading._newest_sql(
        visible.filter(organization=party.organization_id, item_id=party.item_id),
        reading.PER_ITEM + 1,
    )
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        else:
            # Statistics of what the table holds now, not of whatever an earlier test left:
            # without them the planner prices the indexes alike and picks among equals.
            cursor.execute("ANALYZE disclosures_disclosure")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
    assert "disclosure_item_public" in plan, plan
