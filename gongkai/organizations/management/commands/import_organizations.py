"""`gongkai import_organizations FILE [--under CODE]`: import an organization sheet as a
system administrator. Prints every problem and exits with status 1 when there is any; then
nothing has been imported."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gongkai.accounts.models import User
from gongkai.organizations.importing import import_organizations
from gongkai.organizations.models import Organization


def system_administrator() -> User:
    """The actor for imports run from the command line: whoever runs the command on the
    server already has the administrator's power; nothing is saved for it."""
    return User(username="system", display_name=_("System"), is_superuser=True, is_active=True)


class Command(BaseCommand):
    help = "Import organizations from an Excel sheet (.xlsx), all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .xlsx file")
        parser.add_argument(
            "--under",
            metavar="CODE",
            help="hang rows with an empty superior code below this organization",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        under = None
        if options["under"]:
            under = Organization.objects.filter(code=options["under"]).first()
            if under is None:
                raise CommandError(
                    _("No organization has the code %(code)s.") % {"code": options["under"]}
                )
        try:
            with open(options["file"], "rb") as file_obj:
                result = import_organizations(file_obj, actor=system_administrator(), under=under)
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": options["file"], "error": error}
            ) from error
        if result.errors:
            for problem in result.errors:
                self.stderr.write(problem.message)
            raise CommandError(
                _("%(count)d problems found; nothing was imported.")
                % {"count": len(result.errors)},
                returncode=1,
            )
        self.stdout.write(result.summary())
