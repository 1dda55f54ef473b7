"""Information requests (依申请公开): the request, its steps, and each organization's periods.

Everything about the applicant (name, ID number, phone, address, e-mail, account) is private:
only the organization's handling staff and its superior's filing see it
(`gongkai.permissions.can_see_applicant`). Public surfaces read `public_*` helpers of
gongkai.inforequests.services, never these fields.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongkai.inforequests import clock
from gongkai.organizations.models import Organization
from gongkai.validation import validate_plain_text

NAME_MAX = 50
ID_NUMBER_MAX = 32
PHONE_MAX = 32
ADDRESS_MAX = 200
EMAIL_MAX = 254
DESCRIPTION_MAX = 2000
PURPOSE_MAX = 500
TEXT_MAX = 2000  # reasons, legal bases, reply texts
LEGAL_BASIS_MAX = 500
THIRD_PARTY_MAX = 200


class InformationRequestPolicy(models.Model):
    """An organization's periods in working days; without a row the regulation's defaults."""

    organization = models.OneToOneField(
        Organization,
        on_delete=models.CASCADE,
        related_name="request_policy",
        verbose_name=_("organization"),
    )
    answer_days = models.PositiveSmallIntegerField(
        _("answer within (working days)"),
        default=clock.DEFAULT_POLICY.answer_days,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    max_extension_days = models.PositiveSmallIntegerField(
        _("longest extension (working days)"),
        default=clock.DEFAULT_POLICY.max_extension_days,
        validators=[MinValueValidator(0), MaxValueValidator(60)],
    )
    supplement_notice_days = models.PositiveSmallIntegerField(
        _("notice to complete within (working days)"),
        default=clock.DEFAULT_POLICY.supplement_notice_days,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    third_party_days = models.PositiveSmallIntegerField(
        _("third-party consultation (working days)"),
        default=clock.DEFAULT_POLICY.third_party_days,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )

    class Meta:
        verbose_name = _("information request periods")
        verbose_name_plural = _("information request periods")

    def __str__(self) -> str:
        return str(self.organization)

    def as_policy(self) -> clock.Policy:
        return clock.Policy(
            answer_days=self.answer_days,
            max_extension_days=self.max_extension_days,
            supplement_notice_days=self.supplement_notice_days,
            third_party_days=self.third_party_days,
        )


class State(models.TextChoices):
    HANDLING = "handling", _("Being handled")
    SUPPLEMENT = "supplement", _("Waiting for the applicant to complete the request")
    THIRD_PARTY = "third_party", _("Consulting a third party")
    CONFIRMATION = "confirmation", _("Refusal awaiting the superior's confirmation")
    ANSWERED = "answered", _("Answered")


OPEN_STATES = (State.HANDLING, State.SUPPLEMENT, State.THIRD_PARTY, State.CONFIRMATION)


class Channel(models.TextChoices):
    ONLINE = "online", _("Website")
    KIOSK = "kiosk", _("Touch screen")
    API = "api", _("API")
    LETTER = "letter", _("Letter")
    IN_PERSON = "in_person", _("In person")


class PreferredForm(models.TextChoices):
    PAPER = "paper", _("Paper copy")
    ELECTRONIC = "electronic", _("Electronic file")
    EMAIL = "email", _("By e-mail")
    INSPECT = "inspect", _("Inspection on site")


class Outcome(models.TextChoices):
    """The kinds of answer, in the rows of the annual report's table."""

    DISCLOSED = "disclosed", _("Disclosed")
    PARTLY = "partly", _("Partly disclosed")
    NOT_DISCLOSED = "not_disclosed", _("Not disclosed")
    NOT_HELD = "not_held", _("Not held by this organization")
    NOT_WITHIN_SCOPE = "not_within_scope", _("Not within the scope of disclosure")
    REFERRED = "referred", _("Referred to another organization")


#: Answers that refuse something: the superior's leading group confirms them first.
NEEDS_CONFIRMATION = (Outcome.PARTLY, Outcome.NOT_DISCLOSED)


class RefusalReason(models.TextChoices):
    """Why something is not disclosed (the annual report's categories)."""

    SECRET = "secret", _("Party or state secret")
    PROHIBITED = "prohibited", _("Disclosure prohibited by laws or party regulations")
    SECURITY = "security", _("Endangers security or social stability")
    THIRD_PARTY = "third_party", _("Third party's lawful rights (privacy, trade secrets)")
    INTERNAL = "internal", _("Internal affairs (personnel, logistics, internal procedures)")
    PROCESS = "process", _("Process information (discussion records, drafts, consultations)")
    CASE_FILES = "case_files", _("Discipline or enforcement case files")
    QUERY = "query", _("A matter for an inquiry, not disclosure")


class Appeal(models.TextChoices):
    NONE = "", pgettext_lazy("appeal", "None")
    REVIEW = "review", _("Administrative review")
    LITIGATION = "litigation", _("Litigation")


class AppealResult(models.TextChoices):
    PENDING = "pending", _("Not concluded")
    UPHELD = "upheld", _("Upheld")
    CORRECTED = "corrected", _("Corrected by the review")
    OTHER = "other", _("Other result")


class InformationRequestQuerySet(models.QuerySet["InformationRequest"]):
    def open(self) -> InformationRequestQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def for_subtree(self, org: Organization) -> InformationRequestQuerySet:
        return self.filter(organization__path__startswith=org.path)


class InformationRequest(models.Model):
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="information_requests",
        verbose_name=_("organization"),
    )
    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True)
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.ONLINE
    )
    received_on = models.DateField(_("received on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.HANDLING
    )

    # --- the applicant: private ------------------------------------------------------------
    applicant_name = models.CharField(
        _("applicant's name"), max_length=NAME_MAX, validators=[validate_plain_text]
    )
    applicant_id_number = models.CharField(
        _("ID number"), max_length=ID_NUMBER_MAX, blank=True, validators=[validate_plain_text]
    )
    applicant_phone = models.CharField(
        _("phone"), max_length=PHONE_MAX, blank=True, validators=[validate_plain_text]
    )
    applicant_address = models.CharField(
        _("postal address"), max_length=ADDRESS_MAX, blank=True, validators=[validate_plain_text]
    )
    applicant_email = models.EmailField(_("e-mail"), max_length=EMAIL_MAX, blank=True)
    applicant_account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="information_requests",
        verbose_name=_("applicant's account"),
    )

    # --- what is asked ---------------------------------------------------------------------
    description = models.TextField(
        _("information requested"), max_length=DESCRIPTION_MAX, validators=[validate_plain_text]
    )
    purpose = models.TextField(
        _("purpose"), max_length=PURPOSE_MAX, blank=True, validators=[validate_plain_text]
    )
    preferred_form = models.CharField(
        _("preferred form"), max_length=16, choices=PreferredForm.choices, blank=True
    )

    # --- the clock (stored from the steps by services.refresh, for lists and reminders) ------
    due_on = models.DateField(_("due on"), null=True, blank=True, db_index=True)

    # --- the answer --------------------------------------------------------------------------
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    refusal_reason = models.CharField(
        _("reason for not disclosing"), max_length=20, choices=RefusalReason.choices, blank=True
    )
    legal_basis = models.CharField(
        _("legal basis"), max_length=LEGAL_BASIS_MAX, blank=True, validators=[validate_plain_text]
    )
    reply_text = models.TextField(
        _("reply"), max_length=TEXT_MAX, blank=True, validators=[validate_plain_text]
    )
    disclosure = models.ForeignKey(
        "disclosures.Disclosure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("disclosure answering it"),
    )
    referred_to = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("referred to"),
    )
    decided_on = models.DateField(_("answered on"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )

    # --- afterwards --------------------------------------------------------------------------
    appeal = models.CharField(_("appeal"), max_length=16, choices=Appeal.choices, blank=True)
    appeal_result = models.CharField(
        _("appeal result"), max_length=16, choices=AppealResult.choices, blank=True
    )

    objects = InformationRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("information request")
        verbose_name_plural = _("information requests")
        indexes = [models.Index(fields=["organization", "received_on"])]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class RequestStep(models.Model):
    """One thing that happened to a request; the clock is computed from these rows."""

    class Kind(models.TextChoices):
        RECEIVED = clock.RECEIVED, _("Received")
        SUPPLEMENT_REQUESTED = clock.SUPPLEMENT_REQUESTED, _("Notice to complete sent")
        SUPPLEMENT_RECEIVED = clock.SUPPLEMENT_RECEIVED, _("Completed request received")
        THIRD_PARTY_ASKED = clock.THIRD_PARTY_ASKED, _("Third party consulted")
        THIRD_PARTY_ANSWERED = clock.THIRD_PARTY_ANSWERED, _("Third party answered")
        EXTENDED = clock.EXTENDED, _("Deadline extended")
        PROPOSED = "proposed", _("Refusal proposed to the superior")
        RETURNED = "returned", _("Returned by the superior")
        CONFIRMED = "confirmed", _("Confirmed by the superior")
        DECIDED = "decided", _("Answered")
        APPEALED = "appealed", _("Appeal recorded")

    request = models.ForeignKey(InformationRequest, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("step"), max_length=24, choices=Kind.choices)
    on = models.DateField(_("date"))
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    reason = models.TextField(_("reason"), max_length=TEXT_MAX, blank=True)
    #: An extension's working days.
    days = models.PositiveSmallIntegerField(_("working days"), default=0)
    #: The third party consulted (name of a person or a unit; private like the applicant).
    third_party = models.CharField(_("third party"), max_length=THIRD_PARTY_MAX, blank=True)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind} {self.on}"

    def as_clock_step(self) -> clock.Step:
        return clock.Step(kind=self.kind, on=self.on, days=self.days)


def policy_for(org: Organization) -> clock.Policy:
    row: Any = InformationRequestPolicy.objects.filter(organization=org).first()
    return row.as_policy() if row is not None else clock.DEFAULT_POLICY
