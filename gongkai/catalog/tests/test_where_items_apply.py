"""Items apply where they belong, on every surface: a village is neither offered nor held to
the town committee's own items. The to-do list, the draft page, `create_disclosure`, the API
and the portal all ask one function (`applicable_catalog` / `applies`)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from gongkai.api.tests.conftest import ApiClient
from gongkai.catalog import services
from gongkai.catalog.effective import applicable_catalog
from gongkai.catalog.exchange import parse_yaml
from gongkai.catalog.models import Catalog
from gongkai.catalog.services import local_key
from gongkai.conftest import Tree, client_for, grant, make_user
from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure
from gongkai.organizations.models import Organization, Role

S = Organization.Setting

CATALOG = """
title: 青石镇党务公开目录
defaults: {scope: public}
categories:
  - key: fixed
    name: 固定公开
    timing: standing
    items:
      - {key: town-rules, name: 镇党委议事规则和决策程序, applies_to: {levels: [0]}}
      - {key: phones, name: 党务公开监督电话, applies_to: {levels: [0, 1]}}
      - key: duties
        name: 村党支部委员职责分工
        applies_to: {levels: [1], kinds: [branch], settings: [village]}
      - {key: roster, name: 社区干部坐班值班表, applies_to: {levels: [1], settings: [community]}}
      - {key: pilot-notes, name: 联系点工作台账, applies_to: {pilots: true}}
"""
TOWN_ONLY = "镇党委议事规则和决策程序"


@pytest.fixture
def catalogs(tree: Tree, people) -> Catalog:  # type: ignore[no-untyped-def]
    """The town's catalog, pushed down to its two branches: 东岭村 (a village and a pilot)
    and 西岭村 (here, a community)."""
    Organization.objects.filter(pk=tree.town.pk).update(setting=S.AGENCY)
    Organization.objects.filter(pk=tree.village.pk).update(setting=S.VILLAGE)
    Organization.objects.filter(pk=tree.sibling_village.pk).update(setting=S.COMMUNITY)
    for org in (tree.town, tree.village, tree.sibling_village):
        org.refresh_from_db()
    parsed = parse_yaml(CATALOG)
    assert parsed.errors == []
    catalog = services.create_catalog(tree.town, actor=people.office, title="目录", inherit=False)
    services.load_catalog_data(catalog, actor=people.office, data=parsed.data)
    services.publish_catalog(catalog, actor=people.office)
    services.push_down(catalog, actor=people.office)
    return catalog


def key(catalog: Catalog, local: str) -> str:
    return f"{catalog.pk}.{local}"


def offered(org: Organization) -> list[str]:
    applicable = applicable_catalog(org)
    assert applicable is not None
    return [local_key(item.key) for item in applicable.items]


def test_each_organization_is_offered_the_items_that_apply_to_it(tree, catalogs):
    assert offered(tree.town) == ["town-rules", "phones"]
    assert offered(tree.village) == ["phones", "duties", "pilot-notes"]
    assert offered(tree.sibling_village) == ["phones", "roster"]
    assert applicable_catalog(tree.other_town) is None


def test_a_clerk_cannot_start_a_disclosure_for_an_item_that_does_not_apply(tree, people, catalogs):
    with pytest.raises(ValidationError) as refused:
        workflow.create_disclosure(
            tree.village, actor=people.clerk, item_key=key(catalogs, "town-rules"), title="议事规则"
        )
    assert refused.value.messages == [
        "“镇党委议事规则和决策程序”不适用于东岭村党支部。适用范围：仅本级（青石镇党委）。"
    ]
    assert not Disclosure.objects.exists()
    made = workflow.create_disclosure(
        tree.village, actor=people.clerk, item_key=key(catalogs, "duties"), title="委员分工"
    )
    assert made.item.key == key(catalogs, "duties")


def test_the_api_refuses_a_draft_for_an_item_that_does_not_apply(tree, people, catalogs):
    api = ApiClient(people.clerk)
    refused = api.post(
        "/disclosures/",
        {"organization": "QS-01", "item_key": key(catalogs, "roster"), "title": "值班表"},
    )
    assert refused.status_code == 400
    assert refused.json()["detail"] == (
        "“社区干部坐班值班表”不适用于东岭村党支部。适用范围：下一级（社区）。"
    )
    assert not Disclosure.objects.exists()


def test_the_api_lists_an_organizations_items_and_says_where_each_applies(tree, people, catalogs):
    body = ApiClient().get("/organizations/QS-01/catalog").json()
    items = [item for category in body["categories"] for item in category["items"]]
    assert [item["name"] for item in items] == [
        "党务公开监督电话",
        "村党支部委员职责分工",
        "联系点工作台账",
    ]
    duties = items[1]
    assert duties["applies_to"] == {"levels": [1], "kinds": ["branch"], "settings": ["village"]}
    assert duties["applies_to_label"] == "下一级党支部（农村）"
    assert duties["escalate_after_days"] == 5
    town = ApiClient().get("/organizations/QS/catalog").json()
    assert TOWN_ONLY in [i["name"] for c in town["categories"] for i in c["items"]]


def test_the_to_do_list_offers_only_the_items_that_apply(tree, people, catalogs):
    html = client_for(people.clerk).get("/console/todo/").content.decode()
    assert "村党支部委员职责分工" in html and "联系点工作台账" in html
    assert TOWN_ONLY not in html and "社区干部坐班值班表" not in html


def test_the_draft_page_refuses_an_item_that_does_not_apply(tree, people, catalogs):
    client = client_for(people.clerk)
    response = client.get(
        "/console/disclosures/new", {"item": key(catalogs, "town-rules")}, follow=True
    )
    assert response.redirect_chain[-1][0].endswith("/console/todo/")
    assert "不适用于东岭村党支部" in response.content.decode()
    assert (
        client.get("/console/disclosures/new", {"item": key(catalogs, "duties")}).status_code == 200
    )


def test_a_village_page_does_not_list_the_town_committees_own_items(tree, people, catalogs, client):
    village = client.get("/o/QS-01/").content.decode()
    assert "村党支部委员职责分工" in village and "党务公开监督电话" in village
    assert TOWN_ONLY not in village and "社区干部坐班值班表" not in village
    assert TOWN_ONLY in client.get("/o/QS/").content.decode()
    assert client.get(f"/o/QS-01/items/{key(catalogs, 'town-rules')}/").status_code == 404
    assert client.get(f"/o/QS-01/items/{key(catalogs, 'duties')}/").status_code == 200


def test_the_catalog_page_says_where_each_item_applies(tree, people, catalogs):
    html = client_for(people.office).get("/console/catalog/").content.decode()
    for words in ("仅本级（青石镇党委）", "本级、下一级", "下一级党支部（农村）", "仅联系点"):
        assert words in html


def test_a_village_catalog_page_sets_the_town_committees_own_items_apart(tree, people, catalogs):
    principal = make_user("dl-principal", "东岭村书记")
    grant(principal, tree.village, Role.Kind.PRINCIPAL)
    html = client_for(principal).get("/console/catalog/").content.decode()
    listed, apart = html.split("<details>", 1)
    assert "村党支部委员职责分工" in listed and TOWN_ONLY not in listed
    assert "2 项上级事项只适用于其他党组织" in apart
    assert TOWN_ONLY in apart and "社区干部坐班值班表" in apart


def test_the_demo_town_is_held_to_its_own_items_and_its_villages_are_not(db, client):
    from gongkai.devtools.demo import load_demo

    load_demo()
    town = Organization.objects.get(code="QS")
    catalog = Catalog.objects.get(organization=town)
    full = {item.key: item for item in services.effective_catalog(catalog).items}
    own = {k for k, item in full.items() if item.value("applies_to") == {"levels": [0]}}
    town_items = {item.key for item in applicable_catalog(town).items}  # type: ignore[union-attr]
    assert own and own <= town_items
    assert "镇党委议事规则和决策程序" in {full[k].value("name") for k in own}
    for branch in Organization.objects.filter(parent=town):
        names = [item.value("name") for item in applicable_catalog(branch).items]  # type: ignore[union-attr]
        assert not {full[k].value("name") for k in own} & set(names), branch.name
        assert not [name for name in names if name.startswith(("镇党委", "镇级", "镇机构"))]
        assert "党员党费缴纳情况" in names
        is_village = branch.setting == S.VILLAGE
        assert ("村级集体“三资”管理和集体经济收益分配情况" in names) == is_village, branch.name
    village_page = client.get("/o/QS-02/").content.decode()
    assert "镇党委议事规则和决策程序" not in village_page
    assert "党员党费缴纳情况" in village_page


def test_which_items_apply_costs_no_query_per_item(tree, people, catalogs):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(org: Organization) -> int:
        with CaptureQueriesContext(connection) as captured:
            applicable = applicable_catalog(org)
            assert applicable is not None
            assert all(item.applies_label for item in applicable.items)
        return len(captured)

    cache.clear()
    cold = queries(tree.village), queries(tree.town)
    warm = queries(tree.village), queries(tree.town)
    catalogs.refresh_from_db()
    for n in range(10):
        services.save_item(
            catalogs,
            actor=people.office,
            values={"category_key": key(catalogs, "fixed"), "name": f"新增事项{n}",
                    "scope": "public", "timing": "standing", "applies_to": {"levels": [n % 2]}},
        )  # fmt: skip
    services.publish_catalog(catalogs, actor=people.office)
    village = Catalog.objects.get(organization=tree.village)
    services.accept_parent_change(village, actor=people.office)
    cache.clear()
    assert (queries(tree.village), queries(tree.town)) == cold
    assert (queries(tree.village), queries(tree.town)) == warm == (1, 1)


def test_a_built_in_templates_preview_says_where_each_item_applies(tree, people):
    html = (
        client_for(people.office)
        .get("/console/catalog/templates", {"show": "town-seven-categories"})
        .content.decode()
    )
    assert "镇党委重大决策" in html and "· 仅本级" in html
    assert "· 下一级（农村）" in html and "· 下一级党总支、党支部" in html
