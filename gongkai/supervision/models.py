"""Supervision (监督检查) and accountability (责任追究).

- `SupervisionGroup`: a named group of appointed supervisors and the organizations it checks
  (e.g. the pilot villages), appointed by an organization; `Inspection`: one round of it in
  a quarter. Access to records comes from the supervisor role (gongkai.permissions); the
  group names who checks what, for rounds and for the findings they file.
- `SupervisionView`: every read of an organization's records by a supervisor, logged.
- `Finding`: what a supervisor found (content, form, timing, feedback), with evidence and a
  rectification deadline in working days; its life is `workflow.py`'s table.
- `AccountabilityRecord`: who is held responsible for what, decided by the discipline
  committee, visible to the scope it names (`visibility.py`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongkai.catalog.models import Scope
from gongkai.organizations.models import Organization
from gongkai.supervision import visibility

# Re-exported: the scopes live in their own module (the visibility rule names them too).
from gongkai.supervision.scopes import RecordScope as RecordScope
from gongkai.validation import validate_plain_text

DESCRIPTION_MAX = 2000
NAME_MAX = 100
DEFAULT_DEADLINE_DAYS = 10
MAX_DEADLINE_DAYS = 60


class SupervisionGroup(models.Model):
    """监督小组: appointed by `organization`, checks `organizations` (within its subtree)."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("appointed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=NAME_MAX, validators=[validate_plain_text])
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("supervisors"), related_name="+"
    )
    organizations = models.ManyToManyField(
        Organization, verbose_name=_("organizations checked"), related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("supervision group")
        verbose_name_plural = _("supervision groups")
        ordering = ["organization", "name"]

    def __str__(self) -> str:
        return self.name


class Inspection(models.Model):
    """One round of a group's checks in a quarter ("2026-Q4")."""

    group = models.ForeignKey(
        SupervisionGroup,
        verbose_name=_("supervision group"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    quarter = models.CharField(_("quarter"), max_length=7)
    started_on = models.DateField(_("started"))
    note = models.CharField(_("note"), max_length=200, blank=True, validators=[validate_plain_text])

    class Meta:
        verbose_name = _("inspection round")
        verbose_name_plural = _("inspection rounds")
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["group", "quarter"], name="inspection_once_a_quarter")
        ]

    def __str__(self) -> str:
        return f"{self.group.name} {self.quarter_label}"

    @property
    def quarter_label(self) -> str:
        year, _sep, q = self.quarter.partition("-Q")
        return str(_("%(year)s, quarter %(q)s") % {"year": year, "q": q})


class SupervisionView(models.Model):
    """One read of an organization's records by someone reading as a supervisor."""

    class What(models.TextChoices):
        RECORDS = "records", _("Records overview")
        DISCLOSURE = "disclosure", _("Disclosure")
        OBLIGATION = "obligation", _("Obligation")
        FINDING = "finding", _("Finding")

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("viewer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="+"
    )
    what = models.CharField(_("what"), max_length=20, choices=What.choices)
    object_id = models.PositiveBigIntegerField(_("object"), null=True, blank=True)
    #: What the object was called when it was read (a title may change later).
    label = models.CharField(_("title"), max_length=200, blank=True)
    #: Where it was read: the console, or the API.
    surface = models.CharField(_("surface"), max_length=10, default="console")
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("supervisor's view")
        verbose_name_plural = _("supervisors' views")
        ordering = ["-at", "-pk"]
        # Serves the log page of an organization, newest first.
        indexes = [models.Index(fields=["organization", "-at"], name="supervision_view_org")]

    def __str__(self) -> str:
        return f"{self.viewer_id} {self.what} {self.object_id}"


class Category(models.TextChoices):
    CONTENT = "content", _("Content (complete and true)")
    FORM = "form", _("Form")
    TIMING = "timing", _("Timing")
    FEEDBACK = "feedback", _("Feedback")


class FindingState(models.TextChoices):
    OPEN = "open", _("Open: to be rectified")
    RECTIFIED = "rectified", _("Rectified: awaiting confirmation")
    REOPENED = "reopened", _("Reopened: to be rectified again")
    CONFIRMED = "confirmed", _("Rectification confirmed")


#: States in which the organization owes a rectification (and may be overdue).
OWED_STATES = (FindingState.OPEN, FindingState.REOPENED)


class FindingQuerySet(models.QuerySet["Finding"]):
    def owed(self) -> FindingQuerySet:
        return self.filter(state__in=OWED_STATES)

    def overdue(self, on: dt.date) -> FindingQuerySet:
        """Owed and past the deadline on `on` (time decides, no job moves a state)."""
        return self.owed().filter(due_date__lt=on)

    def published(self) -> FindingQuerySet:
        return self.filter(published_at__isnull=False)


class Finding(models.Model):
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection round"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    disclosure = models.ForeignKey(
        "disclosures.Disclosure",
        verbose_name=_("disclosure"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    obligation = models.ForeignKey(
        "compliance.Obligation",
        verbose_name=_("obligation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.TextField(
        _("what was found"), max_length=DESCRIPTION_MAX, validators=[validate_plain_text]
    )
    state = models.CharField(
        _("state"), max_length=20, choices=FindingState.choices, default=FindingState.OPEN
    )
    deadline_days = models.PositiveSmallIntegerField(
        _("working days to rectify"), default=DEFAULT_DEADLINE_DAYS
    )
    #: The day the current rectification is counted from (filing, or the last reopening).
    counted_from = models.DateField(_("counted from"))
    due_date = models.DateField(_("rectify by"))
    #: Counted through a year without calendar data (Monday to Friday assumed).
    provisional = models.BooleanField(_("provisional date"), default=False)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    filed_at = models.DateTimeField(_("filed"))
    rectification = models.TextField(
        _("what was done"), blank=True, max_length=DESCRIPTION_MAX, validators=[validate_plain_text]
    )
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rectified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rectified_at = models.DateTimeField(_("rectified"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    #: Published result: to whom, when, and the masked text as published (stored once, so
    #: every surface shows the same bytes).
    publish_scope = models.CharField(
        _("published to"), max_length=20, choices=Scope.choices, blank=True
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_description = models.TextField(_("published finding"), blank=True)
    published_rectification = models.TextField(_("published rectification"), blank=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-filed_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "state"], name="finding_org_state"),
            # Serves the daily reminder: owed findings by due date.
            models.Index(fields=["state", "due_date"], name="finding_due"),
        ]

    def __str__(self) -> str:
        return self.description[:30]

    def is_overdue(self, on: dt.date) -> bool:
        return self.state in OWED_STATES and self.due_date < on

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class FindingAttachment(models.Model):
    """A photo or file: the supervisor's evidence, or the organization's proof of the
    rectification (e.g. a photo of the corrected board). Checked by its bytes and bounded
    in size by the disclosures' rules (gongkai.disclosures.attachments)."""

    class Purpose(models.TextChoices):
        EVIDENCE = "evidence", _("Evidence of the finding")
        RECTIFICATION = "rectification", _("Evidence of the rectification")

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="attachments")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    file = models.FileField(upload_to="supervision/")
    name = models.CharField(_("file name"), max_length=120)
    kind = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["finding", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class FindingEvent(models.Model):
    """One step of a finding: who, when, from which state to which, why."""

    class Action(models.TextChoices):
        FILED = "filed", _("Filed")
        RECTIFIED = "rectified", _("Rectification recorded")
        CONFIRMED = "confirmed", _("Rectification confirmed")
        REOPENED = "reopened", _("Reopened")
        PUBLISHED = "published", _("Result published")
        FILE_ADDED = "file_added", _("File added")

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("event"), max_length=20, choices=Action.choices)
    from_state = models.CharField(max_length=20, choices=FindingState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=FindingState.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["finding", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state} → {self.to_state}"


class Measure(models.TextChoices):
    """责任追究的方式, lightest first."""

    REMINDER_TALK = "reminder_talk", _("Reminder talk")
    CRITICISM = "criticism", _("Criticism and education")
    SELF_EXAMINATION = "self_examination", _("Ordered to make a written self-examination")
    CIRCULATED_CRITICISM = "circulated_criticism", _("Circulated criticism")
    ADMONISHMENT = "admonishment", _("Admonishment")
    ORGANIZATIONAL = "organizational", _("Organizational handling")
    DISCIPLINARY = "disciplinary", _("Disciplinary sanction")


class AccountabilityQuerySet(models.QuerySet["AccountabilityRecord"]):
    def visible_to(self, user: Any) -> AccountabilityQuerySet:
        """What `visibility.can_see_record` allows: see gongkai.supervision.visibility."""
        return self.filter(visibility.record_condition(user))


class AccountabilityRecord(models.Model):
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization concerned"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    #: The organization whose discipline committee decided.
    deciding_organization = models.ForeignKey(
        Organization, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    person_name = models.CharField(
        _("person held responsible"), max_length=50, validators=[validate_plain_text]
    )
    person_position = models.CharField(
        _("position held"), max_length=100, validators=[validate_plain_text]
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account of the person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    findings = models.ManyToManyField(
        Finding, verbose_name=_("findings"), blank=True, related_name="records"
    )
    obligations = models.ManyToManyField(
        "compliance.Obligation", verbose_name=_("overdue obligations"), blank=True, related_name="+"
    )
    measure = models.CharField(_("measure"), max_length=30, choices=Measure.choices)
    facts = models.TextField(
        _("for what"), max_length=DESCRIPTION_MAX, validators=[validate_plain_text]
    )
    decision_date = models.DateField(_("decided on"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope = models.CharField(_("visible to"), max_length=20, choices=RecordScope.choices)
    created_at = models.DateTimeField(_("recorded"))

    objects = AccountabilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("accountability record")
        verbose_name_plural = _("accountability records")
        ordering = ["-decision_date", "-pk"]
        indexes = [models.Index(fields=["organization", "scope"], name="accountability_org")]

    def __str__(self) -> str:
        return f"{self.person_name} {self.get_measure_display()}"
