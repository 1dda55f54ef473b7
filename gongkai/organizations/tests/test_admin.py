"""System administrators keep the tree in Django's admin; paths stay consistent."""

from gongkai.conftest import client_for
from gongkai.organizations.models import Organization


def test_an_administrator_adds_an_organization_and_it_gets_a_path_below_its_parent(people, tree):
    response = client_for(people.admin).post(
        "/admin/organizations/organization/add/",
        {
            "code": "QS-09",
            "name": "青山村党支部",
            "kind": "branch",
            "parent": tree.town.pk,
            "is_active": "on",
            "roles-TOTAL_FORMS": "0",
            "roles-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    org = Organization.objects.get(code="QS-09")
    assert org.path.startswith(tree.town.path) and org.depth == tree.town.depth + 1


def test_changing_the_parent_in_the_admin_moves_the_subtree(people, tree):
    response = client_for(people.admin).post(
        f"/admin/organizations/organization/{tree.town.pk}/change/",
        {
            "code": "QS",
            "name": "青石镇党委",
            "kind": "committee",
            "parent": tree.other_town.pk,
            "is_active": "on",
            "roles-TOTAL_FORMS": "0",
            "roles-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    tree.village.refresh_from_db()
    assert tree.village.path.startswith(tree.other_town.path)
    assert list(Organization.objects.subtree(tree.other_town).values_list("code", flat=True)) == [
        "BS",
        "BS-01",
        "QS",
        "QS-01",
        "QS-02",
    ]


def test_the_admin_catalog_pages_open(people, tree):
    client = client_for(people.admin)
    assert client.get("/admin/catalog/catalog/").status_code == 200
    assert client.get("/admin/organizations/role/").status_code == 200
