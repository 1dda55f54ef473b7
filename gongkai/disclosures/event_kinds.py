"""The names of what can happen to a disclosure, the sentence each one reads as, and the
roles a person can act in.

Pure data with no model import: the Event model takes its choices from here and
`gongkai.disclosures.events` (which writes Event rows) re-exports it, so neither the models
nor the rules import each other in a circle.
"""

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    """Event names. The workflow's moves keep the values of `workflow.Action` (stored rows
    written before the event log was widened use them)."""

    CREATE = "create", _("Draft started")
    EDIT = "edit", _("Draft edited")
    SUBMIT = "submit", _("Submit for review")
    OPEN_CONSULTATION = "open_consultation", _("Open consultation")
    CLOSE_CONSULTATION = "close_consultation", _("Close consultation")
    REVIEW = "review", _("Pass review (content and secrecy)")
    SEND_TO_SUPERIOR = "send_to_superior", _("Send to the superior for review")
    SUPERIOR_APPROVE = "superior_approve", _("Approve as the superior")
    APPROVE = "approve", _("Approve")
    RETURN = "return", _("Return to the clerk")
    PUBLISH = "publish", _("Publish")
    END_PUBLICITY = "end_publicity", _("End the publicity period")
    ARCHIVE = "archive", _("Archive")
    WITHDRAW = "withdraw", _("Withdraw")
    CORRECT = "correct", _("Correct")
    ATTACHMENT_ADDED = "attachment_added", _("Attachment added")
    ATTACHMENT_REMOVED = "attachment_removed", _("Attachment removed")
    ATTACHMENT_CHECKED = "attachment_checked", _("Attachment checked by eye")
    OPINION_RECEIVED = "opinion_received", _("Opinion received")
    OPINION_HANDLED = "opinion_handled", _("Opinion handled")
    SECRET_CLEARED = "secret_cleared", _("Secret marking cleared")
    MASK_EXCEPTIONS = "mask_exceptions", _("Numbers shown unmasked")


#: What each event reads as on the audit trail and the public timeline. Placeholders are
#: filled from the event's `detail`; a detail key a sentence needs but the row lacks reads
#: as "—" (see `Event.sentence`), never as an error.
SENTENCES: dict[str, Promise] = {
    EventKind.CREATE: _("Started the draft"),
    EventKind.EDIT: _("Edited the draft"),
    EventKind.SUBMIT: _("Submitted it for review"),
    EventKind.OPEN_CONSULTATION: _("Opened a consultation"),
    EventKind.CLOSE_CONSULTATION: _("Closed the consultation"),
    EventKind.REVIEW: _("Passed the content and secrecy review"),
    EventKind.SEND_TO_SUPERIOR: _("Sent it to the superior organization for review"),
    EventKind.SUPERIOR_APPROVE: _("Approved it as the superior organization"),
    EventKind.APPROVE: _("Approved it"),
    EventKind.RETURN: _("Returned it to the clerk"),
    EventKind.PUBLISH: _("Published it"),
    EventKind.END_PUBLICITY: _("The publicity period ended"),
    EventKind.ARCHIVE: _("Archived it"),
    EventKind.WITHDRAW: _("Withdrew it"),
    EventKind.CORRECT: _("Published a correction"),
    EventKind.ATTACHMENT_ADDED: _("Attached “%(name)s”"),
    EventKind.ATTACHMENT_REMOVED: _("Removed the attachment “%(name)s”"),
    EventKind.ATTACHMENT_CHECKED: _("Checked the attachment “%(name)s” by eye"),
    EventKind.OPINION_RECEIVED: _("Received an opinion"),
    EventKind.OPINION_HANDLED: _("Recorded how an opinion was handled"),
    EventKind.SECRET_CLEARED: _("Cleared a secret marking in the secrecy review"),
    EventKind.MASK_EXCEPTIONS: _("Recorded why %(kinds)s must show unmasked"),
}

#: Events the public timeline shows (by role, never by name). Drafting details, attachments,
#: opinions and the secrecy review's working notes are the organization's own record.
PUBLIC_KINDS = frozenset(
    {
        EventKind.CREATE,
        EventKind.SUBMIT,
        EventKind.OPEN_CONSULTATION,
        EventKind.CLOSE_CONSULTATION,
        EventKind.REVIEW,
        EventKind.SEND_TO_SUPERIOR,
        EventKind.SUPERIOR_APPROVE,
        EventKind.APPROVE,
        EventKind.RETURN,
        EventKind.PUBLISH,
        EventKind.END_PUBLICITY,
        EventKind.ARCHIVE,
        EventKind.WITHDRAW,
        EventKind.CORRECT,
    }
)

#: Events whose reason the public reads: a correction's and a withdrawal's stay visible on
#: purpose. A return's reasons are the reviewers' working notes on a draft.
PUBLIC_REASON_KINDS = frozenset({EventKind.CORRECT, EventKind.WITHDRAW})


class ActorRole(models.TextChoices):
    """The capacity a person acted in, stored on the event when it happened: later changes
    to the person's roles or to the transition table never relabel history."""

    CLERK = "clerk", _("Clerk")
    REVIEWER = "reviewer", _("Leading group (review)")
    SUPERIOR = "superior", _("Superior organization")
    OFFICE = "office", _("Leading-group office")
    SUPERVISOR = "supervisor", _("Supervisor")
    MEMBER = "member", _("Member")
    ADMINISTRATOR = "administrator", _("Administrator")
    PUBLIC = "public", _("The public")
    SYSTEM = "system", _("System (on time)")
