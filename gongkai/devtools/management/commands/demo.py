from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai.devtools.demo import ACCOUNTS, DEMO_PASSWORD, load_demo

PERSONA_LABELS = {
    "clerk": gettext_lazy("Clerk"),
    "reviewer": gettext_lazy("Reviewer (branch secretary)"),
    "superior": gettext_lazy("Superior reviewer (town secretary)"),
    "member": gettext_lazy("Member"),
    "supervisor": gettext_lazy("Supervisor"),
    "office": gettext_lazy("Town leading-group office"),
    "admin": gettext_lazy("System administrator"),
}


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
                "  "
                + _("%(persona)s: username %(username)s, mobile %(mobile)s, %(name)s")
                % {
                    "persona": PERSONA_LABELS[account.username],
                    "username": account.username,
                    "mobile": account.mobile,
                    "name": account.display_name,
                }
            )
