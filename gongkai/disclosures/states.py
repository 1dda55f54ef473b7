"""The states of a disclosure's life, in a module of their own.

Everything that only needs to name a state (the visibility rule, the event log, the API's
schemas) imports it from here rather than from `models`, so the rules can be imported by the
models without a cycle.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
