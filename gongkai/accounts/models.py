from __future__ import annotations

import re

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongkai.organizations.models import Role

USERNAME_LOOKS_LIKE_MOBILE = _(
    "A username cannot be another person's mobile number; people sign in with either."
)
MOBILE_IS_A_USERNAME = _("This mobile number is already someone's username.")

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
MOBILE_VALIDATOR = RegexValidator(
    MOBILE_RE, _("Enter an 11-digit mainland mobile number, e.g. 13800138000.")
)


class User(AbstractUser):
    """A person who signs in. Members of the public never need an account.

    What a person may do is decided by the roles they hold at organizations
    (organizations.Role), never by Django groups or is_staff; is_superuser marks the
    system administrators who alone may open Django's admin.
    """

    display_name = models.CharField(_("full name"), max_length=50)
    mobile = models.CharField(
        _("mobile number"),
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        validators=[MOBILE_VALIDATOR],
        help_text=_("Can be used instead of the username to sign in."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def clean(self) -> None:
        # Sign-in accepts a username or a mobile number, so the two namespaces must not
        # overlap: otherwise one person's mobile would open (or lock) another's account.
        super().clean()
        others = User.objects.exclude(pk=self.pk)
        if (
            self.username
            and self.username != self.mobile
            and (others.filter(mobile=self.username).exists() or MOBILE_RE.fullmatch(self.username))
        ):
            raise ValidationError({"username": USERNAME_LOOKS_LIKE_MOBILE})
        if self.mobile and others.filter(username=self.mobile).exists():
            raise ValidationError({"mobile": MOBILE_IS_A_USERNAME})

    def __str__(self) -> str:
        return self.display_name or self.username

    def get_full_name(self) -> str:
        return self.display_name or self.username

    def get_short_name(self) -> str:
        return self.display_name or self.username

    def save(self, *args: object, **kwargs: object) -> None:
        # An empty mobile is stored as NULL so the unique constraint allows many of them.
        if not self.mobile:
            self.mobile = None
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def roles_cached(self) -> list[Role]:
        """The person's active roles with their organizations, loaded once per request."""
        cached: list[Role] | None = getattr(self, "_roles_cache", None)
        if cached is None:
            cached = list(Role.objects.filter(user=self).select_related("organization"))
            self._roles_cache = cached
        return cached
