"""Chinese full-text search over what may become public (see gongkai.search.index for what the
index holds, gongkai.search.query for how it is asked)."""

from __future__ import annotations

import importlib


def bench_queries(n: int = 300) -> list[str]:
    """A fixed list of `n` queries for the benchmark (gongkai.search.bench.queries).

    Resolved when called: this package's __init__ runs while Django is still loading the
    apps, before models may be imported."""
    return importlib.import_module("gongkai.search.bench").queries(n)  # type: ignore[no-any-return]
