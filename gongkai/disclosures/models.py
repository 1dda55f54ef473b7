"""A disclosure (公开事项): the content that fulfils a catalog item for an organization and a
period or event, and its life from draft to archive.

Workflow state and visibility are separate: `state` says how far the disclosure has come;
whether a person may see it *now* is decided by `DisclosureQuerySet.visible_to` and
`visibility.can_see`, from scope, state and timestamps alone, so a scheduled item appears at
its minute with no worker running.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongkai.catalog.models import Catalog, Item, Scope
from gongkai.organizations.models import Organization
from gongkai.validation import validate_plain_text


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CONSULTATION = "consultation", _("In consultation")
    REVIEWED = "reviewed", _("Reviewed")
    SUPERIOR_REVIEW = "superior_review", _("Awaiting superior review")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    PUBLICITY_ENDED = "publicity_ended", _("Publicity period ended")
    ARCHIVED = "archived", _("Archived")
    RETURNED = "returned", _("Returned")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: States in which a disclosure has been made public (it may still be scheduled for later).
PUBLIC_STATES = (State.PUBLISHED, State.PUBLICITY_ENDED, State.ARCHIVED, State.WITHDRAWN)


class DisclosureQuerySet(models.QuerySet["Disclosure"]):
    def visible_to(self, user: Any, now: dt.datetime | None = None) -> DisclosureQuerySet:
        """What `user` may see at `now`: see gongkai.disclosures.visibility."""
        from gongkai.disclosures.visibility import visibility_condition

        return self.filter(visibility_condition(user, now))


class Disclosure(models.Model):
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="disclosures",
    )
    #: The catalog layer, its version and the exact item row this disclosure was made against.
    catalog = models.ForeignKey(Catalog, on_delete=models.PROTECT, related_name="+")
    catalog_version = models.PositiveIntegerField(_("catalog version"))
    item = models.ForeignKey(
        Item, verbose_name=_("catalog item"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(
        _("period or event"), max_length=100, blank=True, validators=[validate_plain_text]
    )
    event_date = models.DateField(_("date of the event"), null=True, blank=True)

    title = models.CharField(_("title"), max_length=200, validators=[validate_plain_text])
    body = models.TextField(_("body"), blank=True, validators=[validate_plain_text])
    data = models.JSONField(_("structured data"), default=dict, blank=True)
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    party_first = models.BooleanField(_("party first"), default=False)
    party_first_lag_days = models.PositiveSmallIntegerField(
        _("public after (working days)"), default=0
    )
    channels = models.JSONField(_("channels used"), default=list, blank=True)

    publish_from = models.DateTimeField(_("publish from"), null=True, blank=True)
    #: When the public (or the unit) sees it: publish_from plus the party-first lag. Set at
    #: approval from the working-day calendar; null while it is party-only.
    public_from = models.DateTimeField(_("public from"), null=True, blank=True)
    publicity_until = models.DateTimeField(_("on show until"), null=True, blank=True)

    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    needs_superior_review = models.BooleanField(_("needs superior review"), default=False)
    consultation_required = models.BooleanField(_("consultation required"), default=False)
    consultation_until = models.DateTimeField(_("consultation until"), null=True, blank=True)
    consulted = models.BooleanField(_("consultation held"), default=False)

    secrecy_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    secrecy_reviewed_at = models.DateTimeField(null=True, blank=True)
    secrecy_checklist = models.JSONField(default=dict, blank=True)
    #: Personal-number kinds a reviewer decided must show, with the recorded reason.
    mask_exceptions = models.JSONField(default=dict, blank=True)
    #: A reviewer's recorded clearance of a secret marking the scan found.
    secret_clearance = models.TextField(blank=True)

    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    published_revision = models.ForeignKey(
        "Revision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DisclosureQuerySet.as_manager()

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        indexes = [
            models.Index(fields=["organization", "state"], name="disclosure_org_state"),
            models.Index(fields=["state", "publish_from"], name="disclosure_schedule"),
        ]

    def __str__(self) -> str:
        return self.title


class Attachment(models.Model):
    """A file attached to a disclosure; see gongkai.disclosures.attachments for the rules."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="attachments/")
    name = models.CharField(_("file name"), max_length=120)
    kind = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    text_preview = models.TextField(blank=True)
    removed = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["disclosure", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class Revision(models.Model):
    """A frozen copy of the content: one at every submission and every correction. Nothing
    published is edited in place; the public sees every published revision."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    #: The files as they were at this revision (the ledger hashes their digests).
    attachments = models.ManyToManyField(Attachment, blank=True, related_name="revisions")
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["disclosure", "number"]
        constraints = [
            models.UniqueConstraint(fields=["disclosure", "number"], name="revision_once")
        ]

    def __str__(self) -> str:
        return f"{self.disclosure_id}#{self.number}"


class Opinion(models.Model):
    """An opinion collected while a draft is out for consultation, and how it was handled."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="opinions")
    author = models.CharField(
        _("from"), max_length=50, blank=True, validators=[validate_plain_text]
    )
    text = models.TextField(_("opinion"), validators=[validate_plain_text])
    received_at = models.DateTimeField(auto_now_add=True)
    handling = models.TextField(
        _("how it was handled"), blank=True, validators=[validate_plain_text]
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["disclosure", "received_at", "pk"]

    def __str__(self) -> str:
        return self.text[:30]


class Event(models.Model):
    """Every move of a disclosure: who, when, from where to where, and why. The same rows
    serve the audit, the public timeline and the to-do lists."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, choices=State.choices)
    to_state = models.CharField(max_length=20, choices=State.choices)
    #: None for the system (a time-driven move such as the end of the publicity period).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["disclosure", "at", "pk"]
        indexes = [models.Index(fields=["disclosure", "at"], name="event_timeline")]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state} → {self.to_state}"
