"""`gongkai seed`: fill a database with synthetic data at scale.

    gongkai seed --orgs 1000000 --seed 7

Each kind of data is one step (`seed_organizations`, later disclosures, …) run in order;
a step does nothing when its option is not given. The same options on a clean database
always produce the same data.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from gongkai.organizations import synthetic
from gongkai.organizations.models import Organization


class Command(BaseCommand):
    help = "Seed synthetic data at scale (deterministic for a given --seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--orgs", type=int, default=0, metavar="N", help="organizations to generate"
        )
        parser.add_argument(
            "--seed", type=int, default=1, metavar="S", help="random seed (default 1)"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="seed even though the database already holds organizations: the synthetic "
            "province is added beside them as a new top-level organization",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["orgs"] < 0:
            raise CommandError("--orgs must not be negative")
        if not options["orgs"]:
            raise CommandError(str(synthetic.NOTHING_TO_SEED))
        self.seed_organizations(options["orgs"], options["seed"], force=options["force"])

    def seed_organizations(self, total: int, seed: int, *, force: bool) -> None:
        present = Organization.objects.count()
        if present and not force:
            raise CommandError(str(synthetic.NOT_A_CLEAN_DATABASE) % {"count": present})
        province = synthetic.free_province_number() if present else 1
        try:
            summary = synthetic.load(total, seed, province_number=province)
        except IntegrityError as error:
            raise CommandError(str(synthetic.CODE_TAKEN) % {"error": error}) from error
        synthetic.refresh_statistics()
        kinds = "，".join(
            f"{Organization.Kind(kind).label} {count}" for kind, count in summary.by_kind.items()
        )
        self.stdout.write(
            str(synthetic.SEEDED)
            % {
                "total": summary.total,
                "seed": seed,
                "seconds": summary.seconds,
                "kinds": kinds,
                "code": summary.large.code,
                "size": summary.large.size,
                "root": summary.root.code,
            }
        )
