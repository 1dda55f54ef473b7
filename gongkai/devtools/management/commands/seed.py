"""`gongkai seed`: fill a database with synthetic data at scale.

    gongkai seed --orgs 1000000 --seed 7

Each kind of data is one step (`seed_organizations`, later disclosures, …) run in order;
a step does nothing when its option is not given. The same options on a clean database
always produce the same data.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, IntegrityError
from django.utils.translation import gettext as _

from gongkai.devtools.synthetic import disclosures as disclosure_synthetic
from gongkai.devtools.synthetic import organizations as synthetic
from gongkai.organizations.models import Organization


class Command(BaseCommand):
    help = "Seed synthetic data at scale (deterministic for a given --seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--orgs", type=int, default=0, metavar="N", help="organizations to generate"
        )
        parser.add_argument(
            "--disclosures",
            type=int,
            default=0,
            metavar="M",
            help="published disclosures to generate, spread over the tree with a realistic "
            "skew, each with its revisions, its events and its ledger entries",
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
        if options["orgs"] < 0 or options["disclosures"] < 0:
            raise CommandError("--orgs and --disclosures must not be negative")
        if not options["orgs"] and not options["disclosures"]:
            raise CommandError(str(synthetic.NOTHING_TO_SEED))
        if options["orgs"]:
            self.seed_organizations(options["orgs"], options["seed"], force=options["force"])
        if options["disclosures"]:
            self.seed_disclosures(options["disclosures"], options["seed"])

    def seed_disclosures(self, count: int, seed: int) -> None:
        """Published disclosures spread over the tree (devtools.synthetic.disclosures): each
        with its revisions, its events and its ledger entries, streamed in batches."""
        summary = disclosure_synthetic.seed(
            count,
            using=DEFAULT_DB_ALIAS,
            seed=seed,
            progress=lambda done: self.stderr.write(f"{done}/{count}") if count > 10_000 else None,
        )
        done = _(
            "Seeded %(count)d disclosures (%(corrected)d corrected, %(withdrawn)d "
            "withdrawn) at %(orgs)d organizations with %(entries)d ledger entries in "
            "%(seconds).1f s; peak memory %(rss).0f MiB."
        ) % {
            "count": count,
            "corrected": summary.corrected,
            "withdrawn": summary.withdrawn,
            "orgs": summary.organizations_with,
            "entries": summary.entries,
            "seconds": summary.seconds,
            "rss": summary.peak_rss_mib,
        }
        if not summary.search_index:
            searched = _("Search is not installed: no search index was written.")
        elif summary.worker_peak_rss_mib:
            searched = _(
                "The search index was written with them (tokenized in a worker process, "
                "peak memory %(rss).0f MiB)."
            ) % {"rss": summary.worker_peak_rss_mib}
        else:
            searched = _("The search index was written with them.")
        if summary.maker_peak_rss_mib:
            made = _(
                "The rows were made in a second process while this one wrote them (peak "
                "memory %(rss).0f MiB, counting what it shares with this one)."
            ) % {"rss": summary.maker_peak_rss_mib}
            searched = _("%(done)s %(search)s") % {"done": made, "search": searched}
        # Two sentences: a space between them in English, none in Chinese.
        self.stdout.write(_("%(done)s %(search)s") % {"done": done, "search": searched})

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
