"""API tokens: how a program acts for a person.

Only a SHA-256 digest of each key is stored; the key itself is shown once, when
`gongkai api_token create` makes it. A stolen database therefore yields no usable key, and
since a key is 40 random characters (240 bits), a plain unsalted digest is enough: there is
nothing to guess.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    #: Hex SHA-256 of the key; the unique index serves the lookup on every request.
    key_hash = models.CharField(_("key digest"), max_length=64, unique=True, editable=False)
    label = models.CharField(_("label"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} · {self.label or self.pk}"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
