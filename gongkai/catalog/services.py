"""Rules that change catalogs. Console pages, imports, the demo loader and (later) the API
call these; each takes the acting person, checks the one permission predicate, and works in
one transaction.

Editing never touches a published row: a change writes a new row introduced in the draft
version (version + 1) and marks the old one retired in it; `publish_catalog` then makes the
draft the new version in one step.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext_lazy as _

from gongkai import permissions
from gongkai.catalog.effective import OVERRIDABLE, EffectiveItem, compare, effective_catalog
from gongkai.catalog.models import (
    ITEM_FIELDS,
    Catalog,
    CatalogVersion,
    Category,
    Domain,
    Item,
    ItemOverride,
)
from gongkai.organizations.models import Organization

NOT_ALLOWED = _("You may not change the catalog of %(org)s.")
ALREADY_HAS_CATALOG = _("%(org)s already has a catalog.")
NO_SUPERIOR_CATALOG = _("No superior organization of %(org)s has a catalog to inherit.")
ITEM_LOCKED = _(
    "“%(item)s” is locked by %(origin)s and cannot be changed or dropped by a subordinate."
)
UNKNOWN_ITEM = _("There is no item “%(key)s” in this catalog.")
UNKNOWN_CATEGORY = _("There is no category “%(key)s” in this catalog.")
NOTHING_TO_PUBLISH = _("The draft has no change to publish.")
NO_PENDING_CHANGE = _("There is no new superior catalog version to accept.")
CATEGORY_NOT_OWN = _("Only categories this organization added itself can be changed here.")
CATEGORY_DOMAIN = _("Choose the disclosure domain from the list.")
CATEGORY_NOT_EMPTY = _("The category still holds items; move or drop them first.")
DROP_REASON_REQUIRED = _("Say why the item is dropped.")


def _check(actor: Any, org: Organization) -> None:
    if not permissions.can_edit_catalog(actor, org):
        raise PermissionDenied(NOT_ALLOWED % {"org": org.name})


def new_key(catalog: Catalog, local: str | None = None) -> str:
    """Keys are namespaced by layer so two catalogs' items never collide."""
    return f"{catalog.pk}.{local or uuid.uuid4().hex[:12]}"


def local_key(key: str) -> str:
    return key.split(".", 1)[1] if "." in key else key


def nearest_superior_catalog(org: Organization) -> Catalog | None:
    return (
        Catalog.objects.filter(organization__in=org.ancestors())
        .select_related("organization")
        .order_by("-organization__depth")
        .first()
    )


@transaction.atomic
def create_catalog(
    org: Organization,
    *,
    actor: Any,
    title: str,
    source: str = "",
    notes: str = "",
    inherit: bool = True,
) -> Catalog:
    """Open a catalog layer for `org`, inheriting the nearest superior's (unless told not to).

    An inheriting layer publishes version 1 at once, built on the superior's current
    version, so the organization has a working catalog from the first minute.
    """
    _check(actor, org)
    if Catalog.objects.filter(organization=org).exists():
        raise ValidationError(ALREADY_HAS_CATALOG % {"org": org.name})
    parent = nearest_superior_catalog(org) if inherit else None
    catalog = Catalog.objects.create(
        organization=org,
        title=title,
        parent=parent,
        source=source,
        notes=notes,
        based_on_parent_version=parent.version if parent else 0,
    )
    if parent is not None:
        _record_version(catalog, actor=actor, note=str(_("Inherited from the superior catalog")))
    return catalog


def inherit_catalog(org: Organization, *, actor: Any) -> Catalog:
    parent = nearest_superior_catalog(org)
    if parent is None:
        raise ValidationError(NO_SUPERIOR_CATALOG % {"org": org.name})
    return create_catalog(org, actor=actor, title=parent.title, source=parent.title)


@transaction.atomic
def push_down(catalog: Catalog, *, actor: Any) -> int:
    """Give every organization below that has no catalog layer one inheriting from above
    (五统一). Returns how many layers were opened. Idempotent."""
    _check(actor, catalog.organization)
    opened = 0
    below = (
        catalog.organization.descendants()
        .filter(catalog__isnull=True, is_active=True)
        .order_by("path")  # superiors first, so each child finds its nearest layer
    )
    for org in below:
        parent = nearest_superior_catalog(org)
        assert parent is not None
        layer = Catalog.objects.create(
            organization=org,
            title=parent.title,
            parent=parent,
            source=parent.title,
            based_on_parent_version=parent.version,
        )
        _record_version(layer, actor=actor, note=str(_("Inherited from the superior catalog")))
        opened += 1
    return opened


def _record_version(catalog: Catalog, *, actor: Any, note: str) -> CatalogVersion:
    catalog.version += 1
    catalog.save(update_fields=["version", "based_on_parent_version"])
    return CatalogVersion.objects.create(
        catalog=catalog,
        number=catalog.version,
        parent_version=catalog.based_on_parent_version if catalog.parent_id else None,
        published_by=actor if getattr(actor, "pk", None) else None,
        note=note,
    )


def has_draft(catalog: Catalog) -> bool:
    draft = catalog.draft_version
    return any(
        model.objects.filter(catalog=catalog)
        .filter(Q(introduced_in=draft) | Q(retired_in=draft))
        .exists()
        for model in (Item, Category, ItemOverride)
    )


@transaction.atomic
def publish_catalog(catalog: Catalog, *, actor: Any, note: str = "") -> CatalogVersion:
    _check(actor, catalog.organization)
    catalog = Catalog.objects.select_for_update().get(pk=catalog.pk)
    if not has_draft(catalog):
        raise ValidationError(NOTHING_TO_PUBLISH)
    return _record_version(catalog, actor=actor, note=note)


@transaction.atomic
def discard_draft(catalog: Catalog, *, actor: Any) -> None:
    _check(actor, catalog.organization)
    draft = catalog.draft_version
    for model in (Item, Category, ItemOverride):
        model.objects.filter(catalog=catalog, introduced_in=draft).delete()
        model.objects.filter(catalog=catalog, retired_in=draft).update(retired_in=None)


@transaction.atomic
def accept_parent_change(catalog: Catalog, *, actor: Any) -> CatalogVersion:
    """Move the layer onto its superior's latest version. Local draft edits stay drafts."""
    _check(actor, catalog.organization)
    catalog = (
        Catalog.objects.select_for_update(of=("self",)).select_related("parent").get(pk=catalog.pk)
    )
    if not catalog.has_pending_change:
        raise ValidationError(NO_PENDING_CHANGE)
    assert catalog.parent is not None
    draft = catalog.draft_version
    # The acceptance takes version `draft`; unpublished edits move one version on.
    for model in (Item, Category, ItemOverride):
        model.objects.filter(catalog=catalog, retired_in=draft).update(retired_in=draft + 1)
        model.objects.filter(catalog=catalog, introduced_in=draft).update(introduced_in=draft + 1)
    catalog.based_on_parent_version = catalog.parent.version
    return _record_version(
        catalog,
        actor=actor,
        note=str(
            _("Accepted version %(version)d of the superior catalog")
            % {"version": catalog.parent.version}
        ),
    )


def pending_changes(catalog: Catalog) -> list:  # type: ignore[type-arg]
    """What accepting the superior's latest version would change, item by item."""
    if not catalog.has_pending_change:
        return []
    assert catalog.parent is not None
    before = effective_catalog(catalog.parent, catalog.based_on_parent_version)
    after = effective_catalog(catalog.parent, catalog.parent.version)
    return compare(before, after)


def draft_changes(catalog: Catalog) -> list:  # type: ignore[type-arg]
    """What publishing the draft would change."""
    before = effective_catalog(catalog, catalog.version) if catalog.version else None
    return compare(before, effective_catalog(catalog, catalog.draft_version))


def _current_row(
    model: type[Item] | type[Category] | type[ItemOverride], catalog: Catalog, key: str
):  # type: ignore[no-untyped-def]
    """The row for `key` in the draft: introduced in the draft, or published and not retired."""
    return (
        model.objects.filter(catalog=catalog, key=key)
        .at(catalog.draft_version)
        .order_by("-introduced_in")
        .first()
    )


def _next_position(model: type[Item] | type[Category], catalog: Catalog) -> int:
    top = model.objects.filter(catalog=catalog).aggregate(top=Max("position"))["top"]
    return (top or 0) + 1


def _replace(row: Any, catalog: Catalog, values: dict[str, Any]) -> Any:
    """Give `row` new values in the draft: in place if the draft introduced it, else by
    retiring it and writing a successor with the same key."""
    draft = catalog.draft_version
    if row.introduced_in == draft:
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
        return row
    row.retired_in = draft
    row.save(update_fields=["retired_in"])
    successor = type(row).objects.get(pk=row.pk)
    successor.pk = None
    successor.introduced_in = draft
    successor.retired_in = None
    for name, value in values.items():
        setattr(successor, name, value)
    successor.save()
    return successor


def _retire(row: Any, catalog: Catalog) -> None:
    if row.introduced_in == catalog.draft_version:
        row.delete()
    else:
        row.retired_in = catalog.draft_version
        row.save(update_fields=["retired_in"])


def _draft_item(catalog: Catalog, key: str) -> EffectiveItem:
    item = effective_catalog(catalog, catalog.draft_version).find(key)
    if item is None:
        raise ValidationError(UNKNOWN_ITEM % {"key": local_key(key)})
    return item


def _refuse_if_locked(catalog: Catalog, item: EffectiveItem) -> None:
    if item.inherited_by(catalog) and item.locked:
        raise ValidationError(
            ITEM_LOCKED % {"item": item.value("name"), "origin": item.origin.organization.name}
        )


@transaction.atomic
def save_item(
    catalog: Catalog, *, actor: Any, values: dict[str, Any], key: str | None = None
) -> str:
    """Add a local item (no key) or change one (own: any attribute; inherited and unlocked:
    the overridable attributes, recorded as an override). Returns the item's key."""
    _check(actor, catalog.organization)
    values = {k: v for k, v in values.items() if k in ITEM_FIELDS}
    if key is None:
        key = new_key(catalog)
        Item.objects.create(
            catalog=catalog,
            key=key,
            introduced_in=catalog.draft_version,
            position=_next_position(Item, catalog),
            **values,
        )
        return key
    target = _draft_item(catalog, key)
    if not target.inherited_by(catalog):
        row = _current_row(Item, catalog, key)
        _replace(row, catalog, values)
        return key
    _refuse_if_locked(catalog, target)
    changes = {
        name: value
        for name, value in values.items()
        if name in OVERRIDABLE and value != getattr(target.item, name)
    }
    override = _current_row(ItemOverride, catalog, key)
    if override is None:
        if changes:
            ItemOverride.objects.create(
                catalog=catalog, key=key, introduced_in=catalog.draft_version, changes=changes
            )
    elif changes:
        _replace(override, catalog, {"changes": changes, "dropped": False})
    else:
        _retire(override, catalog)  # back to what the superior says
    return key


@transaction.atomic
def drop_item(catalog: Catalog, *, actor: Any, key: str, reason: str = "") -> None:
    _check(actor, catalog.organization)
    target = _draft_item(catalog, key)
    if not target.inherited_by(catalog):
        _retire(_current_row(Item, catalog, key), catalog)
        return
    _refuse_if_locked(catalog, target)
    if not reason.strip():
        raise ValidationError(DROP_REASON_REQUIRED)
    override = _current_row(ItemOverride, catalog, key)
    if override is None:
        ItemOverride.objects.create(
            catalog=catalog,
            key=key,
            introduced_in=catalog.draft_version,
            dropped=True,
            reason=reason.strip(),
        )
    else:
        _replace(override, catalog, {"dropped": True, "reason": reason.strip(), "changes": {}})


@transaction.atomic
def restore_item(catalog: Catalog, *, actor: Any, key: str) -> None:
    """Take back a drop of an inherited item."""
    _check(actor, catalog.organization)
    override = _current_row(ItemOverride, catalog, key)
    if override is None or not override.dropped:
        raise ValidationError(UNKNOWN_ITEM % {"key": local_key(key)})
    _retire(override, catalog)


@transaction.atomic
def save_category(
    catalog: Catalog,
    *,
    actor: Any,
    name: str,
    description: str = "",
    domain: str = Domain.PARTY,
    key: str | None = None,
) -> str:
    _check(actor, catalog.organization)
    if domain not in Domain.values:
        raise ValidationError(CATEGORY_DOMAIN)
    if key is None:
        key = new_key(catalog)
        Category.objects.create(
            catalog=catalog,
            key=key,
            introduced_in=catalog.draft_version,
            name=name,
            description=description,
            domain=domain,
            position=_next_position(Category, catalog),
        )
        return key
    row = _current_row(Category, catalog, key)
    if row is None:
        raise ValidationError(CATEGORY_NOT_OWN)
    _replace(row, catalog, {"name": name, "description": description, "domain": domain})
    return key


@transaction.atomic
def drop_category(catalog: Catalog, *, actor: Any, key: str) -> None:
    _check(actor, catalog.organization)
    row = _current_row(Category, catalog, key)
    if row is None:
        raise ValidationError(CATEGORY_NOT_OWN)
    draft = effective_catalog(catalog, catalog.draft_version)
    if any(c.key == key and c.items for c in draft.categories):
        raise ValidationError(CATEGORY_NOT_EMPTY)
    _retire(row, catalog)


@transaction.atomic
def load_catalog_data(catalog: Catalog, *, actor: Any, data: dict[str, Any]) -> int:
    """Write imported categories and items into the layer's draft, replacing the layer's own
    categories and items (inherited ones are untouched). Returns the number of items.

    `data` is what catalog.exchange parses and validates: {"categories": [{"key", "name",
    "description", "items": [{"key", <ITEM_FIELDS>}]}]}.
    """
    _check(actor, catalog.organization)
    draft = catalog.draft_version
    for model in (Item, Category):
        model.objects.filter(catalog=catalog, introduced_in=draft).delete()
        model.objects.filter(catalog=catalog, retired_in__isnull=True).update(retired_in=draft)
    # Keys from the file are local; importing the same key again keeps the item's identity
    # (the retired row and its successor share it), so disclosures and overrides still match.
    count = 0
    for c_pos, category in enumerate(data["categories"], start=1):
        category_key = new_key(catalog, category.get("key") or None)
        Category.objects.create(
            catalog=catalog,
            key=category_key,
            introduced_in=draft,
            name=category["name"],
            description=category.get("description", ""),
            domain=category.get("domain") or Domain.PARTY,
            position=c_pos,
        )
        for i_pos, values in enumerate(category["items"], start=1):
            key = new_key(catalog, values.get("key") or None)
            fields = {k: v for k, v in values.items() if k in ITEM_FIELDS}
            fields["category_key"] = category_key
            Item.objects.create(
                catalog=catalog,
                key=key,
                introduced_in=draft,
                position=c_pos * 1000 + i_pos,
                **fields,
            )
            count += 1
    if data.get("title"):
        catalog.title = data["title"]
    for attribute in ("source", "notes"):
        if data.get(attribute):
            setattr(catalog, attribute, data[attribute])
    catalog.save()
    return count
