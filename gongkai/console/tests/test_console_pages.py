"""The console shows each person what their roles allow, and refuses the rest."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from gongkai.catalog import services
from gongkai.catalog.models import Catalog
from gongkai.catalog.tests.conftest import TOWN_YAML
from gongkai.conftest import client_for


@pytest.fixture
def town_catalog(tree, people):  # type: ignore[no-untyped-def]
    from gongkai.catalog.exchange import parse_yaml

    catalog = services.create_catalog(
        tree.town, actor=people.office, title="青石镇目录", inherit=False
    )
    services.load_catalog_data(catalog, actor=people.office, data=parse_yaml(TOWN_YAML).data)
    services.publish_catalog(catalog, actor=people.office)
    services.push_down(catalog, actor=people.office)
    catalog.refresh_from_db()
    return catalog


def test_anonymous_visitors_are_sent_to_sign_in(db, client):
    response = client.get("/console/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_people_without_a_staff_role_are_refused_in_chinese(people, persona):
    response = client_for(getattr(people, persona)).get("/console/")
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("persona", "expected_links"),
    [
        (
            "clerk",
            {
                "概览",
                "我的待办",
                "意见建议",
                "应公开事项",
                "点题公开",
                "公开栏",
                "公开情况统计",
                "依申请公开",
                "我的通知",
                "组织架构",
                "本组织",
                "公开目录",
                "目录版本",
                "考核",
                "问题与整改",
                "责任追究记录",
            },
        ),
        (
            "office",
            {
                "概览",
                "我的待办",
                "意见建议",
                "我的通知",
                "应公开事项",
                "点题公开",
                "公开栏",
                "公开情况统计",
                "依申请公开",
                "组织架构",
                "本组织",
                "导入党组织",
                "公开目录",
                "内置目录模板",
                "下级目录接收情况",
                "目录版本",
                "工作情况报告",
                "考核",
                "问题与整改",
                "责任追究记录",
                "监督员查阅记录",
            },
        ),
        (
            "admin",
            {
                "概览",
                "我的待办",
                "意见建议",
                "我的通知",
                "应公开事项",
                "点题公开",
                "公开栏",
                "公开情况统计",
                "依申请公开",
                "组织架构",
                "本组织",
                "导入党组织",
                "公开目录",
                "目录版本",
                "工作情况报告",
                "考核",
                "系统管理",
                "节假日安排通知",
                "问题与整改",
                "责任追究记录",
                "监督员查阅记录",
            },
        ),
    ],
)
def test_the_menu_shows_only_what_the_roles_allow(people, persona, expected_links):
    html = client_for(getattr(people, persona)).get("/console/").content.decode()
    import re

    nav = re.search(r'<nav class="side.*?</nav>', html, re.S).group(0)
    links = set(re.findall(r"<a [^>]*>([^<]+)</a>", nav))
    assert links == expected_links


def test_a_clerk_reads_the_catalog_but_cannot_change_it(people, town_catalog, tree):
    client = client_for(people.clerk)
    page = client.get("/console/catalog/")
    assert page.status_code == 200
    assert "党员党费缴纳情况" in page.content.decode()
    assert "发布草稿" not in page.content.decode()
    assert client.post("/console/catalog/publish").status_code == 403
    assert client.get("/console/catalog/items/new").status_code == 403


def test_an_organization_outside_the_reach_does_not_open(people, tree):
    client = client_for(people.clerk)
    assert client.get(f"/console/orgs/{tree.village.code}/").status_code == 200
    assert client.get(f"/console/orgs/{tree.unrelated_village.code}/").status_code == 403
    assert client.get("/console/orgs/NOPE/").status_code == 404


def test_the_switcher_refuses_an_organization_outside_the_reach(people, tree):
    client = client_for(people.office)
    assert client.post("/console/switch", {"org": tree.village.code}).status_code == 302
    assert client.session["console_org"] == tree.village.pk
    assert client.post("/console/switch", {"org": tree.unrelated_village.code}).status_code == 403
    assert client.session["console_org"] == tree.village.pk


def test_the_switcher_does_not_redirect_off_site(people, tree):
    response = client_for(people.office).post(
        "/console/switch", {"org": tree.town.code, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/console/"


def test_the_organization_search_only_finds_what_is_within_reach(people, tree):
    html = client_for(people.office).get("/console/orgs/search", {"q": "村"}).content.decode()
    assert "东岭村党支部" in html and "西岭村党支部" in html
    assert "白沙村党支部" not in html


def test_the_exported_workbook_holds_the_published_catalog(people, town_catalog):
    response = client_for(people.office).get("/console/catalog/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    names = [row[2] for row in book["目录"].iter_rows(min_row=2, values_only=True)]
    assert names == ["组织设置和人员分工", "监督小组组成人员及监督电话", "党员党费缴纳情况"]


def test_a_village_accepts_a_pending_change_through_the_console(people, tree, town_catalog):
    from gongkai.catalog.effective import effective_catalog
    from gongkai.conftest import grant
    from gongkai.organizations.models import Role

    key = effective_catalog(town_catalog).items[1].key
    services.drop_item(town_catalog, actor=people.office, key=key)
    services.publish_catalog(town_catalog, actor=people.office)
    grant(people.reviewer, tree.village, Role.Kind.PRINCIPAL)
    client = client_for(people.reviewer)
    assert "已发布公开目录第 2 版" in client.get("/console/catalog/").content.decode()
    assert "监督小组组成人员及监督电话" in client.get("/console/catalog/pending").content.decode()
    client.post("/console/catalog/accept")
    layer = Catalog.objects.get(organization=tree.village)
    assert layer.based_on_parent_version == 2 and not layer.has_pending_change


def test_a_bad_upload_lists_every_problem_and_imports_nothing(people, town_catalog):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(people.office)
    bad = TOWN_YAML.replace("scope: party", "scope: 宇宙").replace(
        "timing: standing", "timing: 永远"
    )
    response = client.post(
        "/console/catalog/import", {"file": SimpleUploadedFile("目录.yaml", bad.encode())}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "未导入任何内容" in html and "宇宙" in html and "永远" in html
    assert not services.has_draft(Catalog.objects.get(pk=town_catalog.pk))


@pytest.mark.parametrize(
    ("domain", "label"),
    [("party", "党务公开"), ("government", "政务公开"), ("village", "村务公开")],
)
def test_the_office_sets_a_categorys_disclosure_domain(people, town_catalog, domain, label):
    from gongkai.catalog.effective import effective_catalog

    client = client_for(people.office)
    form = client.get("/console/catalog/categories/new").content.decode()
    assert "公开领域" in form and label in form
    client.post(
        "/console/catalog/categories/new",
        {"name": "村级财务收支", "description": "", "domain": domain},
    )
    catalog = Catalog.objects.get(pk=town_catalog.pk)
    draft = effective_catalog(catalog, catalog.draft_version)
    added = next(c for c in draft.categories if c.name == "村级财务收支")
    assert added.domain == domain
    # Edited: the form shows the domain it has, and a change of domain is kept.
    edit = f"/console/catalog/categories/{added.key}/edit"
    assert re.search(rf'<option value="{domain}" selected>', client.get(edit).content.decode())
    other = "party" if domain != "party" else "village"
    client.post(edit, {"name": "村级财务收支", "description": "", "domain": other})
    draft = effective_catalog(catalog, catalog.draft_version)
    assert next(c for c in draft.categories if c.key == added.key).domain == other
    # Not one of the three: refused in Chinese, what was typed kept, nothing saved.
    refused = client.post(edit, {"name": "改名", "description": "", "domain": "宇宙"})
    assert refused.status_code == 200 and "宇宙" not in str(draft.categories)
    assert 'value="改名"' in refused.content.decode() and "选择" in refused.content.decode()


def test_an_item_form_error_keeps_what_was_typed(people, town_catalog):
    response = client_for(people.office).post(
        "/console/catalog/items/new",
        {
            "category_key": "x",
            "name": "镇级重点项目",
            "scope": "public",
            "timing": "periodic",
            "responsible_unit": "党政办",
        },
    )
    html = response.content.decode()
    assert "定期公开的事项须选择周期" in html
    assert 'value="镇级重点项目"' in html and 'value="党政办"' in html


def test_loading_a_builtin_template_fills_the_draft(people, tree):
    from gongkai.conftest import grant
    from gongkai.organizations.models import Role

    grant(people.outsider, tree.other_town, Role.Kind.OFFICE)
    client = client_for(people.outsider)
    client.post("/console/switch", {"org": tree.other_town.code})
    client.post("/console/catalog/start", {"template": "town-branch"})
    catalog = Catalog.objects.get(organization=tree.other_town)
    assert catalog.version == 0 and services.has_draft(catalog)
    client.post("/console/catalog/publish", {"note": "首版"})
    catalog.refresh_from_db()
    assert catalog.version == 1


def test_the_office_says_where_an_organization_works(people, tree):
    client = client_for(people.office)
    form = client.get("/console/orgs/QS-01/edit").content.decode()
    assert "所在领域" in form and "农村" in form and "社区" in form
    response = client.post(
        "/console/orgs/QS-01/edit",
        {"code": "QS-01", "name": "东岭村党支部", "kind": "branch", "setting": "village",
         "is_pilot": "on", "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    tree.village.refresh_from_db()
    assert tree.village.setting == "village"
    assert "<th>所在领域</th><td>农村</td>" in client.get("/console/orgs/QS-01/").content.decode()
