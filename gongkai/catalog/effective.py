"""What a catalog layer *means* at a version: its superiors' items as it accepted them, its
own overrides applied, its own categories and items added.

Published versions never change, so an effective catalog can be cached forever under
(layer, version); the draft (version + 1) is computed fresh every time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from gongkai.catalog.applicability import applies, applies_within, describe
from gongkai.catalog.models import (
    ITEM_FIELDS,
    Catalog,
    CatalogVersion,
    Category,
    Channel,
    DeadlineBasis,
    Item,
    ItemOverride,
    Period,
    Scope,
    Timing,
)
from gongkai.organizations.models import Organization

#: Attributes a subordinate layer may change on an inherited item that is not locked.
# Not the category (it is the superior's structure), nor whether it is a major matter, its
# form, its lock, where it applies or when lateness is escalated: those stay as the superior
# set them (a subordinate that has no use for an unlocked item drops it).
SUPERIOR_ONLY = (
    "category_key",
    "major_matter",
    "form",
    "locked",
    "applies_to",
    "escalate_after_days",
)
OVERRIDABLE = tuple(name for name in ITEM_FIELDS if name not in SUPERIOR_ONLY)
#: Attributes compared when telling what changed between two versions.
COMPARED = (*OVERRIDABLE, *SUPERIOR_ONLY)

#: Working days overdue after which an item's lateness is reported to the superior, where the
#: item does not say (`Item.escalate_after_days`).
DEFAULT_ESCALATE_AFTER_DAYS = 5

UNCATEGORISED = "_uncategorised"
UNCATEGORISED_NAME = _("Other items")


@dataclass
class EffectiveItem:
    """An item as one layer sees it. Attribute reads fall through to the defining row,
    except where the layer's override changed them."""

    item: Item
    origin: Catalog
    changes: dict[str, Any] = field(default_factory=dict)
    override: ItemOverride | None = None
    #: True when a layer between the origin and the viewer (inclusive of origin) locked it.
    locked: bool = False

    def __getattr__(self, name: str) -> Any:
        if name in ("item", "changes"):
            raise AttributeError(name)
        if name in self.changes:
            return self.changes[name]
        return getattr(self.item, name)

    @property
    def key(self) -> str:
        return self.item.key

    def value(self, name: str) -> Any:
        if name == "locked":
            return self.locked
        return self.changes.get(name, getattr(self.item, name))

    def snapshot(self) -> dict[str, Any]:
        return {name: self.value(name) for name in COMPARED}

    def inherited_by(self, catalog: Catalog) -> bool:
        return self.origin.pk != catalog.pk

    # Labels for templates (they reflect overrides, which get_FOO_display would not).
    @property
    def scope_label(self) -> str:
        return str(Scope(self.value("scope")).label)

    @property
    def timing_label(self) -> str:
        return str(Timing(self.value("timing")).label)

    @property
    def period_label(self) -> str:
        period = self.value("period")
        return str(Period(period).label) if period else ""

    @property
    def deadline_basis_label(self) -> str:
        basis = self.value("deadline_basis")
        return str(DeadlineBasis(basis).label) if basis else ""

    @property
    def applies_label(self) -> str:
        """Where the item applies, in a few words (`applicability.describe`)."""
        return describe(self.value("applies_to"), self.origin.organization)

    @property
    def channel_labels(self) -> list[str]:
        labels = dict(Channel.choices)
        return [str(labels.get(c, c)) for c in self.value("channels") or []]


def escalate_after_days(item: EffectiveItem) -> int:
    """Working days overdue after which the superior is alerted about `item`."""
    days = item.value("escalate_after_days")
    return DEFAULT_ESCALATE_AFTER_DAYS if days is None else int(days)


@dataclass
class EffectiveCategory:
    key: str
    name: str
    description: str
    origin: Catalog | None
    items: list[EffectiveItem] = field(default_factory=list)
    #: 党务 / 政务 / 村务 (`Domain`): party affairs unless the category says otherwise.
    domain: str = "party"


@dataclass
class EffectiveCatalog:
    catalog: Catalog
    version: int
    categories: list[EffectiveCategory]
    #: Items the layer dropped (shown greyed, restorable).
    dropped: list[EffectiveItem] = field(default_factory=list)

    @property
    def items(self) -> list[EffectiveItem]:
        return [item for category in self.categories for item in category.items]

    def by_key(self) -> dict[str, EffectiveItem]:
        return {item.key: item for item in self.items}

    def find(self, key: str) -> EffectiveItem | None:
        return self.by_key().get(key)

    def for_organization(self, org: Organization) -> EffectiveCatalog:
        """The items that apply to `org` (`applicability.applies`), which holds this layer:
        what its to-do list offers, what it may draft, what its page lists. A category
        left without items is left out; one that was empty anyway stays."""
        return self._keeping(lambda item: applies(item, org))

    def within(self, org: Organization) -> EffectiveCatalog:
        """The items that apply to `org` or may apply below it (`applies_within`): what the
        layer's own catalog page lists; the rest belong to other organizations."""
        return self._keeping(lambda item: applies_within(item, org))

    def elsewhere(self, org: Organization) -> list[EffectiveItem]:
        """The items `within` leaves out."""
        return [item for item in self.items if not applies_within(item, org)]

    def _keeping(self, keep: Callable[[EffectiveItem], bool]) -> EffectiveCatalog:
        categories = []
        for category in self.categories:
            items = [item for item in category.items if keep(item)]
            if items or not category.items:
                categories.append(replace(category, items=items))
        return replace(self, categories=categories)


def applicable_catalog(org: Organization) -> EffectiveCatalog | None:
    """The items of `org`'s published catalog that apply to `org`, or None when it has no
    published catalog: the one function every surface asks "which items are ours?"."""
    catalog = Catalog.objects.filter(organization=org, version__gt=0).first()
    if catalog is None:
        return None
    catalog.organization = org  # spare the query: the layer belongs to `org`
    return effective_catalog(catalog).for_organization(org)


def parent_version_at(catalog: Catalog, version: int) -> int:
    """Which version of its parent the layer's `version` is built on (the draft uses the
    latest accepted one)."""
    if catalog.parent_id is None:
        return 0
    if version > catalog.version:
        return catalog.based_on_parent_version
    recorded = (
        CatalogVersion.objects.filter(catalog=catalog, number=version)
        .values_list("parent_version", flat=True)
        .first()
    )
    return recorded or 0


#: Bumped when the tree changes shape: a resolved catalog remembers each layer's depth
#: (levels in `applies_to` are counted from it), so a move makes every cached one stale.
_GENERATION_KEY = "catalog:effective:generation"


#: A published version never changes, but a tree move made while the shared cache was
#: unreachable could not bump the generation (gongkai.web.cache): an hour bounds that.
RESOLVED_KEPT = 3600


def _cache_key(catalog: Catalog, version: int) -> str:
    generation = cache.get(_GENERATION_KEY, 0)
    return f"catalog:effective:{generation}:{catalog.pk}:{version}"


def forget_resolved(**_: object) -> None:
    """Drop every cached effective catalog (the tree moved)."""
    try:
        cache.incr(_GENERATION_KEY)
    except ValueError:
        cache.set(_GENERATION_KEY, 1, timeout=None)


def effective_catalog(catalog: Catalog, version: int | None = None) -> EffectiveCatalog:
    """The layer's catalog at `version` (default: the latest published one)."""
    if version is None:
        version = catalog.version
    cacheable = version <= catalog.version
    if cacheable:
        cached = cache.get(_cache_key(catalog, version))
        if cached is not None:
            return cached  # type: ignore[no-any-return]
    result = _resolve(catalog, version)
    if cacheable:
        cache.set(_cache_key(catalog, version), result, timeout=RESOLVED_KEPT)
    return result


def _chain(catalog: Catalog, version: int) -> list[tuple[Catalog, int]]:
    """(layer, version) from the root layer down to `catalog`."""
    chain = [(catalog, version)]
    current, current_version = catalog, version
    while current.parent_id is not None:
        parent = Catalog.objects.select_related("organization").get(pk=current.parent_id)
        current_version = parent_version_at(current, current_version)
        current = parent
        chain.append((current, current_version))
    chain.reverse()
    return chain


def _resolve(catalog: Catalog, version: int) -> EffectiveCatalog:
    items: dict[str, EffectiveItem] = {}
    dropped: dict[str, EffectiveItem] = {}
    categories: dict[str, tuple[Category, Catalog]] = {}
    for layer, layer_version in _chain(catalog, version):
        if layer_version == 0 and layer.pk != catalog.pk:
            continue  # a superior with nothing published yet passes nothing down
        for override in ItemOverride.objects.at(layer_version).filter(catalog=layer):
            target = items.get(override.key)
            if target is None or target.locked:
                continue  # the item is gone upstream, or locked: the override no longer applies
            if override.dropped:
                dropped[override.key] = items.pop(override.key)
                dropped[override.key].override = override
            else:
                target.changes = {k: v for k, v in override.changes.items() if k in OVERRIDABLE}
                target.override = override
        for category in Category.objects.at(layer_version).filter(catalog=layer):
            categories[category.key] = (category, layer)
        for item in Item.objects.at(layer_version).filter(catalog=layer):
            items[item.key] = EffectiveItem(item=item, origin=layer, locked=item.locked)

    grouped: dict[str, EffectiveCategory] = {}
    ordered = sorted(
        categories.values(),
        key=lambda pair: (pair[1].organization.depth, pair[0].position, pair[0].pk),
    )
    for category, layer in ordered:
        grouped[category.key] = EffectiveCategory(
            key=category.key,
            name=category.name,
            description=category.description,
            origin=layer,
            domain=category.domain,
        )
    for item in sorted(
        items.values(), key=lambda i: (i.origin.organization.depth, i.item.position, i.item.pk)
    ):
        category_key = item.value("category_key")
        if category_key not in grouped:
            grouped.setdefault(
                UNCATEGORISED,
                EffectiveCategory(UNCATEGORISED, str(UNCATEGORISED_NAME), "", None),
            )
            category_key = UNCATEGORISED
        grouped[category_key].items.append(item)
    return EffectiveCatalog(
        catalog=catalog,
        version=version,
        categories=list(grouped.values()),
        dropped=list(dropped.values()),
    )


@dataclass
class ItemChange:
    key: str
    before: EffectiveItem | None
    after: EffectiveItem | None
    fields: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"


def compare(before: EffectiveCatalog | None, after: EffectiveCatalog) -> list[ItemChange]:
    """Items added, removed or changed from `before` to `after`, in `after`'s order."""
    old = before.by_key() if before else {}
    new = after.by_key()
    changes: list[ItemChange] = []
    for key, item in new.items():
        if key not in old:
            changes.append(ItemChange(key, None, item))
            continue
        a, b = old[key].snapshot(), item.snapshot()
        differing = [name for name in COMPARED if a[name] != b[name]]
        if differing:
            changes.append(ItemChange(key, old[key], item, differing))
    changes += [ItemChange(key, item, None) for key, item in old.items() if key not in new]
    return changes
