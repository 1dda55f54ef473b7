"""The search index: one row per thing that may be found, holding only masked text as it is
(or was) shown to readers, and what the visibility rule needs to filter it.

The full-text part lives beside it, per database (see the migration and
gongkai.search.backends): on SQLite an FTS5 table whose rowid is `sort_key`, on PostgreSQL
a `tsv` tsvector column of this table with a GIN index.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongkai.catalog.models import Scope


class Kind(models.TextChoices):
    DISCLOSURE = "disclosure", _("Disclosure")
    OPINION = "opinion", _("Echo-wall answer")
    TOPIC = "topic", _("Answered topic request")
    REQUEST = "request", _("Information request decision")


#: Bits of `sort_key` (see `Entry.sort_key`).
KIND_BITS = {Kind.DISCLOSURE: 0, Kind.OPINION: 1, Kind.TOPIC: 2, Kind.REQUEST: 3}


class Entry(models.Model):
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    #: The primary key of the disclosure, opinion, topic request or information request.
    source_id = models.BigIntegerField()
    #: Newest first is `ORDER BY sort_key DESC`: the entry's date in seconds since 2000 in
    #: the high bits, its kind and source below (unique). On SQLite it is the rowid of the
    #: FTS5 row, so a full-text match comes out already in date order.
    sort_key = models.BigIntegerField(unique=True)
    #: The disclosure whose visibility decides (a disclosure; a request answered by one).
    disclosure = models.ForeignKey(
        "disclosures.Disclosure",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    #: The scope of an echo-wall entry (who sees it, by `visibility.in_scope`); for a
    #: disclosure its scope (the visibility rule reads the disclosure itself).
    scope = models.CharField(max_length=20, choices=Scope.choices, default=Scope.PUBLIC)
    category_key = models.CharField(max_length=64, blank=True)
    item_key = models.CharField(max_length=200, blank=True)
    period_key = models.CharField(max_length=40, blank=True)
    #: The date shown and sorted by: publication, answer or decision.
    date = models.DateTimeField()
    withdrawn = models.BooleanField(default=False)
    #: Masked text as shown: the title, and everything else in one text (body, structured
    #: data, attachments' text; question and answer).
    title = models.TextField()
    period = models.TextField(blank=True)
    text = models.TextField(blank=True)
    #: `tokens.normalize(title + "\n" + period + "\n" + text)`: the exact substring check.
    normalized = models.TextField(blank=True)

    class Meta:
        verbose_name = _("search index entry")
        verbose_name_plural = _("search index entries")
        constraints = [
            models.UniqueConstraint(fields=["kind", "source_id"], name="search_entry_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.source_id}"
