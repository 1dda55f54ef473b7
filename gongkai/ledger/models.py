"""The ledger (台账): an append-only, hash-chained record of every publication, correction
and withdrawal.

Each entry commits to what was shown (`content_hash`, over the revision's canonical content)
and to the entry before it (`previous_hash`), and its own `entry_hash` covers both, so
changing, removing or reordering anything already recorded breaks the chain at that entry;
`services.verify` walks it and names the first bad one.

The hashed line of an entry is plain text that anyone can recompute with `sha256sum`
(see `canonical_line`). Its fields come from restricted alphabets (digits, an ISO-8601
timestamp, an organization code of letters, digits, dots, hyphens and underscores, an action
name and hex digests), so joining them with "|" is unambiguous.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, ClassVar

from django.db import NotSupportedError, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql.compiler import SQLCompiler
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongkai.disclosures.models import Disclosure, Revision
from gongkai.organizations.models import Organization

#: The `previous_hash` of the first entry.
GENESIS_HASH = "0" * 64

#: Leads every hashed line, so a future change of format can be told apart.
LINE_FORMAT = "gongkai-ledger-v1"

APPEND_ONLY = _("The ledger is append-only: a recorded entry cannot be changed or deleted.")


class AppendOnlyError(Exception):
    """Someone tried to change or delete a recorded ledger entry."""


class Action(models.TextChoices):
    PUBLISH = "publish", pgettext_lazy("ledger action", "Publish")
    CORRECT = "correct", pgettext_lazy("ledger action", "Correct")
    WITHDRAW = "withdraw", pgettext_lazy("ledger action", "Withdraw")


def canonical_time(at: datetime) -> str:
    """`at` in UTC, ISO-8601 with microseconds: 2026-03-01T02:03:04.000005+00:00."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_line(
    *,
    sequence: int,
    at: datetime,
    organization_code: str,
    disclosure_id: int,
    revision_number: int,
    action: str,
    content_hash: str,
    previous_hash: str,
) -> str:
    """The text an entry's hash is taken over (UTF-8, no trailing newline)."""
    return line_of(
        sequence,
        canonical_time(at),
        organization_code,
        disclosure_id,
        revision_number,
        action,
        content_hash,
        previous_hash,
    )


def line_of(
    sequence: int,
    at_text: str,
    organization_code: str,
    disclosure_id: int,
    revision_number: int,
    action: str,
    content_hash: str,
    previous_hash: str,
) -> str:
    """`canonical_line` with the time already in its canonical text, positional: verify
    calls it a million times, and the database writes the time itself (see `CanonicalTime`)."""
    return (
        f"{LINE_FORMAT}|{sequence}|{at_text}|{organization_code}|{disclosure_id}|"
        f"{revision_number}|{action}|{content_hash}|{previous_hash}"
    )


class CanonicalTime(models.Func):
    """`canonical_time` of a datetime column, computed by the database.

    Verifying a million entries spent most of its time turning each stored timestamp into a
    Python datetime and back into text; the database writes the text directly. Tests check
    that both give the same string (verify of entries appended with `canonical_time`).
    """

    output_field = models.CharField()
    arity = 1

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, Any]:
        if template is None:  # only as_sqlite and as_postgresql know how
            raise NotSupportedError(f"CanonicalTime is not written for {connection.vendor}")
        return super().as_sql(compiler, connection, function, template, arg_joiner, **extra_context)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, Any]:
        # Django stores UTC as "YYYY-MM-DD HH:MM:SS[.ffffff]": str(datetime), which leaves
        # out a zero fraction.
        template = (
            "(REPLACE(%(expressions)s, ' ', 'T') || "
            "CASE WHEN LENGTH(%(expressions)s) = 19 THEN '.000000' ELSE '' END || '+00:00')"
        )
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, Any]:
        template = (
            "to_char(%(expressions)s AT TIME ZONE 'UTC', "
            """'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""
        )
        return self.as_sql(compiler, connection, template=template, **extra_context)


def hash_line(line: str) -> str:
    return hashlib.sha256(line.encode()).hexdigest()


class LedgerEntryQuerySet(models.QuerySet["LedgerEntry"]):
    # Bulk changes would bypass the model's guard; the chain only grows.
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(str(APPEND_ONLY))

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(str(APPEND_ONLY))

    def for_disclosure(self, disclosure: Disclosure) -> LedgerEntryQuerySet:
        return self.filter(disclosure=disclosure).order_by("sequence")


class LedgerEntry(models.Model):
    #: Position in the chain: 1, 2, 3 … with no gap (unique: the last guard against two
    #: writers taking the same number, see services.append_entry).
    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("recorded at"))
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    disclosure = models.ForeignKey(
        Disclosure,
        verbose_name=_("disclosure"),
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    #: The revision published or corrected to; for a withdrawal, the revision withdrawn.
    revision = models.ForeignKey(
        Revision, verbose_name=_("revision"), on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    content_hash = models.CharField(_("content hash"), max_length=64)
    previous_hash = models.CharField(_("previous entry's hash"), max_length=64)
    entry_hash = models.CharField(_("entry hash"), max_length=64)

    objects: ClassVar[LedgerEntryQuerySet] = LedgerEntryQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["sequence"]
        # Serves proof(): a disclosure's entries in chain order.
        indexes = [models.Index(fields=["disclosure", "sequence"], name="ledger_disclosure")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.get_action_display()} {self.entry_hash[:12]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(str(APPEND_ONLY))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(str(APPEND_ONLY))

    def canonical_line(self) -> str:
        """The exact text hashed into `entry_hash` (what a public page can show for checking)."""
        return canonical_line(
            sequence=self.sequence,
            at=self.at,
            organization_code=self.organization.code,
            disclosure_id=self.disclosure_id,
            revision_number=self.revision.number,
            action=self.action,
            content_hash=self.content_hash,
            previous_hash=self.previous_hash,
        )

    def compute_hash(self) -> str:
        return hash_line(self.canonical_line())


# -- the transparency log (format v1, docs/ledger-format.md) -------------------------------


class Kind(models.TextChoices):
    PUBLISH = "publish", pgettext_lazy("ledger action", "Publish")
    CORRECT = "correct", pgettext_lazy("ledger action", "Correct")
    WITHDRAW = "withdraw", pgettext_lazy("ledger action", "Withdraw")
    CHECKPOINT = "checkpoint", pgettext_lazy("ledger action", "Checkpoint of the old chain")
    WITNESS = "witness", pgettext_lazy("ledger action", "Witnessed head")


#: Entries whose documents are about a disclosure (the rest are about logs).
DISCLOSURE_KINDS = frozenset({Kind.PUBLISH, Kind.CORRECT, Kind.WITHDRAW})

#: The `sealed_hash` of an entry with nothing sealed (checkpoint, witness).
NOTHING_SEALED = "0" * 64


class _AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(str(APPEND_ONLY))

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(str(APPEND_ONLY))


class _AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(str(APPEND_ONLY))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(str(APPEND_ONLY))


class Log(models.Model):
    """One append-only Merkle log per log root (see `gongkai.ledger.log.root_of`).

    `size`, `frontier` and `root_hash` are the tree's state after its last entry, written in
    the transaction that appends it while the row is locked; they are a cache of what the
    entries and nodes say, and `verify` checks them against it."""

    root = models.OneToOneField(
        Organization, verbose_name=_("log root"), on_delete=models.PROTECT, related_name="+"
    )
    size = models.PositiveBigIntegerField(_("tree size"), default=0)
    #: The roots of the tree's perfect subtrees, left to right (merkle.Frontier.to_bytes).
    frontier = models.BinaryField(default=b"")
    root_hash = models.CharField(_("root hash"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("ledger log")
        verbose_name_plural = _("ledger logs")

    def __str__(self) -> str:
        return f"{self.root.code} ({self.size})"

    @property
    def name(self) -> str:
        return self.root.code


class LogEntry(_AppendOnly):
    """One leaf of a log: index, time, organization and commitment are hashed into the leaf
    (`leaf_hash`); the commitment covers the published document stored here and the sealed
    document (recomputed from the records with `salt`, never stored)."""

    log = models.ForeignKey(Log, on_delete=models.PROTECT, related_name="entries")
    index = models.PositiveBigIntegerField(_("index"))
    at = models.DateTimeField(_("recorded at"))
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    disclosure = models.ForeignKey(
        Disclosure,
        verbose_name=_("disclosure"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="log_entries",
    )
    revision = models.ForeignKey(
        Revision, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: The workflow event this entry records (its move), for the timeline up to it.
    event = models.ForeignKey(
        "disclosures.Event", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: The canonical JSON of the published document (docs/ledger-format.md §3).
    document = models.TextField()
    published_hash = models.CharField(max_length=64)
    sealed_hash = models.CharField(max_length=64)
    #: 32 random bytes in hex; shown only to those who may see the unmasked content.
    salt = models.CharField(max_length=64, blank=True)
    commitment = models.CharField(max_length=64)
    leaf_hash = models.CharField(max_length=64)

    objects: ClassVar[_AppendOnlyQuerySet] = _AppendOnlyQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["log", "index"]
        constraints = [
            models.UniqueConstraint(fields=["log", "index"], name="log_entry_index"),
        ]
        indexes = [models.Index(fields=["disclosure", "index"], name="log_entry_disclosure")]

    def __str__(self) -> str:
        return f"{self.log_id}#{self.index} {self.kind}"


class LogNode(_AppendOnly):
    """A perfect subtree's hash: `level` 0 is a leaf hash, level L covers 2**L leaves from
    leaf `index * 2**L`. Proofs read O(log n) of them in one query."""

    log = models.ForeignKey(Log, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    index = models.PositiveBigIntegerField()
    hash = models.BinaryField(max_length=32)

    objects: ClassVar[_AppendOnlyQuerySet] = _AppendOnlyQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["log", "level", "index"], name="log_node_address"),
        ]

    def __str__(self) -> str:
        return f"{self.log_id}:{self.level}/{self.index}"


class SignedHead(_AppendOnly):
    """A signed checkpoint of a log (C2SP signed note), made at every append and daily."""

    log = models.ForeignKey(Log, on_delete=models.PROTECT, related_name="heads")
    size = models.PositiveBigIntegerField(_("tree size"))
    root_hash = models.CharField(_("root hash"), max_length=64)
    at = models.DateTimeField(_("signed at"))
    checkpoint = models.TextField(_("signed checkpoint"))

    objects: ClassVar[_AppendOnlyQuerySet] = _AppendOnlyQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("signed tree head")
        verbose_name_plural = _("signed tree heads")
        ordering = ["log", "size", "at"]
        indexes = [models.Index(fields=["log", "size", "at"], name="signed_head_size")]

    def __str__(self) -> str:
        return f"{self.log_id}@{self.size}"
