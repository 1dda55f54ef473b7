"""`gongkai bench`: time the tree queries, the ledger and the compliance core at scale; print
the figures as JSON.

    gongkai bench                                   # SQLite, 1,000,000 organizations, and
                                                    # the ledger: verifying 1,000,000 entries,
                                                    # proofs at 10,000,000 leaves, appending
                                                    # under concurrent publishing
    gongkai bench --postgres-url postgres://…       # and PostgreSQL too
    BENCH_DATABASE_URL=postgres://… gongkai bench   # the same
    make bench                                      # both, on a throwaway PostgreSQL cluster
    gongkai bench --only-compliance                 # generating a county's year of obligations,
                                                    # the unchanged daily run, a dashboard read
    gongkai bench --only-guard                      # the rate limits under load: gunicorn with
                                                    # two workers, 1,000 submissions in 10 s from
                                                    # one address, 50 other addresses meanwhile
    gongkai bench --only-portal                     # the portal uncached under gunicorn with two
                                                    # workers (organization page, disclosure page,
                                                    # a bare view), search, nginx cached vs static,
                                                    # on 5,000 organizations and 1,000,000
                                                    # disclosures seeded into var/bench/portal.sqlite3
    gongkai bench --only-portal --portal-disclosures 20000   # a smaller portal database

Progress goes to stderr; stdout holds only the JSON, so it can be piped or stored.
"""

from __future__ import annotations

import json
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongkai.devtools import bench, bench_compliance, bench_guard, bench_portal


class Command(BaseCommand):
    help = "Time subtree and ancestor queries on a synthetic tree; print JSON figures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--orgs", type=int, default=1_000_000, help="tree size")
        parser.add_argument("--seed", type=int, default=1, help="synthetic tree seed")
        parser.add_argument("--runs", type=int, default=50, help="timed runs per figure")
        parser.add_argument(
            "--postgres-url",
            default=os.environ.get("BENCH_DATABASE_URL") or None,
            help="also measure on this PostgreSQL database (default: $BENCH_DATABASE_URL)",
        )
        parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
        parser.add_argument(
            "--rebuild", action="store_true", help="rebuild the cached SQLite files in var/bench/"
        )
        parser.add_argument(
            "--ledger-entries",
            type=int,
            default=None,
            help="log size for the verify figure on SQLite (default: as many as --orgs; "
            "0 skips it)",
        )
        parser.add_argument(
            "--proof-leaves",
            type=int,
            default=None,
            help="tree size for the proof figure on SQLite (default: ten times --orgs; 0 skips it)",
        )
        parser.add_argument(
            "--append-workers",
            type=int,
            default=bench.APPEND_WORKERS,
            help="processes publishing at once for the append figure (0 skips it)",
        )
        parser.add_argument(
            "--compliance-orgs",
            type=int,
            default=bench_compliance.GENERATE_ORGS,
            help="county size for the obligation generation figure (0 skips it)",
        )
        parser.add_argument(
            "--dashboard-orgs",
            type=int,
            default=bench_compliance.DASHBOARD_ORGS,
            help="county size for the dashboard read figure (0 skips it)",
        )
        parser.add_argument(
            "--only-compliance",
            action="store_true",
            help="measure the compliance figures only (no tree or ledger figures)",
        )
        parser.add_argument(
            "--only-guard",
            action="store_true",
            help="measure the guard's rate limits under load only",
        )
        parser.add_argument(
            "--guard-submissions",
            type=int,
            default=bench_guard.SUBMISSIONS,
            help="submissions from the one address in the guard figure (0 skips it)",
        )
        parser.add_argument(
            "--guard-addresses",
            type=int,
            default=bench_guard.ADDRESSES,
            help="other loopback addresses (127.0.0.2 …) sending meanwhile",
        )
        parser.add_argument(
            "--guard-per-address",
            type=int,
            default=bench_guard.PER_OTHER,
            help="submissions from each other address",
        )
        parser.add_argument(
            "--guard-seconds",
            type=float,
            default=bench_guard.SECONDS,
            help="the seconds all submissions are spread over",
        )
        parser.add_argument(
            "--guard-workers",
            type=int,
            default=bench_guard.WORKERS,
            help="gunicorn worker processes",
        )
        parser.add_argument(
            "--guard-quota",
            type=int,
            default=None,
            help="submissions an address may store (soft and hard limit); default: the "
            "configured limits of the consultation action, its soft limit being the quota",
        )
        parser.add_argument(
            "--guard-target",
            default=None,
            help="path to post to instead of the public consultation form, e.g. "
            "/api/v1/opinions (then counted from the responses)",
        )
        parser.add_argument(
            "--guard-payload",
            choices=["form", "json"],
            default="form",
            help="how the guard figure posts: a form (the default target) or JSON",
        )
        parser.add_argument(
            "--only-portal",
            action="store_true",
            help="measure the portal only: pages uncached under gunicorn beside a bare view, "
            "search, and the cached page through nginx against a static file",
        )
        parser.add_argument(
            "--portal-orgs",
            type=int,
            default=bench_portal.ORGS,
            help="organizations of the portal database",
        )
        parser.add_argument(
            "--portal-disclosures",
            type=int,
            default=bench_portal.DISCLOSURES,
            help="disclosures of the portal database (seeded once, kept in var/bench/)",
        )
        parser.add_argument(
            "--portal-requests",
            type=int,
            default=bench_portal.REQUESTS,
            help="requests per page figure",
        )
        parser.add_argument(
            "--portal-concurrency",
            type=int,
            default=bench_portal.CONCURRENCY,
            help="keep-alive connections sending at once",
        )
        parser.add_argument(
            "--portal-workers",
            type=int,
            default=bench_portal.WORKERS,
            help="gunicorn worker processes for the portal figures",
        )
        parser.add_argument(
            "--appends",
            type=int,
            default=bench.APPENDS,
            help="entries each process appends for the append figure",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["orgs"] < 1 or options["runs"] < 1:
            raise CommandError("--orgs and --runs must be positive")
        # One scale for the whole run.
        ledger_entries = options["ledger_entries"]
        if ledger_entries is None:
            ledger_entries = options["orgs"]
        proof_leaves = options["proof_leaves"]
        if proof_leaves is None:
            proof_leaves = 10 * options["orgs"]
        if min(ledger_entries, proof_leaves, options["append_workers"]) < 0:
            raise CommandError(
                "--ledger-entries, --proof-leaves and --append-workers must be 0 or more"
            )
        if options["appends"] < 1:
            raise CommandError("--appends must be positive")
        if min(options["compliance_orgs"], options["dashboard_orgs"]) < 0:
            raise CommandError("--compliance-orgs and --dashboard-orgs must be 0 or more")
        if options["guard_submissions"] < 0 or options["guard_workers"] < 1:
            raise CommandError("--guard-submissions must be 0 or more, --guard-workers positive")
        if options["only_portal"]:
            self.stdout.write(
                json.dumps({"portal": self._portal(options)}, ensure_ascii=False, indent=2)
            )
            return
        if options["only_guard"]:
            self.stdout.write(
                json.dumps({"guard": self._guard(options)}, ensure_ascii=False, indent=2)
            )
            return
        if options["only_compliance"]:
            result: dict[str, Any] = {}
        else:
            result = self._tree_and_ledger(options, ledger_entries, proof_leaves)
        if options["guard_submissions"] and not options["only_compliance"]:
            result["guard"] = self._guard(options)
        result["compliance"] = bench_compliance.run(
            orgs=options["compliance_orgs"],
            dashboard_orgs=options["dashboard_orgs"],
            seed=options["seed"],
            runs=options["runs"],
            sqlite=not options["no_sqlite"],
            postgres_url=options["postgres_url"],
            log=self.stderr,
        )
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))

    def _portal(self, options: dict[str, Any]) -> dict[str, Any]:
        try:
            return bench_portal.run(
                orgs=options["portal_orgs"],
                disclosures=options["portal_disclosures"],
                seed=options["seed"],
                requests=options["portal_requests"],
                concurrency=options["portal_concurrency"],
                workers=options["portal_workers"],
                sqlite=not options["no_sqlite"],
                postgres_url=options["postgres_url"],
                rebuild=options["rebuild"],
                log=self.stderr,
            )
        except bench_portal.PortalBenchError as error:
            raise CommandError(str(error)) from error

    def _guard(self, options: dict[str, Any]) -> dict[str, Any]:
        try:
            return bench_guard.run(
                submissions=options["guard_submissions"],
                addresses=options["guard_addresses"],
                per_other=options["guard_per_address"],
                seconds=options["guard_seconds"],
                workers=options["guard_workers"],
                quota=options["guard_quota"],
                target=options["guard_target"],
                payload=options["guard_payload"],
                log=self.stderr,
            )
        except bench_guard.GuardBenchError as error:
            raise CommandError(str(error)) from error

    def _tree_and_ledger(
        self, options: dict[str, Any], ledger_entries: int, proof_leaves: int
    ) -> dict[str, Any]:
        try:
            return bench.run(
                total=options["orgs"],
                seed=options["seed"],
                runs=options["runs"],
                postgres_url=options["postgres_url"],
                sqlite=not options["no_sqlite"],
                rebuild=options["rebuild"],
                ledger_entries=ledger_entries,
                proof_leaves=proof_leaves,
                append_workers=options["append_workers"],
                appends=options["appends"],
                log=self.stderr,
            )
        except bench.BenchError as error:
            raise CommandError(str(error)) from error
