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

Progress goes to stderr; stdout holds only the JSON, so it can be piped or stored.
"""

from __future__ import annotations

import json
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongkai.devtools import bench, bench_compliance


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
        if options["only_compliance"]:
            result: dict[str, Any] = {}
        else:
            result = self._tree_and_ledger(options, ledger_entries, proof_leaves)
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
