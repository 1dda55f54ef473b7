"""Which board layout applies to an organization, and what a valid one is.

The nearest `BoardSpec` at or above the organization is in force (the superior's office sets
it for its whole subtree: 统一规格、样式、栏目、色彩); an organization covered by a superior's
spec cannot set its own (`can_set_spec`). Without any spec the default applies: A3, the
classic style, the party colours and one column per category of the organization's catalog.

Colours are hex (#RRGGBB) and must carry white text with a contrast of at least 4.5:1
(WCAG 2.1 AA), since the board prints its headings in white on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gongkai import permissions
from gongkai.boards.models import BoardSpec, Size, Style
from gongkai.catalog.effective import UNCATEGORISED, applicable_catalog
from gongkai.catalog.models import Domain
from gongkai.disclosures import scanning
from gongkai.organizations import tree
from gongkai.organizations.models import Organization
from gongkai.validation import check_text

HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
MIN_CONTRAST = 4.5
#: White: the colour of text printed on the header and the column heads.
TEXT_ON_COLOUR = "#FFFFFF"
MAX_COLUMNS = 12
COLUMN_TITLE_MAX = 30
MAX_CATEGORIES_PER_COLUMN = 20
#: The key of the column that gathers categories no column names.
OTHER = "_other"

DEFAULT_HEADER = "#B31B1B"
DEFAULT_ACCENT = "#8A1414"

NOT_HEX = _("“%(value)s” is not a colour: write it as # and six hexadecimal digits, e.g. #B31B1B.")
LOW_CONTRAST = _(
    "White text on %(value)s has a contrast of %(ratio).1f:1; at least %(min).1f:1 is needed "
    "to be read on the board. Choose a darker colour."
)
TOO_MANY_COLUMNS = _("A board has at most %(max)d columns.")
COLUMN_WITHOUT_TITLE = _("Column %(n)d has no title.")
COLUMN_WITHOUT_CONTENT = _("Column %(n)d names neither categories nor a domain.")
UNKNOWN_DOMAIN = _("Column %(n)d names an unknown domain “%(value)s”.")
TOO_MANY_CATEGORIES = _("Column %(n)d names more than %(max)d categories.")
COVERED_ABOVE = _(
    "The board of this organization is set by %(name)s for its whole subtree and cannot be "
    "changed here."
)
OTHER_TITLE = _("Other disclosures")


def luminance(colour: str) -> float:
    """WCAG relative luminance of #RRGGBB."""
    channels = []
    for start in (1, 3, 5):
        c = int(colour[start : start + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def clean_colour(value: Any) -> str:
    text = check_text(value, max_length=7).strip()
    if not HEX.match(text):
        raise ValidationError(NOT_HEX % {"value": text[:20]})
    ratio = contrast(TEXT_ON_COLOUR, text)
    if ratio < MIN_CONTRAST:
        raise ValidationError(LOW_CONTRAST % {"value": text, "ratio": ratio, "min": MIN_CONTRAST})
    return text.upper()


@dataclass(frozen=True)
class ColumnSpec:
    title: str
    #: Category keys of the catalog (the superior's keys, inherited below).
    categories: tuple[str, ...] = ()
    #: A whole domain's categories (政务/村务), where `categories` is empty.
    domain: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"title": self.title, "categories": list(self.categories), "domain": self.domain}


def clean_columns(value: Any) -> list[ColumnSpec]:
    """Columns as stored (a list of mappings), checked; ValidationError in Chinese."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError(COLUMN_WITHOUT_CONTENT % {"n": 1})
    if len(value) > MAX_COLUMNS:
        raise ValidationError(TOO_MANY_COLUMNS % {"max": MAX_COLUMNS})
    columns = []
    for n, raw in enumerate(value, start=1):
        raw = raw if isinstance(raw, dict) else {}
        title = check_text(raw.get("title"), max_length=COLUMN_TITLE_MAX).strip()
        if not title:
            raise ValidationError(COLUMN_WITHOUT_TITLE % {"n": n})
        domain = check_text(raw.get("domain") or "", max_length=20).strip()
        if domain and domain not in Domain.values:
            raise ValidationError(UNKNOWN_DOMAIN % {"n": n, "value": domain[:20]})
        keys = raw.get("categories") or []
        if not isinstance(keys, list):
            keys = [keys]
        if len(keys) > MAX_CATEGORIES_PER_COLUMN:
            raise ValidationError(TOO_MANY_CATEGORIES % {"n": n, "max": MAX_CATEGORIES_PER_COLUMN})
        categories = tuple(check_text(k, max_length=64).strip() for k in keys if str(k).strip())
        if not categories and not domain:
            raise ValidationError(COLUMN_WITHOUT_CONTENT % {"n": n})
        columns.append(ColumnSpec(title, categories, domain))
    return columns


@dataclass
class EffectiveSpec:
    size: str = Size.A3
    style: str = Style.CLASSIC
    header_color: str = DEFAULT_HEADER
    accent_color: str = DEFAULT_ACCENT
    title_line: str = ""
    columns: list[ColumnSpec] = field(default_factory=list)
    #: The organization whose spec this is; None for the default.
    set_by: Organization | None = None

    @property
    def is_default(self) -> bool:
        return self.set_by is None


def _effective(row: BoardSpec) -> EffectiveSpec:
    try:
        columns = clean_columns(row.columns)
    except ValidationError:
        columns = []  # a row written around the checks: fall back to the catalog's columns
    return EffectiveSpec(
        size=row.size,
        style=row.style,
        header_color=row.header_color,
        accent_color=row.accent_color,
        # Printed for everyone: personal numbers masked like any published text.
        title_line=scanning.mask(row.title_line or ""),
        columns=columns,
        set_by=row.organization,
    )


def spec_for(org: Organization) -> EffectiveSpec:
    """The spec in force at `org`: the nearest one at or above it (one query)."""
    paths = tree.ancestor_paths(org.path, include_self=True)
    rows = list(
        BoardSpec.objects.select_related("organization").filter(organization__path__in=paths)
    )
    if not rows:
        return EffectiveSpec()
    return _effective(max(rows, key=lambda r: len(r.organization.path)))


def covering_spec_above(org: Organization) -> BoardSpec | None:
    """A superior's spec covering `org` (which then cannot set its own)."""
    paths = tree.ancestor_paths(org.path)
    rows = list(
        BoardSpec.objects.select_related("organization").filter(organization__path__in=paths)
    )
    return max(rows, key=lambda r: len(r.organization.path)) if rows else None


def can_set_spec(user: Any, org: Organization) -> bool:
    """The organization's leading-group office (or an administrator) sets the spec for its
    subtree, unless a superior's spec already covers it."""
    if not permissions.can_manage_organization(user, org):
        return False
    return covering_spec_above(org) is None


# -- columns ----------------------------------------------------------------------------------


@dataclass
class BoardColumn:
    """A column as it applies at one organization: its title, its domain and the category
    keys of the organization's catalog it shows."""

    key: str
    title: str
    domain: str
    categories: list[str]

    @property
    def domain_label(self) -> str:
        return str(Domain(self.domain).label) if self.domain in Domain.values else ""


def columns_for(org: Organization, spec: EffectiveSpec | None = None) -> list[BoardColumn]:
    """The board's columns at `org` in order, each with the catalog categories it shows.
    Categories of the organization's catalog no column names are gathered in a last
    column per domain ("Other disclosures"), so nothing on show is left off a board. The
    columns of one domain are contiguous, party affairs first: the portal shows them as
    sections (government and village affairs apart from party affairs)."""
    spec = spec or spec_for(org)
    applicable = applicable_catalog(org)
    categories = applicable.categories if applicable is not None else []
    domains = {c.key: c.domain for c in categories}
    names = {c.key: c.name for c in categories}
    columns: list[BoardColumn] = []
    if not spec.columns:
        for category in categories:
            if category.key == UNCATEGORISED:
                continue
            columns.append(
                BoardColumn(category.key, category.name, category.domain, [category.key])
            )
    else:
        for n, column in enumerate(spec.columns):
            keys = [k for k in column.categories if k in names] if column.categories else []
            domain = column.domain or (domains[keys[0]] if keys else Domain.PARTY)
            if not column.categories and column.domain:
                keys = [c.key for c in categories if c.domain == column.domain]
            columns.append(BoardColumn(f"c{n + 1}", column.title, domain, keys))
    named = {k for column in columns for k in column.categories}
    rest: dict[str, list[str]] = {}
    for category in categories:
        if category.key not in named:
            rest.setdefault(category.domain, []).append(category.key)
    # Items outside every category (UNCATEGORISED) and disclosures of items the catalog no
    # longer has land in the party domain's "other" column.
    rest.setdefault(Domain.PARTY, [])
    for domain, keys in rest.items():
        title = str(OTHER_TITLE)
        if domain != Domain.PARTY:
            title = f"{Domain(domain).label}·{OTHER_TITLE}"
        columns.append(BoardColumn(f"{OTHER}_{domain}", title, domain, keys))
    # Each domain's columns together (party affairs, then the others in the order they
    # first appear), so the board and the portal show them as separate sections.
    first: dict[str, int] = {}
    for n, placed in enumerate(columns):
        first.setdefault(placed.domain, 0 if placed.domain == Domain.PARTY else n + 1)
    return sorted(columns, key=lambda c: first[c.domain])
