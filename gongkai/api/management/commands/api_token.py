"""`gongkai api_token create USERNAME`: make an API token and print its key, once.

Also `list [USERNAME]` and `revoke ID`. The key is never stored, only its SHA-256, so a lost
key cannot be shown again: revoke it and create another.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext_lazy

from gongkai.accounts.models import User
from gongkai.api import tokens
from gongkai.api.models import ApiToken

COMMAND_HELP = gettext_lazy("Create, list and revoke API tokens.")
NO_SUCH_USER = gettext_lazy("No active person has the username “%(username)s”.")
NO_SUCH_TOKEN = gettext_lazy("There is no API token %(id)s.")
CREATED = gettext_lazy(
    "API token %(id)d for %(person)s. The key is shown only this once; keep it secret:"
)
REVOKED = gettext_lazy("API token %(id)d is revoked.")
ALREADY_REVOKED = gettext_lazy("API token %(id)d was already revoked.")
NONE_YET = gettext_lazy("No API tokens.")
LINE = gettext_lazy(
    "%(id)d  %(username)s  %(label)s  created %(created)s  last used %(used)s  %(status)s"
)
ACTIVE = gettext_lazy("active")
REVOKED_STATUS = gettext_lazy("revoked")
NEVER = gettext_lazy("never")


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


class Command(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(COMMAND_HELP)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help=str(gettext_lazy("make a token, print its key")))
        create.add_argument("username")
        create.add_argument("--label", default="", help=str(gettext_lazy("what it is for")))
        listing = actions.add_parser("list", help=str(gettext_lazy("list tokens")))
        listing.add_argument("username", nargs="?")
        revoke = actions.add_parser("revoke", help=str(gettext_lazy("revoke a token")))
        revoke.add_argument("id", type=int)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"_{action}")(**options)

    def _create(self, *, username: str, label: str, **options: Any) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(NO_SUCH_USER % {"username": username})
        token, key = tokens.issue(user, label=label)
        self.stderr.write(CREATED % {"id": token.pk, "person": user})
        # The key alone on stdout, so `KEY=$(gongkai api_token create NAME)` works.
        self.stdout.write(key)

    def _list(self, *, username: str | None = None, **options: Any) -> None:
        found = ApiToken.objects.select_related("user")
        if username:
            found = found.filter(user__username=username)
        if not found.exists():
            self.stdout.write(str(NONE_YET))
            return
        for token in found:
            self.stdout.write(
                LINE
                % {
                    "id": token.pk,
                    "username": token.user.username,
                    "label": token.label or "-",
                    "created": _local(token.created_at),
                    "used": _local(token.last_used_at) if token.last_used_at else NEVER,
                    "status": REVOKED_STATUS if token.revoked else ACTIVE,
                }
            )

    def _revoke(self, *, id: int, **options: Any) -> None:
        token = ApiToken.objects.filter(pk=id).first()
        if token is None:
            raise CommandError(NO_SUCH_TOKEN % {"id": id})
        if token.revoked:
            self.stdout.write(ALREADY_REVOKED % {"id": id})
            return
        tokens.revoke(token)
        self.stdout.write(REVOKED % {"id": id})
