"""`gongkai bench`: time the tree queries at scale and print the figures as JSON.

    gongkai bench                                   # SQLite, 1,000,000 organizations,
                                                    # and verifying 1,000,000 ledger entries
    gongkai bench --postgres-url postgres://…       # and PostgreSQL too
    BENCH_DATABASE_URL=postgres://… gongkai bench   # the same
    make bench                                      # both, on a throwaway PostgreSQL cluster

Progress goes to stderr; stdout holds only the JSON, so it can be piped or stored.
"""

from __future__ import annotations

import json
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongkai.devtools import bench


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
            help="ledger size for the verify figure on SQLite (default: as many as --orgs; "
            "0 skips it)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["orgs"] < 1 or options["runs"] < 1:
            raise CommandError("--orgs and --runs must be positive")
        ledger_entries = options["ledger_entries"]
        if ledger_entries is None:
            ledger_entries = options["orgs"]  # one scale for the whole run
        if ledger_entries < 0:
            raise CommandError("--ledger-entries must be 0 or more")
        try:
            result = bench.run(
                total=options["orgs"],
                seed=options["seed"],
                runs=options["runs"],
                postgres_url=options["postgres_url"],
                sqlite=not options["no_sqlite"],
                rebuild=options["rebuild"],
                ledger_entries=ledger_entries,
                log=self.stderr,
            )
        except bench.BenchError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
