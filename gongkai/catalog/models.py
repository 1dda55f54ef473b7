"""The disclosure catalog (公开目录): categories of items, kept in layers along the tree.

Each organization that takes part has one `Catalog` *layer*. A layer inherits the effective
catalog of its `parent` layer (the nearest superior's) at the parent version it has
accepted, and adds its own categories and items, or overrides/drops inherited items that are
not locked (五统一: locked items arrive unchanged everywhere below).

Rows are never edited once published. Each row carries the layer version that introduced it
and, once replaced or removed, the version that retired it; the draft of a layer is simply
the rows introduced in `version + 1`. Hence a published version is immutable, a disclosure can
point at the exact item row and version it was made against, and the difference between two
versions is a comparison of row sets.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongkai.organizations.models import Organization


class Scope(models.TextChoices):
    PARTY = "party", _("Inside the party")
    INSTITUTION = "institution", _("Inside the unit")
    PUBLIC = "public", _("To society")


class Timing(models.TextChoices):
    STANDING = "standing", _("Standing")
    PERIODIC = "periodic", _("Periodic")
    PER_STAGE = "per_stage", _("Per stage")
    EVENT = "event", _("When it happens")
    ON_REQUEST = "on_request", _("On request")


class Period(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    SEMIANNUAL = "semiannual", _("Half-yearly")
    ANNUAL = "annual", _("Yearly")


class DeadlineBasis(models.TextChoices):
    PERIOD_END = "period_end", _("after the period ends")
    EVENT = "event", _("after the event")


class Domain(models.TextChoices):
    """Which disclosure a category belongs to: where a town runs 政务公开 and 村务公开 beside
    党务公开, their categories live in the same catalog and are shown as separate sections
    and board columns."""

    PARTY = "party", _("Party affairs")
    GOVERNMENT = "government", _("Government affairs")
    VILLAGE = "village", _("Village affairs")


class Channel(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    DOCUMENT = "document", _("Document")
    BRIEFING = "briefing", _("Briefing")
    BOARD = "board", _("Disclosure board")
    WEBSITE = "website", _("Website")
    TOUCH_SCREEN = "touch_screen", _("Touch screen")
    INTERNAL_PUBLICATION = "internal_publication", _("Internal publication")
    PRESS_CONFERENCE = "press_conference", _("Press conference")
    OPINION_BOX = "opinion_box", _("Opinion box")
    SERVICE_WINDOW = "service_window", _("Service window")
    NEWS_MEDIA = "news_media", _("News media")


#: The attributes of an item that people set (the rest is bookkeeping). Editing, overriding,
#: importing and exporting all derive their field lists from this one.
ITEM_FIELDS = (
    "category_key",
    "name",
    "description",
    "scope",
    "party_first",
    "party_first_lag_days",
    "timing",
    "period",
    "deadline_days",
    "deadline_basis",
    "min_publicity_days",
    "channels",
    "responsible_unit",
    "major_matter",
    "consultation_required",
    "consultation_days",
    "legal_basis",
    "form",
    "locked",
    "applies_to",
    "escalate_after_days",
)


class CatalogQuerySet(models.QuerySet["Catalog"]):
    def with_pending_change(self) -> CatalogQuerySet:
        """Layers whose superior has published a version they have not accepted yet."""
        return self.filter(
            parent__isnull=False, based_on_parent_version__lt=models.F("parent__version")
        )


class Catalog(models.Model):
    organization = models.OneToOneField(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="catalog",
    )
    title = models.CharField(_("title"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("inherited from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    #: The latest published version; 0 until the first publication.
    version = models.PositiveIntegerField(_("version"), default=0)
    #: The parent version the latest published version is built on (denormalised from
    #: CatalogVersion so "who has not accepted the new template" is one indexed query).
    based_on_parent_version = models.PositiveIntegerField(
        _("based on inherited version"), default=0
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CatalogQuerySet.as_manager()

    class Meta:
        verbose_name = _("catalog")
        verbose_name_plural = _("catalogs")
        indexes = [
            models.Index(fields=["parent", "based_on_parent_version"], name="catalog_pending")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def draft_version(self) -> int:
        return self.version + 1

    @property
    def has_pending_change(self) -> bool:
        return self.parent is not None and self.based_on_parent_version < self.parent.version


class CatalogVersion(models.Model):
    catalog = models.ForeignKey(Catalog, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    parent_version = models.PositiveIntegerField(_("inherited version"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("catalog version")
        verbose_name_plural = _("catalog versions")
        ordering = ["catalog", "number"]
        constraints = [
            models.UniqueConstraint(fields=["catalog", "number"], name="catalog_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.catalog} v{self.number}"


class VersionedQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def at(self, version: int) -> VersionedQuerySet:
        """Rows in force at `version` of their layer."""
        return self.filter(introduced_in__lte=version).filter(
            Q(retired_in__isnull=True) | Q(retired_in__gt=version)
        )


class Versioned(models.Model):
    catalog = models.ForeignKey(Catalog, on_delete=models.CASCADE, related_name="+")
    #: A stable identity across revisions of the same category or item.
    key = models.CharField(_("key"), max_length=64)
    introduced_in = models.PositiveIntegerField()
    retired_in = models.PositiveIntegerField(null=True, blank=True)

    objects = VersionedQuerySet.as_manager()

    class Meta:
        abstract = True


class Category(Versioned):
    name = models.CharField(_("category"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    description = models.TextField(_("description"), blank=True)
    domain = models.CharField(
        _("disclosure domain"), max_length=20, choices=Domain.choices, default=Domain.PARTY
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        indexes = [models.Index(fields=["catalog", "introduced_in"], name="category_layer")]

    def __str__(self) -> str:
        return self.name


class Item(Versioned):
    category_key = models.CharField(_("category"), max_length=64)
    position = models.PositiveIntegerField(_("position"), default=0)
    name = models.CharField(_("item"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices, default=Scope.PUBLIC)
    party_first = models.BooleanField(_("party first"), default=False)
    party_first_lag_days = models.PositiveSmallIntegerField(
        _("public after (working days)"), default=0
    )
    timing = models.CharField(_("timing"), max_length=20, choices=Timing.choices)
    period = models.CharField(_("period"), max_length=20, choices=Period.choices, blank=True)
    deadline_days = models.PositiveSmallIntegerField(
        _("deadline (working days)"), null=True, blank=True
    )
    deadline_basis = models.CharField(
        _("deadline counted"), max_length=20, choices=DeadlineBasis.choices, blank=True
    )
    min_publicity_days = models.PositiveSmallIntegerField(
        _("minimum publicity period (working days)"), null=True, blank=True
    )
    channels = models.JSONField(_("channels"), default=list, blank=True)
    responsible_unit = models.CharField(_("responsible unit"), max_length=100, blank=True)
    major_matter = models.BooleanField(_("major matter (三重一大)"), default=False)
    consultation_required = models.BooleanField(_("consultation required"), default=False)
    consultation_days = models.PositiveSmallIntegerField(
        _("consultation period (working days)"), null=True, blank=True
    )
    legal_basis = models.TextField(_("legal basis"), blank=True)
    #: Which organizations the item applies to; see catalog.applicability. Empty: all.
    applies_to = models.JSONField(_("applies to"), default=dict, blank=True)
    #: Working days overdue after which the superior's office is alerted (default 5).
    escalate_after_days = models.PositiveSmallIntegerField(
        _("escalate after (working days overdue)"), null=True, blank=True
    )
    #: Optional structured form: {"fields": [...], "columns": [...]}; see forms_schema.py.
    form = models.JSONField(_("structured form"), null=True, blank=True)
    locked = models.BooleanField(
        _("locked for subordinates"),
        default=False,
        help_text=_("Subordinate organizations cannot change or drop a locked item."),
    )

    class Meta:
        verbose_name = _("catalog item")
        verbose_name_plural = _("catalog items")
        indexes = [
            models.Index(fields=["catalog", "introduced_in"], name="item_layer"),
            models.Index(fields=["key"], name="item_key"),
        ]

    def __str__(self) -> str:
        return self.name


class ItemOverride(Versioned):
    """A subordinate layer's change to an inherited, unlocked item (`key` names the item):
    either dropped, or some of its attributes replaced."""

    dropped = models.BooleanField(_("dropped"), default=False)
    changes = models.JSONField(_("changed attributes"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("item override")
        verbose_name_plural = _("item overrides")
        indexes = [models.Index(fields=["catalog", "introduced_in"], name="override_layer")]

    def __str__(self) -> str:
        return self.key
