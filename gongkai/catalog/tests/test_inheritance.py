"""五统一: a superior's catalog arrives below; locked items stay as they are; local items and
adaptations stay local; a new superior version waits as a change to accept."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongkai.catalog import services
from gongkai.catalog.effective import effective_catalog
from gongkai.catalog.models import Catalog, Scope

from .conftest import item_values


def names(catalog: Catalog, version: int | None = None) -> list[str]:
    return [i.value("name") for i in effective_catalog(catalog, version).items]


def key_of(catalog: Catalog, name: str) -> str:
    return next(
        i.key
        for i in effective_catalog(catalog, catalog.draft_version).items
        if i.value("name") == name
    )


def test_a_branch_inherits_every_item_of_the_town_catalog(town_catalog, village_catalog):
    assert village_catalog.version == 1
    assert village_catalog.based_on_parent_version == 1
    assert names(village_catalog) == names(town_catalog)
    assert all(i.inherited_by(village_catalog) for i in effective_catalog(village_catalog).items)


def test_push_down_opens_a_layer_for_every_organization_below_and_is_idempotent(
    tree, people, town_catalog
):
    assert services.push_down(town_catalog, actor=people.office) == 2
    assert services.push_down(town_catalog, actor=people.office) == 0
    for org in (tree.village, tree.sibling_village):
        assert names(Catalog.objects.get(organization=org)) == names(town_catalog)


def test_a_branch_cannot_change_a_locked_item(town_catalog, village_catalog, people):
    key = key_of(village_catalog, "党员党费缴纳情况")
    with pytest.raises(ValidationError) as excinfo:
        services.save_item(village_catalog, actor=people.reviewer, key=key, values={"name": "改名"})
    assert "锁定" in str(excinfo.value) or "locked" in str(excinfo.value)


def test_a_branch_cannot_drop_a_locked_item(town_catalog, village_catalog, people):
    key = key_of(village_catalog, "组织设置和人员分工")
    with pytest.raises(ValidationError):
        services.drop_item(village_catalog, actor=people.reviewer, key=key, reason="不需要")
    assert "组织设置和人员分工" in names(village_catalog, village_catalog.draft_version)


def test_a_branch_adapts_an_unlocked_item_for_itself_only_after_publishing(
    town_catalog, village_catalog, people
):
    key = key_of(village_catalog, "监督小组组成人员及监督电话")
    services.save_item(
        village_catalog, actor=people.reviewer, key=key, values={"responsible_unit": "东岭村委会"}
    )
    published = effective_catalog(village_catalog).find(key)
    assert published is not None and published.value("responsible_unit") == ""
    services.publish_catalog(village_catalog, actor=people.reviewer)
    village_catalog.refresh_from_db()
    adapted = effective_catalog(village_catalog).find(key)
    assert adapted is not None and adapted.value("responsible_unit") == "东岭村委会"
    town_item = effective_catalog(town_catalog).find(key)
    assert town_item is not None and town_item.value("responsible_unit") == ""


def test_dropping_an_unlocked_inherited_item_needs_a_reason_and_can_be_restored(
    town_catalog, village_catalog, people
):
    key = key_of(village_catalog, "监督小组组成人员及监督电话")
    with pytest.raises(ValidationError):
        services.drop_item(village_catalog, actor=people.reviewer, key=key, reason=" ")
    services.drop_item(
        village_catalog, actor=people.reviewer, key=key, reason="本村监督电话与镇统一"
    )
    draft = effective_catalog(village_catalog, village_catalog.draft_version)
    assert draft.find(key) is None
    assert [d.override.reason for d in draft.dropped if d.override] == ["本村监督电话与镇统一"]
    services.restore_item(village_catalog, actor=people.reviewer, key=key)
    assert effective_catalog(village_catalog, village_catalog.draft_version).find(key) is not None


def test_a_local_item_stays_in_its_own_branch(tree, people, town_catalog, village_catalog):
    services.push_down(town_catalog, actor=people.office)
    services.save_item(
        village_catalog,
        actor=people.reviewer,
        values=item_values(category_key=effective_catalog(village_catalog).categories[0].key),
    )
    services.publish_catalog(village_catalog, actor=people.reviewer)
    village_catalog.refresh_from_db()
    assert "村级集体经济项目进展" in names(village_catalog)
    assert "村级集体经济项目进展" not in names(town_catalog)
    assert "村级集体经济项目进展" not in names(
        Catalog.objects.get(organization=tree.sibling_village)
    )


def test_a_new_town_version_waits_below_as_a_change_to_accept(
    town_catalog, village_catalog, people
):
    key = key_of(town_catalog, "党员党费缴纳情况")
    services.save_item(
        town_catalog,
        actor=people.office,
        key=key,
        values={**_values_of(town_catalog, key), "deadline_days": 15},
    )
    services.save_item(
        town_catalog,
        actor=people.office,
        values=item_values(
            category_key=effective_catalog(town_catalog).categories[0].key, name="新增事项"
        ),
    )
    services.publish_catalog(town_catalog, actor=people.office, note="v2")
    village_catalog.refresh_from_db()

    assert village_catalog.has_pending_change
    assert list(Catalog.objects.with_pending_change()) == [village_catalog]
    # Until accepted, the branch keeps working with what it accepted.
    assert effective_catalog(village_catalog).find(key).value("deadline_days") == 10
    changes = {
        c.after.value("name") if c.after else c.before.value("name"): c
        for c in services.pending_changes(village_catalog)
    }
    assert changes["党员党费缴纳情况"].kind == "changed" and changes["党员党费缴纳情况"].fields == [
        "deadline_days"
    ]
    assert changes["新增事项"].kind == "added"

    version = services.accept_parent_change(village_catalog, actor=people.reviewer)
    village_catalog.refresh_from_db()
    assert version.number == 2 and version.parent_version == 2
    assert not village_catalog.has_pending_change
    assert effective_catalog(village_catalog).find(key).value("deadline_days") == 15
    assert "新增事项" in names(village_catalog)


def test_accepting_a_change_keeps_local_draft_edits_as_drafts(
    town_catalog, village_catalog, people
):
    services.save_item(
        village_catalog,
        actor=people.reviewer,
        values=item_values(category_key="x", name="草稿事项"),
    )
    key = key_of(town_catalog, "党员党费缴纳情况")
    services.save_item(
        town_catalog,
        actor=people.office,
        key=key,
        values={**_values_of(town_catalog, key), "deadline_days": 20},
    )
    services.publish_catalog(town_catalog, actor=people.office)
    village_catalog.refresh_from_db()
    services.accept_parent_change(village_catalog, actor=people.reviewer)
    village_catalog.refresh_from_db()
    assert "草稿事项" not in names(village_catalog)
    assert "草稿事项" in names(village_catalog, village_catalog.draft_version)
    assert services.has_draft(village_catalog)


def test_a_published_version_never_changes(town_catalog, village_catalog, people):
    before = [i.snapshot() for i in effective_catalog(village_catalog, 1).items]
    key = key_of(town_catalog, "党员党费缴纳情况")
    services.save_item(
        town_catalog,
        actor=people.office,
        key=key,
        values={**_values_of(town_catalog, key), "name": "党费"},
    )
    services.publish_catalog(town_catalog, actor=people.office)
    village_catalog.refresh_from_db()
    services.accept_parent_change(village_catalog, actor=people.reviewer)
    from django.core.cache import cache

    cache.clear()  # prove it from the rows, not from the cache
    village_catalog.refresh_from_db()
    assert [i.snapshot() for i in effective_catalog(village_catalog, 1).items] == before
    assert "党费" in names(village_catalog, 2)


def test_a_lock_set_by_the_county_holds_two_levels_down(tree, people):
    from gongkai.conftest import grant
    from gongkai.organizations.models import Role

    county_office = people.outsider
    grant(county_office, tree.county, Role.Kind.OFFICE)
    county_office.__dict__.pop("_roles_cache", None)
    county = services.create_catalog(
        tree.county, actor=county_office, title="县目录", inherit=False
    )
    key = services.save_item(
        county,
        actor=county_office,
        values=item_values(category_key="c", name="县统一事项", locked=True),
    )
    services.publish_catalog(county, actor=county_office)
    town = services.inherit_catalog(tree.town, actor=people.office)
    village = services.inherit_catalog(tree.village, actor=people.office)
    assert effective_catalog(village).find(key).origin == county
    with pytest.raises(ValidationError):
        services.save_item(town, actor=people.office, key=key, values={"name": "x"})
    with pytest.raises(ValidationError):
        services.drop_item(village, actor=people.office, key=key, reason="x")


def test_a_clerk_may_not_change_the_catalog(town_catalog, people):
    with pytest.raises(PermissionDenied):
        services.save_item(town_catalog, actor=people.clerk, values=item_values(category_key="c"))
    with pytest.raises(PermissionDenied):
        services.publish_catalog(town_catalog, actor=people.member)


def test_publishing_without_a_change_is_refused(town_catalog, people):
    with pytest.raises(ValidationError):
        services.publish_catalog(town_catalog, actor=people.office)


def test_discarding_the_draft_restores_the_published_rows(town_catalog, people):
    key = key_of(town_catalog, "党员党费缴纳情况")
    services.drop_item(town_catalog, actor=people.office, key=key)
    services.save_item(town_catalog, actor=people.office, values=item_values(category_key="c"))
    services.discard_draft(town_catalog, actor=people.office)
    assert not services.has_draft(town_catalog)
    assert names(town_catalog, town_catalog.draft_version) == names(town_catalog)


def test_a_scope_override_is_shown_with_its_own_label(town_catalog, village_catalog, people):
    key = key_of(village_catalog, "监督小组组成人员及监督电话")
    services.save_item(
        village_catalog, actor=people.reviewer, key=key, values={"scope": Scope.INSTITUTION}
    )
    item = effective_catalog(village_catalog, village_catalog.draft_version).find(key)
    assert item.scope_label == str(Scope.INSTITUTION.label)


def _values_of(catalog: Catalog, key: str) -> dict:
    item = effective_catalog(catalog, catalog.draft_version).find(key)
    return {name: item.value(name) for name in services.ITEM_FIELDS}
