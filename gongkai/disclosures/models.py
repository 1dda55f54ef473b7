"""A disclosure (公开事项): the content that fulfils a catalog item for an organization and a
period or event, and its life from draft to archive.

Workflow state and visibility are separate: `state` says how far the disclosure has come;
whether a person may see it *now* is decided by `DisclosureQuerySet.visible_to` and
`visibility.can_see`, from scope, state and timestamps alone, so a scheduled item appears at
its minute with no worker running.
"""

from __future__ import annotations

import collections
import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongkai.catalog.models import Catalog, Item, Scope
from gongkai.disclosures import visibility
from gongkai.disclosures.event_kinds import SENTENCES, ActorRole, EventKind

# Re-exported for existing imports: the states live in their own module so the rules
# (visibility, events) can name them without importing the models.
from gongkai.disclosures.states import PUBLIC_STATES as PUBLIC_STATES
from gongkai.disclosures.states import State as State
from gongkai.organizations.models import Organization
from gongkai.validation import validate_plain_text

#: What staff see instead of "published" while the publication is still ahead (time decides:
#: the state is already `published`, the portal shows it from `publish_from`).
SCHEDULED_LABEL = _("Scheduled")


class DisclosureQuerySet(models.QuerySet["Disclosure"]):
    def visible_to(self, user: Any, now: dt.datetime | None = None) -> DisclosureQuerySet:
        """What `user` may see at `now`: see gongkai.disclosures.visibility."""
        return self.filter(visibility.visibility_condition(user, now))

    def in_consultation_for(self, user: Any) -> DisclosureQuerySet:
        """`visibility.can_see_consultation` as a queryset."""
        return self.filter(visibility.consultation_condition(user))


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
    #: The obligation this disclosure fulfils, by its structured key (gongkai.compliance.
    #: periods: "2026-Q1", "2026-H1", "E12" …); `period` stays the words readers see.
    period_key = models.CharField(_("obligation"), max_length=40, blank=True, db_index=True)

    title = models.CharField(_("title"), max_length=200, validators=[validate_plain_text])
    body = models.TextField(_("body"), blank=True, validators=[validate_plain_text])
    data = models.JSONField(_("structured data"), default=dict, blank=True)
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    party_first = models.BooleanField(_("party first"), default=False)
    party_first_lag_days = models.PositiveSmallIntegerField(
        _("public after (working days)"), default=0
    )
    channels = models.JSONField(_("channels used"), default=list, blank=True)
    #: Every rule of the item as the organization's *effective* catalog said when the draft
    #: was made (its own overrides applied): publicity period, consultation length, deadline,
    #: scope, lag, major matter, channels, form … Later steps read this, never the raw item
    #: row, so a local override holds and a later catalog change does not move the goalposts.
    rules = models.JSONField(_("rules of the item"), default=dict, blank=True)

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
    #: A reviewer's recorded clearance of a secret marking the scan found (the latest reason).
    secret_clearance = models.TextField(blank=True)
    #: Every clearance, bound to what it cleared: [{"markings": [...], "reason", "by", "at",
    #: "revision"}]. A marking not in any record's "markings" needs a new clearance.
    secret_clearances = models.JSONField(default=list, blank=True)

    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    published_revision = models.ForeignKey(
        "Revision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    #: Written from the workflow's clock (`gongkai.disclosures.clock.now`), so simulated history is in order.
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DisclosureQuerySet.as_manager()

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        indexes = [
            models.Index(fields=["organization", "state"], name="disclosure_org_state"),
            models.Index(fields=["state", "publish_from"], name="disclosure_schedule"),
            # The portal's orders: an organization's newest first (its page's "latest",
            # its own list) and an item's newest first (the page's catalog, one bounded
            # read per item: gongkai.portal.reading.newest_per_item).
            models.Index(
                fields=["organization", "-publish_from", "-id"], name="disclosure_org_newest"
            ),
            models.Index(
                fields=["organization", "item", "-publish_from", "-id"],
                name="disclosure_item_newest",
            ),
            # The same for the public, who see public-scope rows only: without it an item
            # whose disclosures are party-internal was read to its first row (all of its
            # history) to find none to show.
            models.Index(
                fields=["organization", "item", "-publish_from", "-id"],
                name="disclosure_item_public",
                condition=models.Q(scope="public"),
            ),
            # What is on show now on an organization's page: only the rows still on show.
            models.Index(fields=["organization", "publicity_until"], name="disclosure_org_on_show"),
            # Home page: the newest across the tree.
            models.Index(fields=["-publish_from", "-id"], name="disclosure_newest"),
            # The next scheduled change of an organization's pages (gongkai.disclosures.
            # changes: its next publication is a range on disclosure_org_newest) and the
            # whole site's feeds, by public time.
            models.Index(fields=["organization", "public_from"], name="disclosure_org_public"),
            models.Index(fields=["public_from"], name="disclosure_public_from"),
            # The whole site's next consultation close (the home page, the site's feeds):
            # the few rows out for consultation, not a scan of every disclosure.
            models.Index(
                fields=["consultation_until"],
                name="disclosure_consulting",
                condition=models.Q(state="consultation"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def rule(self, name: str) -> Any:
        """One rule of the item as snapshotted at creation (see `rules`)."""
        return (self.rules or {}).get(name)

    def is_scheduled(self, now: dt.datetime | None = None) -> bool:
        """Published, but its publication minute is still ahead."""
        now = now or timezone.now()
        return (
            self.state == State.PUBLISHED
            and self.publish_from is not None
            and self.publish_from > now
        )

    def state_label(self, now: dt.datetime | None = None) -> str:
        """The state as staff read it: a scheduled publication is "scheduled", never
        "published"."""
        if self.is_scheduled(now):
            return str(SCHEDULED_LABEL)
        return str(State(self.state).label)

    @property
    def item_name(self) -> str:
        """The item's name as the organization's catalog said when the draft was made."""
        return str(self.rule("name") or self.item.name)

    @property
    def shown_state(self) -> str:
        """`state_label` now, for templates."""
        return self.state_label()

    @property
    def scheduled(self) -> bool:
        return self.is_scheduled()


class Attachment(models.Model):
    """A file attached to a disclosure; see gongkai.disclosures.attachments for the rules."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="attachments/")
    name = models.CharField(_("file name"), max_length=120)
    kind = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    #: Everything read from the file as text, all parts one after another; `parts` says
    #: where each begins and ends ([{"name", "start", "end"}]), so a finding is shown with
    #: the part it sits in and no number is joined across two parts.
    text = models.TextField(blank=True)
    parts = models.JSONField(default=list, blank=True)
    #: Whether everything a reader could see was read as text; `unread` lists what was not
    #: (pictures, pages without text, embedded files). Such a file needs a visual check.
    complete = models.BooleanField(default=False)
    unread = models.JSONField(default=list, blank=True)
    #: The reviewer who looked at a file that cannot be read (wholly) as text, and when.
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    removed = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["disclosure", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def preview(self) -> str:
        """The beginning of the text, for lists (unmasked: mask it before showing)."""
        return self.text[:300]

    def part_texts(self) -> list[tuple[str, str]]:
        """(part name, its text) in file order."""
        return [(p["name"], self.text[p["start"] : p["end"]]) for p in self.parts or ()]


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
    #: The content as published, masked once at publication (or correction) with the
    #: reviewer's recorded exceptions: pages, the API, feeds and the search index read these
    #: bytes instead of masking again. Null until the revision is published.
    published_title = models.TextField(null=True, blank=True)
    published_body = models.TextField(null=True, blank=True)
    published_data = models.JSONField(null=True, blank=True)
    published_period = models.TextField(null=True, blank=True)
    #: The correction's reason as shown (masked like the content), stored with it.
    published_note = models.TextField(null=True, blank=True)
    #: The version readers are told ("第 1 版"): published versions counted, the first
    #: publication 1 and each correction one more, never the drafts submitted on the way
    #: (`number` counts every snapshot). Set at publication; null until then.
    public_number = models.PositiveIntegerField(_("published version"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    #: Written from the workflow's clock (`gongkai.disclosures.clock.now`), so simulated history is in order.
    created_at = models.DateTimeField(default=timezone.now)

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
    #: The person who gave it, when given online: "your opinions" are matched by account,
    #: never by a display name two people may share. Null for one collected on paper.
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("opinion"), validators=[validate_plain_text])
    #: Written from the workflow's clock (`gongkai.disclosures.clock.now`).
    received_at = models.DateTimeField(default=timezone.now)
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
    """One change to a disclosure: what happened (an `EventKind` with its sentence), who,
    in which role at the time, when, from which state to which, why, and the details the
    sentence names. Written by `gongkai.disclosures.events.record` inside the transaction of
    the change. The same rows serve the audit trail, the public timeline and dashboards."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="events")
    #: The event's name (`EventKind`); called `action` because the first events were moves.
    action = models.CharField(_("event"), max_length=30, choices=EventKind.choices)
    from_state = models.CharField(max_length=20, choices=State.choices)
    to_state = models.CharField(max_length=20, choices=State.choices)
    #: None for the system (a time-driven move such as the end of the publicity period).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: The role the actor acted in, as it was then (never recomputed).
    role = models.CharField(_("role"), max_length=20, choices=ActorRole.choices)
    #: True for rows written before roles were recorded: the role was derived afterwards
    #: (by migration) from the transition table and the person's roles at that time.
    role_derived = models.BooleanField(default=False)
    at = models.DateTimeField()
    reason = models.TextField(blank=True)
    #: What the sentence names (a file name, the kinds of numbers) and ids for later reading.
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["disclosure", "at", "pk"]
        indexes = [models.Index(fields=["disclosure", "at"], name="event_timeline")]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state} → {self.to_state}"

    @property
    def sentence(self) -> str:
        """What happened, in a sentence (the placeholders filled from `detail`)."""
        template = SENTENCES.get(self.action)
        if template is None:
            return self.action
        values = collections.defaultdict(lambda: "—", self.detail or {})
        return str(template) % values
