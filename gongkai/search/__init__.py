"""Chinese full-text search over what may become public (see gongkai.search.index for what the
index holds, gongkai.search.query for how it is asked)."""

from __future__ import annotations


def bench_queries(n: int = 300) -> list[str]:
    """A fixed list of `n` queries for the benchmark (gongkai.search.bench)."""
    from gongkai.search.bench import queries

    return queries(n)
