"""Opinions (意见建议 / 群众反映 / 咨询), their history, and each organization's answer rules.

The raw question, answer and the sender's name and contact are for the handling staff only
(`permissions.can_handle_opinions`); every public surface reads `masked_question` and
`masked_answer` (gongkai.disclosures.scanning.mask, applied when the opinion arrives, when it
is answered and again when it is published) and never the sender.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongkai import validation
from gongkai.catalog.models import Scope
from gongkai.guard import tracking

NAME_MAX = 50
CONTACT_MAX = 100
REASON_MAX = validation.REASON_MAX
ANSWER_MAX = validation.REASON_MAX * 2
OPINION_MAX = validation.OPINION_MAX
ATTACHMENT_NAME_MAX = 120


class Kind(models.TextChoices):
    SUGGESTION = "suggestion", _("Suggestion")
    REPORT = "report", _("Report of a problem")
    INQUIRY = "inquiry", _("Inquiry")


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    KIOSK = "kiosk", _("Kiosk")
    API = "api", _("API")
    PAPER = "paper", _("Paper (opinion box)")


class State(models.TextChoices):
    RECEIVED = "received", _("Received")
    VALID = "valid", _("Accepted, being handled")
    ANSWERED = "answered", _("Answered")
    DUPLICATE = "duplicate", _("Duplicate")
    SPAM = "spam", _("Spam")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope")


#: Waiting for an answer: these count towards the deadline, remind and escalate.
OPEN_STATES = (State.RECEIVED, State.VALID)
#: Closed at triage, without an answer.
CLOSED_STATES = (State.DUPLICATE, State.SPAM, State.OUT_OF_SCOPE)


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class OpinionQuerySet(models.QuerySet["Opinion"]):
    def open(self) -> OpinionQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def on_wall(self) -> OpinionQuerySet:
        return self.filter(published=True, state=State.ANSWERED)


class Opinion(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="engagement_opinions",
        verbose_name=_("organization"),
    )
    #: The catalog item the opinion is about (its key), or empty.
    item_key = models.CharField(_("catalog item"), max_length=200, blank=True)
    disclosure = models.ForeignKey(
        "disclosures.Disclosure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="engagement_opinions",
        verbose_name=_("disclosure"),
    )
    text = models.TextField(_("opinion"), validators=[validation.validate_plain_text])
    sender_name = models.CharField(_("sender's name"), max_length=NAME_MAX, blank=True)
    sender_contact = models.CharField(_("sender's contact"), max_length=CONTACT_MAX, blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="engagement_opinions",
        verbose_name=_("account"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    tracking_code = models.CharField(_("tracking code"), max_length=tracking.LENGTH, unique=True)
    responsible = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="engagement_opinions_handled",
        verbose_name=_("handling unit"),
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    due_date = models.DateField(_("answer deadline"))
    #: The deadline was counted with Monday to Friday for a year the calendar lacks.
    due_provisional = models.BooleanField(_("provisional date"), default=False)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.RECEIVED
    )
    triage_reason = models.CharField(_("reason"), max_length=REASON_MAX, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="engagement_assigned",
        verbose_name=_("assigned to"),
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="engagement_answered",
        verbose_name=_("answered by"),
    )
    masked_question = models.TextField(_("question as shown"), blank=True)
    masked_answer = models.TextField(_("answer as shown"), blank=True)
    echo_scope = models.CharField(
        _("echo wall scope"), max_length=20, choices=Scope.choices, default=Scope.PUBLIC
    )
    published = models.BooleanField(_("on the echo wall"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    rating = models.CharField(_("satisfaction"), max_length=20, choices=Rating.choices, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    #: The key the sending device drew for this submission (a UUID): a replay of it (a kiosk
    #: resending what it queued while offline) finds this opinion instead of storing another.
    submission_key = models.UUIDField(_("submission key"), null=True, blank=True, editable=False)
    #: The same for the satisfaction vote: a replayed vote is the vote already recorded.
    rating_key = models.UUIDField(_("vote key"), null=True, blank=True, editable=False)

    objects = OpinionQuerySet.as_manager()

    class Meta:
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["responsible", "state", "due_date"], name="eng_op_work_idx"),
            models.Index(
                fields=["organization", "published", "-published_at"], name="eng_op_wall_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["submission_key"], name="eng_op_submission_key_uniq"),
            models.UniqueConstraint(fields=["rating_key"], name="eng_op_rating_key_uniq"),
        ]

    def __str__(self) -> str:
        return tracking.display(self.tracking_code)

    @property
    def code_display(self) -> str:
        return tracking.display(self.tracking_code)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class OpinionEvent(models.Model):
    """One step in an opinion's history: who did what, when (staff names are for staff)."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Received")
        TRIAGED = "triaged", _("Triaged")
        ASSIGNED = "assigned", _("Assigned")
        REASSIGNED = "reassigned", _("Passed to another unit")
        ANSWERED = "answered", _("Answered")
        PUBLISHED = "published", _("Published on the echo wall")
        UNPUBLISHED = "unpublished", _("Taken off the echo wall")
        RATED = "rated", _("Rated")

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=REASON_MAX, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("opinion event")
        verbose_name_plural = _("opinion events")

    def __str__(self) -> str:
        return f"{self.opinion_id}:{self.kind}"


class AnswerRule(models.Model):
    """An organization's own answer deadline (working days) and escalation delay; an
    organization without one inherits its nearest superior's, else the settings' default."""

    organization = models.OneToOneField(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="engagement_answer_rule",
        verbose_name=_("organization"),
    )
    answer_days = models.PositiveSmallIntegerField(_("working days to answer"), default=10)
    escalate_after_days = models.PositiveSmallIntegerField(
        _("working days overdue before escalation"), default=5
    )

    class Meta:
        verbose_name = _("opinion answer rule")
        verbose_name_plural = _("opinion answer rules")

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.answer_days}"


def attachment_path(instance: OpinionAttachment, filename: str) -> str:
    """A random name under engagement/: neither the sender's file name nor the content's
    digest (which anyone holding the file could compute) reaches the storage path."""
    return f"engagement/opinions/{secrets.token_urlsafe(24)}.{instance.kind or 'bin'}"


class OpinionAttachment(models.Model):
    """A file sent with an opinion (a photo of a board, a PDF): checked by its bytes, read
    and scanned (gongkai.guard.uploads) before the opinion is stored, and shown to the
    handling staff only (never on the echo wall, the tracking page, the kiosk or the
    public API)."""

    opinion = models.ForeignKey(
        Opinion, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("opinion")
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=ATTACHMENT_NAME_MAX)
    kind = models.CharField(_("file type"), max_length=10)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    text = models.TextField(_("text read from the file"), blank=True)
    #: The whole file could be read as text (else staff look at it themselves).
    complete = models.BooleanField(_("read completely"), default=True)
    findings = models.PositiveIntegerField(_("personal numbers or markings found"), default=0)

    class Meta:
        ordering = ["opinion", "pk"]
        verbose_name = _("opinion attachment")
        verbose_name_plural = _("opinion attachments")

    def __str__(self) -> str:
        return self.name
