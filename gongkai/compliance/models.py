"""Obligations (应公开事项): one row per (organization, item, period or event), with its due
date in working days and its state; exemptions and deferrals decided by the superior; and the
stored roll-ups the dashboards read.

An obligation copies the rules of the effective item when it is generated (`rules`), so a
catalog change up the tree changes the obligations below from the next period on, never the
ones already there.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongkai.catalog.models import Catalog, Item, Scope
from gongkai.compliance import periods
from gongkai.organizations.models import Organization
from gongkai.organizations.tree import PATH_MAX_LENGTH, TreePathField


class State(models.TextChoices):
    UPCOMING = "upcoming", _("Upcoming")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    ON_TIME = "on_time", _("Fulfilled on time")
    LATE = "late", _("Fulfilled late")
    EXEMPTED = "exempted", _("Exempted")
    DEFERRED = "deferred", _("Deferred")


OPEN_STATES = frozenset({State.UPCOMING, State.DUE_SOON, State.OVERDUE})
FULFILLED_STATES = frozenset({State.ON_TIME, State.LATE})
#: The roll-up columns, one per state, in `State` order.
COUNTED = tuple(State.values)


class Source(models.TextChoices):
    PERIOD = "period", _("Period")
    STANDING = "standing", _("Yearly confirmation")
    CHANGE = "change", _("Recorded change")
    EVENT = "event", _("Recorded event")
    STAGE = "stage", _("Stage of a plan")
    DEFERRAL = "deferral", _("Deferred")


class RecordedEvent(models.Model):
    """Something that happened and must be disclosed: a cadre appointment, a recruitment
    step, a change to a standing item. The clerk records it; the obligation follows."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    item_key = models.CharField(_("catalog item"), max_length=64)
    title = models.CharField(_("what happened"), max_length=200)
    happened_on = models.DateField(_("date"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("recorded event")
        verbose_name_plural = _("recorded events")
        indexes = [models.Index(fields=["organization", "item_key"], name="recorded_event_item")]

    def __str__(self) -> str:
        return self.title


class StagePlan(models.Model):
    """A staged matter (a major decision, a project): its stages with their planned dates;
    each stage owes a disclosure from its date on."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    item_key = models.CharField(_("catalog item"), max_length=64)
    title = models.CharField(_("matter"), max_length=200)
    #: [{"name": "征求意见", "date": "2026-03-02"}, ...]
    stages = models.JSONField(_("stages"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("staged plan")
        verbose_name_plural = _("staged plans")

    def __str__(self) -> str:
        return self.title


class Obligation(models.Model):
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="obligations",
    )
    #: The organization's tree path, copied so a subtree's obligations are one range scan.
    path = TreePathField(_("tree path"), max_length=PATH_MAX_LENGTH)
    item_key = models.CharField(_("catalog item"), max_length=64)
    category_key = models.CharField(_("category"), max_length=64, blank=True)
    name = models.CharField(_("item"), max_length=300)
    catalog = models.ForeignKey(Catalog, on_delete=models.PROTECT, related_name="+")
    catalog_version = models.PositiveIntegerField(_("catalog version"))
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    #: The effective item's rules when the obligation was generated.
    rules = models.JSONField(_("rules of the item"), default=dict)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    period_key = models.CharField(_("period"), max_length=40)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    event = models.ForeignKey(
        RecordedEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="obligations"
    )
    plan = models.ForeignKey(
        StagePlan, null=True, blank=True, on_delete=models.PROTECT, related_name="obligations"
    )
    #: The obligation a deferral moved here.
    origin = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: The day the deadline is counted from (the period's end, the event's date …).
    basis_date = models.DateField(_("counted from"))
    due_date = models.DateField(_("due"))
    #: The due date was counted through a year without calendar data (Monday–Friday assumed).
    provisional = models.BooleanField(default=False)
    escalate_after_days = models.PositiveSmallIntegerField(default=5)
    state = models.CharField(_("state"), max_length=20, choices=State.choices)
    state_since = models.DateTimeField(_("state since"))
    disclosure = models.ForeignKey(
        "disclosures.Disclosure",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    fulfilled_at = models.DateTimeField(_("fulfilled"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "item_key", "period_key"], name="obligation_once"
            )
        ]
        indexes = [
            models.Index(fields=["path", "state", "due_date"], name="obligation_subtree"),
            models.Index(fields=["organization", "state", "due_date"], name="obligation_org"),
            models.Index(fields=["state", "due_date"], name="obligation_due"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.period_label}"

    @property
    def period_label(self) -> str:
        """The period in Chinese, or what the event, change or stage was."""
        base = self.period_key.partition("~")[0]
        if self.source == Source.PERIOD or (self.origin_id and periods.is_period_key(base)):
            return periods.label(base)
        if self.source == Source.STANDING:
            return str(_("%(year)s yearly confirmation") % {"year": base.removeprefix("S")})
        if self.event is not None:
            return self.event.title
        if self.plan is not None:
            index = int(base.rpartition("-")[2])
            stages = self.plan.stages
            stage = stages[index]["name"] if 0 <= index < len(stages) else ""
            return f"{self.plan.title}：{stage}"
        return base

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ReasonCategory(models.TextChoices):
    STATE_SECRET = "state_secret", _("State secret")
    PERSONAL_PRIVACY = "personal_privacy", _("Personal privacy")
    COMMERCIAL_SECRET = "commercial_secret", _("Commercial secret")
    PROCESS = "process", _("Internal deliberation not yet concluded")
    SECURITY = "security", _("Would endanger security or stability")
    LAW = "law", _("Law or regulation forbids disclosure")
    OTHER = "other", _("Other")


class Exemption(models.Model):
    """不予公开 / 暂缓公开: requested by the organization, decided by the superior's leading
    group with its own reasons; shown in the item's place to the scope it names."""

    class Kind(models.TextChoices):
        EXEMPT = "exempt", _("Not to be disclosed")
        DEFER = "defer", _("Deferred")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    obligation = models.ForeignKey(Obligation, on_delete=models.PROTECT, related_name="exemptions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    reason_category = models.CharField(
        _("reason category"), max_length=30, choices=ReasonCategory.choices
    )
    reason = models.TextField(_("reason"))
    legal_basis = models.TextField(_("legal basis"))
    likely_harm = models.TextField(_("likely harm"), blank=True)
    defer_until = models.DateField(_("deferred until"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons of the decision"), blank=True)
    #: Who sees the notice in the item's place ("本期不予公开：…").
    shown_scope = models.CharField(
        _("notice shown"), max_length=20, choices=Scope.choices, default=Scope.PARTY
    )

    class Meta:
        verbose_name = _("exemption or deferral")
        verbose_name_plural = _("exemptions and deferrals")
        indexes = [models.Index(fields=["status", "requested_at"], name="exemption_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.obligation}"


class Rollup(models.Model):
    """Counts of obligations by state over an organization's subtree (itself included), per
    month of the due date. Changed in the same transaction as the obligations it counts."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    #: The first day of the due date's month.
    month = models.DateField()
    upcoming = models.IntegerField(default=0)
    due_soon = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    late = models.IntegerField(default=0)
    exempted = models.IntegerField(default=0)
    deferred = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "month"], name="rollup_once")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month:%Y-%m}"


class RollupCheck(models.Model):
    """A nightly recompute: how many stored roll-up rows disagreed with the obligations."""

    at = models.DateTimeField()
    mismatches = models.PositiveIntegerField()
    rows = models.PositiveIntegerField()
    details = models.JSONField(default=list)

    class Meta:
        ordering = ["-at"]
        get_latest_by = "at"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.mismatches}"
