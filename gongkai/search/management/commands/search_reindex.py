"""`gongkai search_reindex`: rebuild the whole search index, a batch per transaction."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongkai.search import index


class Command(BaseCommand):
    help = "Rebuild the search index from what is published (in batches, bounded memory)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=index.BATCH)

    def handle(self, *args: Any, **options: Any) -> None:
        batch = max(1, min(int(options["batch"]), 10_000))
        verbosity = int(options.get("verbosity", 1))

        def log(kind: str, count: int) -> None:
            if verbosity > 1:
                self.stdout.write(f"{kind}: {count}")

        counts = index.rebuild(batch=batch, log=log)
        self.stdout.write(
            " ".join(f"{kind}={count}" for kind, count in counts.items()),
        )
