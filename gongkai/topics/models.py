"""Topic requests (点题公开): members name topics they want disclosed and support each other's;
the organization answers within a deadline in working days.

A topic is open until it is answered; the answer's outcome says what became of it: a local
catalog item, a disclosure draft, declined with a reason, or merged into another topic. The
support count is stored on the topic and moved atomically with the support rows
(services.support / unsupport), so lists sort by it without counting.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongkai.catalog.models import Scope
from gongkai.organizations.models import Organization
from gongkai.validation import validate_plain_text

TITLE_MAX = 100
DESCRIPTION_MAX = 2000
ANSWER_MAX = 2000
#: Working days the organization has to answer, unless its settings say otherwise.
DEFAULT_ANSWER_DAYS = 15


class TopicSettings(models.Model):
    """Per-organization settings of topic requests."""

    organization = models.OneToOneField(
        Organization,
        on_delete=models.CASCADE,
        related_name="topic_settings",
        verbose_name=_("organization"),
    )
    answer_days = models.PositiveSmallIntegerField(
        _("answer deadline (working days)"), default=DEFAULT_ANSWER_DAYS
    )

    class Meta:
        verbose_name = _("topic request settings")
        verbose_name_plural = _("topic request settings")

    def __str__(self) -> str:
        return str(self.organization)


class State(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")


class Outcome(models.TextChoices):
    CATALOG_ITEM = "catalog_item", _("Accepted: added to the disclosure catalog")
    DISCLOSURE = "disclosure", _("Accepted: to be disclosed")
    DECLINED = "declined", _("Declined")
    MERGED = "merged", _("Merged into another topic")


class TopicRequestQuerySet(models.QuerySet["TopicRequest"]):
    def open(self) -> TopicRequestQuerySet:
        return self.filter(state=State.OPEN)

    def answered(self) -> TopicRequestQuerySet:
        return self.filter(state=State.ANSWERED)


class TopicRequest(models.Model):
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="topic_requests",
        verbose_name=_("organization"),
    )
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposer"),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX, validators=[validate_plain_text])
    description = models.TextField(
        _("description"), max_length=DESCRIPTION_MAX, blank=True, validators=[validate_plain_text]
    )
    created_at = models.DateTimeField(_("proposed at"))
    answer_days = models.PositiveSmallIntegerField(_("answer deadline (working days)"))
    due_date = models.DateField(_("answer due"))
    #: The due date was counted Monday to Friday for a year the calendar does not know yet.
    due_provisional = models.BooleanField(_("provisional date"), default=False)
    support_count = models.PositiveIntegerField(_("supporters"), default=0)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.OPEN)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    answer = models.TextField(
        _("answer"), max_length=ANSWER_MAX, blank=True, validators=[validate_plain_text]
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    #: Who sees the answer (and the question with it) beyond the organization's members.
    echo_scope = models.CharField(
        _("answer shown to"), max_length=20, choices=Scope.choices, default=Scope.PARTY
    )
    #: The local catalog item the topic became (its key in the organization's layer).
    item_key = models.CharField(_("catalog item"), max_length=64, blank=True)
    disclosure = models.ForeignKey(
        "disclosures.Disclosure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="topic_requests",
        verbose_name=_("disclosure"),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_topics",
        verbose_name=_("merged into"),
    )

    objects = TopicRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("topic request")
        verbose_name_plural = _("topic requests")
        indexes = [
            models.Index(fields=["organization", "state", "-support_count"], name="topic_list"),
            models.Index(fields=["state", "due_date"], name="topic_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="open", outcome="")
                | models.Q(state="answered") & ~models.Q(outcome=""),
                name="topic_outcome_when_answered",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state == State.OPEN


class TopicSupport(models.Model):
    topic = models.ForeignKey(
        TopicRequest, on_delete=models.CASCADE, related_name="supports", verbose_name=_("topic")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("member"),
    )
    created_at = models.DateTimeField(_("supported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["topic", "member"], name="topic_support_once")
        ]

    def __str__(self) -> str:
        return f"{self.topic_id}:{self.member_id}"
