"""`gongkai end_publicity`: record the end of every publicity period that has passed.

Visibility never waits for this (time decides, not jobs): it only writes the event and the
state that to-do lists and reports read. Safe to run at any time and twice: each row is
claimed by the guarded move, which refuses one that another run already moved.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure, State


class Command(BaseCommand):
    help = "Record the end of every publicity period that has passed (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only count them")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        due = Disclosure.objects.filter(
            state=State.PUBLISHED,
            publicity_until__isnull=False,
            publicity_until__lte=timezone.now(),
        ).order_by("publicity_until", "pk")
        ended = 0
        for disclosure in due.iterator():
            if dry_run:
                ended += 1
                continue
            try:
                workflow.end_publicity(disclosure)
            except ValidationError:
                continue  # moved meanwhile by another run or a person
            ended += 1
        message = (
            _("%(count)d publicity periods would end.")
            if dry_run
            else _("%(count)d publicity periods ended.")
        )
        self.stdout.write(message % {"count": ended})
