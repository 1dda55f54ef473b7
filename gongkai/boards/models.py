"""Printed disclosure boards (公开栏): the layout a superior sets for its whole subtree
(统一规格、样式、栏目、色彩) and the clerk's records that a board was posted.

A `BoardSpec` belongs to the organization that set it and applies to it and everything
below it; the nearest one at or above an organization is in force (`spec.spec_for`). A
`Posting` records that a printed board was put up on a date, with a photo, and which
disclosures were on it: the evidence that the 公开栏 channel was used for them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongkai.disclosures.models import Disclosure
from gongkai.organizations.models import Organization
from gongkai.validation import validate_plain_text


class Size(models.TextChoices):
    """Paper sizes, all landscape (width × height in millimetres in `PAGE_MM`)."""

    A4 = "A4", _("A4 landscape")
    A3 = "A3", _("A3 landscape")
    A1 = "A1", _("A1 landscape")


#: Page width and height in millimetres, landscape.
PAGE_MM = {Size.A4: (297, 210), Size.A3: (420, 297), Size.A1: (841, 594)}


class Style(models.TextChoices):
    CLASSIC = "classic", _("Classic: coloured header, framed columns")
    BANNER = "banner", _("Banner: wide title band, coloured column heads")
    PLAIN = "plain", _("Plain: black lines, economical to print")


class Variant(models.TextChoices):
    PUBLIC = "public", _("Public board")
    INSIDE = "inside", _("Members' activity room board")


class BoardSpec(models.Model):
    organization = models.OneToOneField(
        Organization,
        verbose_name=_("set by"),
        on_delete=models.CASCADE,
        related_name="board_spec",
    )
    size = models.CharField(_("paper size"), max_length=4, choices=Size.choices, default=Size.A3)
    style = models.CharField(
        _("style"), max_length=20, choices=Style.choices, default=Style.CLASSIC
    )
    header_color = models.CharField(_("header colour"), max_length=7, default="#B31B1B")
    accent_color = models.CharField(_("accent colour"), max_length=7, default="#8A1414")
    title_line = models.CharField(
        _("title line"),
        max_length=60,
        blank=True,
        validators=[validate_plain_text],
        help_text=_("Printed after the organization's name, e.g. 党务公开栏."),
    )
    #: Ordered columns: [{"title": str, "categories": [category keys], "domain": str}];
    #: see `spec.clean_columns`. Empty: one column per category of the catalog.
    columns = models.JSONField(_("columns"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("board specification")
        verbose_name_plural = _("board specifications")

    def __str__(self) -> str:
        return str(self.organization)


class Posting(models.Model):
    """A printed board put up (张贴) on a date, with a photo of it."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="board_postings",
    )
    variant = models.CharField(
        _("board"), max_length=10, choices=Variant.choices, default=Variant.PUBLIC
    )
    size = models.CharField(_("paper size"), max_length=4, choices=Size.choices)
    posted_on = models.DateField(_("posted on"))
    note = models.CharField(_("note"), max_length=200, blank=True, validators=[validate_plain_text])
    photo = models.FileField(upload_to="boards/")
    photo_name = models.CharField(_("photo"), max_length=120)
    photo_kind = models.CharField(max_length=10)
    photo_sha256 = models.CharField(max_length=64)
    #: What was printed on the posted board (as it was built when the posting was recorded).
    disclosures = models.ManyToManyField(
        Disclosure, verbose_name=_("disclosures on the board"), related_name="board_postings"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("board posting")
        verbose_name_plural = _("board postings")
        ordering = ["-posted_on", "-pk"]
        indexes = [models.Index(fields=["organization", "-posted_on"], name="posting_org_date")]

    def __str__(self) -> str:
        return f"{self.organization} {self.posted_on}"
