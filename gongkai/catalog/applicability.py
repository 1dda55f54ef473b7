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
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

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


def applies_within(item: Any, org: Organization) -> bool:
    """Whether the item applies to `org` or may apply to an organization below it: what a
    layer's own catalog page lists (the rest belongs to other organizations, e.g. a town
    committee's own items seen from a village)."""
    spec = parse(item.value("applies_to"))
    defining_depth = item.origin.organization.depth
    if spec.everywhere or spec.matches(org, defining_depth):
        return True
    level = org.depth - defining_depth
    # Below `org` lie levels level+1 …; kinds, settings and pilots are not known there.
    return level >= 0 and (not spec.levels or max(spec.levels) > level)


# -- words: the labels a person reads and writes (console, Excel) ----------------------------

#: Chinese numerals, for "下三级" and the like as people write them in a workbook.
_NUMERALS = "零一二三四五六七八九十"


#: Other ways people write the first levels in a workbook.
_LEVEL_ALIASES = {0: ("本级", "本组织"), 1: ("下一级", "下级"), 2: ("再下一级", "下两级")}


def _chinese_number(n: int) -> str:
    if n <= 10:
        return _NUMERALS[n]
    tens, ones = divmod(n, 10)
    return (_NUMERALS[tens] if tens > 1 else "") + "十" + (_NUMERALS[ones] if ones else "")


def level_label(level: int) -> str:
    """本级, 下一级, 再下一级, 下3级 …"""
    if level == 0:
        return pgettext("applies to", "this organization")
    if level == 1:
        return pgettext("applies to", "one level down")
    if level == 2:
        return pgettext("applies to", "two levels down")
    return pgettext("applies to", "%(n)d levels down") % {"n": level}


def level_from_label(text: str) -> int | None:
    """The level a label names (the labels above, "下二级", "下3级", a plain number), or None."""
    text = str(text).strip()
    if text.isdigit():
        return int(text) if int(text) <= MAX_LEVEL else None
    for level in range(MAX_LEVEL + 1):
        spellings = {level_label(level), f"下{level}级", f"下{_chinese_number(level)}级"}
        if text in spellings or text in _LEVEL_ALIASES.get(level, ()):
            return level
    return None


def in_choice_order(values: tuple[str, ...], choices: type[models.TextChoices]) -> list[str]:
    """Kinds or settings in the order their choices list them (党委 before 党支部, 农村
    before 社区), as people read them; stored values are sorted alphabetically."""
    order = list(choices.values)
    return sorted(values, key=lambda value: order.index(value) if value in order else len(order))


def kind_label(kind: str) -> str:
    return str(dict(Organization.Kind.choices).get(kind, kind))


def setting_label(setting: str) -> str:
    return str(dict(Organization.Setting.choices).get(setting, setting))


def describe(value: AppliesTo | Any, origin: Organization | None = None) -> str:
    """Where an item applies, in a few words: "仅本级（青石镇党委）", "下一级党支部（农村）",
    "仅联系点". `origin`, the organization that defines the item, names "this organization"."""
    spec = value if isinstance(value, AppliesTo) else parse(value)
    if spec.everywhere:
        return _("this organization and every level below")
    if spec.levels == (0,) and not (spec.kinds or spec.settings or spec.pilots):
        if origin is not None:
            return _("this organization only (%(name)s)") % {"name": origin.name}
        return _("this organization only")
    if not (spec.levels or spec.kinds or spec.settings):
        return _("pilots (contact points) only")
    levels = "、".join(level_label(level) for level in spec.levels)
    kinds = "、".join(kind_label(kind) for kind in in_choice_order(spec.kinds, Organization.Kind))
    if levels and kinds:
        who = _("%(levels)s %(kinds)s") % {"levels": levels, "kinds": kinds}
    elif levels:
        who = levels
    elif kinds:
        who = _("%(kinds)s at every level") % {"kinds": kinds}
    else:
        who = _("every level")
    if spec.settings:
        settings = "、".join(
            setting_label(setting)
            for setting in in_choice_order(spec.settings, Organization.Setting)
        )
        who = _("%(who)s (%(settings)s)") % {"who": who, "settings": settings}
    if spec.pilots:
        who = _("%(who)s, pilots only") % {"who": who}
    return who
