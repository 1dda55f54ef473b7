"""Work summaries (党务公开工作情况报告) and assessment plans (考核).

A `Report` is one produced summary of an organization's subtree for a window of months: the
numbers it showed (`figures`, read from `gongkai.compliance.figures` when it was rendered) and
its two documents. An `AssessmentPlan` weighs criteria, some measured from the same figures,
some scored by the plan's panel of assessors; its result is computed from the stored data
until it is published, and frozen then.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongkai.organizations.models import Organization
from gongkai.validation import validate_plain_text


def _report_file(report: Report, filename: str) -> str:
    # One folder per report: re-rendering replaces its files, never another report's.
    return f"reports/{report.pk}/{filename}"


class Report(models.Model):
    class Kind(models.TextChoices):
        HALF_YEAR = "half_year", _("Half-year summary")
        YEAR = "year", _("Annual summary")
        MONTHS = "months", _("Summary of chosen months")

    class Status(models.TextChoices):
        PENDING = "pending", _("Being produced")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be produced")

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    #: The first day of the window's first month and the last day of its last month.
    first = models.DateField(_("period start"))
    last = models.DateField(_("period end"))
    title = models.CharField(_("title"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("produced by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("produced"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    rendered_at = models.DateTimeField(_("rendered"), null=True, blank=True)
    failure = models.TextField(_("why it failed"), blank=True)
    #: What the documents show (gongkai.reports.summary.build), kept so pages and the API
    #: read the same numbers without opening the files.
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    docx = models.FileField(_("Word document"), upload_to=_report_file, blank=True, max_length=200)
    pdf = models.FileField(_("PDF document"), upload_to=_report_file, blank=True, max_length=200)

    class Meta:
        verbose_name = _("work summary")
        verbose_name_plural = _("work summaries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="report_org_recent")]

    def __str__(self) -> str:
        return self.title


class AssessmentPlan(models.Model):
    class Reach(models.TextChoices):
        CHILDREN = "children", _("Direct subordinates")
        BRANCHES = "branches", _("All branches below")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being defined")
        SCORING = "scoring", _("Being scored")
        PUBLISHED = "published", _("Published")

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200, validators=[validate_plain_text])
    reach = models.CharField(
        _("organizations assessed"), max_length=20, choices=Reach.choices, default=Reach.CHILDREN
    )
    first = models.DateField(_("period start"))
    last = models.DateField(_("period end"))
    public_summary = models.BooleanField(
        _("public summary on the portal"),
        default=False,
        help_text=_("Once published, the ranking and scores are shown to everyone on the portal."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("defined by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    #: The result as it was published (gongkai.reports.assessment.compute), frozen: later
    #: changes to the figures do not move a published ranking.
    result = models.JSONField(_("result"), null=True, blank=True)

    class Meta:
        verbose_name = _("assessment plan")
        verbose_name_plural = _("assessment plans")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "status"], name="plan_org_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def window(self) -> tuple[dt.date, dt.date]:
        return self.first, self.last


class Criterion(models.Model):
    class Kind(models.TextChoices):
        COVERAGE = "coverage", _("Coverage")
        ON_TIME_RATE = "on_time_rate", _("On-time rate")
        ANSWER_TIME = "answer_time", _("Time to answer opinions")
        SATISFACTION = "satisfaction", _("Satisfaction")
        CONTENT = "content", pgettext_lazy("criterion", "Content")
        PROCEDURE = "procedure", _("Procedure")
        FORM = "form", _("Form")
        EFFECT = "effect", _("Effect")

    plan = models.ForeignKey(AssessmentPlan, on_delete=models.CASCADE, related_name="criteria")
    kind = models.CharField(_("criterion"), max_length=20, choices=Kind.choices)
    weight = models.PositiveSmallIntegerField(_("weight"))
    #: Panel criteria: the highest score an assessor may give (measured ones are percentages).
    max_score = models.PositiveSmallIntegerField(_("full marks"), default=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "kind"], name="criterion_once_per_plan")
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class Assessor(models.Model):
    """A person on the plan's panel (评议组): they score the panel criteria. Granted per plan
    by whoever manages it; no organization role is needed."""

    plan = models.ForeignKey(AssessmentPlan, on_delete=models.CASCADE, related_name="assessors")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="assessor_seats",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        verbose_name = _("assessor")
        verbose_name_plural = _("assessors")
        ordering = ["added_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "user"], name="assessor_once")]

    def __str__(self) -> str:
        return str(self.user)


class PanelScore(models.Model):
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    assessor = models.ForeignKey(Assessor, on_delete=models.CASCADE, related_name="scores")
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    entered_at = models.DateTimeField()

    class Meta:
        verbose_name = _("panel score")
        verbose_name_plural = _("panel scores")
        constraints = [
            models.UniqueConstraint(
                fields=["criterion", "organization", "assessor"], name="panel_score_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion} {self.organization_id} {self.score}"


class PlanEvent(models.Model):
    """What happened to a plan, who did it and when (the audit trail of its moves)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Plan created")
        CHANGED = "changed", _("Plan changed")
        OPENED = "opened", _("Scoring opened")
        PUBLISHED = "published", _("Result published")
        ASSESSOR_ADDED = "assessor_added", _("Assessor added")
        ASSESSOR_REMOVED = "assessor_removed", _("Assessor removed")

    plan = models.ForeignKey(AssessmentPlan, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.kind}"
