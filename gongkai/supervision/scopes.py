"""Who may see an accountability record: a module of its own, so the visibility rule and the
models can both name the scopes without importing each other."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordScope(models.TextChoices):
    LEADING_GROUP = "leading_group", _("The leading group only")
    PARTY = "party", _("Inside the party")
    PUBLIC = "public", _("To society")
