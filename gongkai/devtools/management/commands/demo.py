from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from gongkai.devtools.demo import ACCOUNTS, DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo town (idempotent); --accounts prints the demo sign-ins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--accounts", action="store_true", help="only print the demo accounts")

    def handle(self, *args: Any, accounts: bool = False, **options: Any) -> None:
        if not accounts:
            load_demo()
            self.stdout.write(
                _(
                    "The demo is ready: %(county)s › %(town)s with %(villages)d village and %(communities)d community branches."
                )
                % {"county": "云岭县委", "town": "青石镇党委", "villages": 15, "communities": 1}
            )
            return
        self.stdout.write(
            _(
                "Demo accounts (sign in with the username or the mobile number); every password is: %(password)s"
            )
            % {"password": DEMO_PASSWORD}
        )
        for account in ACCOUNTS:
            self.stdout.write(
                "\n"
                + _("%(persona)s: username %(username)s, mobile %(mobile)s, %(name)s")
                % {
                    "persona": account.persona,
                    "username": account.username,
                    "mobile": account.mobile,
                    "name": account.display_name,
                }
            )
            self.stdout.write("  " + _("Try first: %(what)s") % {"what": account.try_first})
