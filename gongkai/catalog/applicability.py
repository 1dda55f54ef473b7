"""Which organizations a catalog item applies to (适用范围).

A town committee's catalog carries items for the town committee itself (its budget, its
cadre appointments) and items for every village branch below it (dues, members' meetings).
An item says where it belongs in `Item.applies_to`, a small mapping:

``levels``
    levels below the layer that *defines* the item: 0 the defining organization itself,
    1 its direct subordinates, 2 theirs … Empty: every level.
``kinds``
    organization kinds (`Organization.Kind`), e.g. ``["branch"]``. Empty: every kind.
``settings``
    where the organization works (`Organization.Setting`: village, community, agency …).
    Empty: anywhere.
``pilots``
    true: only pilots (contact points).

An empty mapping applies everywhere below and at the defining layer (what every catalog
meant before items said otherwise). Every surface that asks "is this item ours?" — the
console's catalog and to-do list, obligations, the portal — calls `applies`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongkai.organizations.models import Organization

MAX_LEVEL = 20


@dataclass(frozen=True)
class AppliesTo:
    levels: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    pilots: bool = False

    @property
    def everywhere(self) -> bool:
        return not (self.levels or self.kinds or self.settings or self.pilots)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.levels:
            out["levels"] = list(self.levels)
        if self.kinds:
            out["kinds"] = list(self.kinds)
        if self.settings:
            out["settings"] = list(self.settings)
        if self.pilots:
            out["pilots"] = True
        return out

    def matches(self, org: Organization, defining_depth: int) -> bool:
        level = org.depth - defining_depth
        if level < 0:
            return False
        if self.levels and level not in self.levels:
            return False
        if self.kinds and org.kind not in self.kinds:
            return False
        if self.settings and org.setting not in self.settings:
            return False
        return not (self.pilots and not org.is_pilot)


def parse(value: Any) -> AppliesTo:
    """The stored or imported mapping as an `AppliesTo`; a clear Chinese error otherwise."""
    if value in (None, "", {}):
        return AppliesTo()
    if not isinstance(value, dict):
        raise ValidationError(_("“Applies to” must be a mapping of levels, kinds and settings."))
    unknown = set(value) - {"levels", "kinds", "settings", "pilots"}
    if unknown:
        raise ValidationError(
            _("“Applies to” has unknown keys: %(keys)s.") % {"keys": "、".join(sorted(unknown))}
        )
    levels = _list(value.get("levels"), "levels")
    for level in levels:
        if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= MAX_LEVEL:
            raise ValidationError(
                _("A level in “applies to” must be a whole number from 0 to %(max)d.")
                % {"max": MAX_LEVEL}
            )
    kinds = _list(value.get("kinds"), "kinds")
    known_kinds = set(Organization.Kind.values)
    for kind in kinds:
        if kind not in known_kinds:
            raise ValidationError(
                _("Unknown organization kind in “applies to”: %(kind)s.") % {"kind": str(kind)[:40]}
            )
    settings = _list(value.get("settings"), "settings")
    known_settings = set(Organization.Setting.values)
    for setting in settings:
        if setting not in known_settings:
            raise ValidationError(
                _("Unknown organization setting in “applies to”: %(setting)s.")
                % {"setting": str(setting)[:40]}
            )
    pilots = value.get("pilots", False)
    if not isinstance(pilots, bool):
        raise ValidationError(_("“Pilots” in “applies to” must be true or false."))
    return AppliesTo(
        levels=tuple(sorted(set(levels))),
        kinds=tuple(sorted(set(kinds))),
        settings=tuple(sorted(set(settings))),
        pilots=pilots,
    )


def _list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise ValidationError(_("“%(name)s” in “applies to” must be a list.") % {"name": name})
    if len(value) > 50:
        raise ValidationError(_("“Applies to” lists too many values."))
    return list(value)


def applies(item: Any, org: Organization) -> bool:
    """Whether an effective item (`catalog.effective.EffectiveItem`) applies to `org`, which
    holds the layer the item was resolved for."""
    spec = parse(item.value("applies_to"))
    if spec.everywhere:
        return True
    return spec.matches(org, item.origin.organization.depth)
