"""The full-text part of the index on each database, behind one small interface.

- SQLite: an FTS5 table `search_fts(words, grams)` (unicode61 over the ASCII tokens of
  gongkai.search.tokens, `detail=column`), its rowid the entry's `sort_key`. A match is
  `search_fts MATCH '...'`; relevance is `bm25(search_fts, 10.0, 1.0)` (words weigh ten
  times the characters).
- PostgreSQL: a `tsv` tsvector column of `search_entry` built from the same tokens (words
  with weight A, grams D, no parser involved), with a GIN index; a match is
  `tsv @@ '...'::tsquery`, relevance `ts_rank('{0.1, 0.2, 0.4, 1.0}', tsv, query)`.

The query expression is built from the tokens alone, which are `[a-z0-9]+`: nothing a
person types reaches either query language.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

FTS_TABLE = "search_fts"
ENTRY_TABLE = "search_entry"
#: Relevance weights: jieba words against characters.
WORD_WEIGHT, GRAM_WEIGHT = 10.0, 1.0


def vendor() -> str:
    return connection.vendor


def write(sort_key: int, words: list[str], grams: list[str]) -> None:
    with connection.cursor() as cursor:
        if vendor() == "postgresql":
            # Words carry a position with weight A; grams none (weight D).
            vector = " ".join([f"{w}:1A" for w in words] + grams)
            cursor.execute(
                f"UPDATE {ENTRY_TABLE} SET tsv = %s::tsvector WHERE sort_key = %s",
                [vector, sort_key],
            )
        else:
            cursor.execute(
                f"INSERT INTO {FTS_TABLE}(rowid, words, grams) VALUES (%s, %s, %s)",
                [sort_key, " ".join(words), " ".join(grams)],
            )


@dataclass
class Prepared:
    """New entries ready to write (`prepare`): the entry table's column values, on
    PostgreSQL with the tsvector last, and on SQLite the FTS5 rows. Plain values only, so
    they can be made in another process (`gongkai seed`) and written here."""

    columns: list[str]
    entries: list[list[Any]]
    full_text: list[tuple[int, str, str]]

    def __len__(self) -> int:
        return len(self.entries)


def prepare(rows: Sequence[tuple[Any, list[str], list[str]]]) -> Prepared:
    """`rows` (`search.models.Entry`, not saved, with their word and gram tokens) as
    `write_prepared` writes them."""
    if not rows:
        return Prepared([], [], [])
    model = type(rows[0][0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    values = [[_prepared(f, getattr(entry, f.attname)) for f in fields] for entry, _, _ in rows]
    if vendor() == "postgresql":
        # Words carry a position with weight A; grams none (weight D), as `write` builds it.
        for row, (_entry, words, grams) in zip(values, rows, strict=True):
            row.append(" ".join([f"{w}:1A" for w in words] + grams))
        return Prepared(columns, values, [])
    full_text = [(entry.sort_key, " ".join(words), " ".join(grams)) for entry, words, grams in rows]
    return Prepared(columns, values, full_text)


def write_prepared(prepared: Prepared) -> None:
    """Write entries `prepare` made, which must not be in the index yet: on PostgreSQL one
    COPY with the tsvector, on SQLite one prepared INSERT per table."""
    if not prepared.entries:
        return
    names = ", ".join(connection.ops.quote_name(column) for column in prepared.columns)
    with connection.cursor() as cursor:
        if vendor() == "postgresql":
            sql = f"COPY {ENTRY_TABLE} ({names}, tsv) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in prepared.entries:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(prepared.columns))
        cursor.executemany(
            f"INSERT INTO {ENTRY_TABLE} ({names}) VALUES ({marks})", prepared.entries
        )
        cursor.executemany(
            f"INSERT INTO {FTS_TABLE}(rowid, words, grams) VALUES (%s, %s, %s)",
            prepared.full_text,
        )


def insert(rows: Sequence[tuple[Any, list[str], list[str]]]) -> None:
    """Write new entries (`search.models.Entry`, not saved, with their word and gram tokens)
    in one go (`prepare`, then `write_prepared`). The entries must not be in the index yet."""
    write_prepared(prepare(rows))


#: Values every database driver takes as they are (what `get_db_prep_save` returns for them
#: in text, integer, boolean and key columns): the bulk writer skips Django's per-value work.
_PLAIN = (str, int, bool, type(None))


def _prepared(field: Any, value: Any) -> Any:
    if type(value) in _PLAIN and field.get_internal_type() != "DateTimeField":
        return value
    return field.get_db_prep_save(value, connection)


def delete(sort_keys: list[int]) -> None:
    """Remove the full-text rows of these entries (PostgreSQL: the row goes with the entry)."""
    if not sort_keys or vendor() == "postgresql":
        return
    with connection.cursor() as cursor:
        for start in range(0, len(sort_keys), 500):
            chunk = sort_keys[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({marks})", chunk)


#: FTS5 keeps new tokens in memory until a transaction ends or they exceed this (its
#: default); a bulk load lets them grow to BULK_HASH_BYTES, so fewer and larger segments are
#: written and merged.
HASH_BYTES = 1024 * 1024
BULK_HASH_BYTES = 16 * 1024 * 1024


@contextlib.contextmanager
def bulk_loading() -> Iterator[None]:
    """Around a bulk load of many entries per transaction (`gongkai seed`): on SQLite FTS5's
    in-memory token buffer is raised to BULK_HASH_BYTES (its 'hashsize', kept in the
    table's configuration) and set back after. Nothing changes on PostgreSQL."""
    if vendor() == "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('hashsize', %s)",
            [BULK_HASH_BYTES],
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('hashsize', %s)",
                [HASH_BYTES],
            )


def clear() -> None:
    with connection.cursor() as cursor:
        if vendor() == "postgresql":
            cursor.execute(f"DELETE FROM {ENTRY_TABLE}")
        else:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")
            cursor.execute(f"DELETE FROM {ENTRY_TABLE}")


def indexed_tokens() -> dict[int, tuple[str, str]]:
    """What the full-text index itself holds, per entry: {sort key: (word tokens, gram
    tokens)}, each sorted and space-separated. SQLite: read from the FTS5 index through an
    fts5vocab table; PostgreSQL: the tsvector's lexemes (weight A words, the rest grams).
    For tests and checks: it reads the whole index."""
    found: dict[int, tuple[list[str], list[str]]] = {}
    with connection.cursor() as cursor:
        if vendor() == "postgresql":
            cursor.execute(
                f"SELECT e.sort_key, u.lexeme, 'A' = ANY(u.weights) FROM {ENTRY_TABLE} e, "
                "unnest(e.tsv) AS u"
            )
            for sort_key, token, is_word in cursor.fetchall():
                found.setdefault(sort_key, ([], []))[0 if is_word else 1].append(token)
        else:
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{FTS_TABLE}_instances "
                f"USING fts5vocab(main, {FTS_TABLE}, instance)"
            )
            cursor.execute(f"SELECT doc, col, term FROM temp.{FTS_TABLE}_instances")
            for sort_key, column, token in cursor.fetchall():
                found.setdefault(sort_key, ([], []))[0 if column == "words" else 1].append(token)
    return {
        key: (" ".join(sorted(words)), " ".join(sorted(grams)))
        for key, (words, grams) in found.items()
    }


@dataclass(frozen=True)
class Match:
    """A full-text condition for `QuerySet.extra`: the tables to add, the WHERE clauses and
    their parameters, and the relevance expression (smaller is better) with its parameters."""

    tables: list[str]
    where: list[str]
    params: list[str]
    rank_sql: str
    rank_params: list[str]


def match(required: list[list[str]], optional: list[str]) -> Match:
    """Every group of `required` must be all there (AND); `optional` tokens only rank."""
    if vendor() == "postgresql":
        need = _required_expression(required)
        ranked = f"({need}) & ({' | '.join([*optional, *required[0]])})" if optional else need
        return Match(
            tables=[],
            where=[f"{ENTRY_TABLE}.tsv @@ %s::tsquery"],
            params=[need],
            rank_sql=f"-ts_rank('{{0.1, 0.2, 0.4, 1.0}}', {ENTRY_TABLE}.tsv, %s::tsquery)",
            rank_params=[ranked],
        )
    need = _required_expression(required)
    expression = need
    if optional:
        # Always true for a document that has the grams, so the words only add to bm25.
        anchor = required[0][0]
        expression = f"{need} AND (words : ({' OR '.join(optional)}) OR grams : {anchor})"
    return Match(
        tables=[FTS_TABLE],
        where=[f"{FTS_TABLE}.rowid = {ENTRY_TABLE}.sort_key", f"{FTS_TABLE} MATCH %s"],
        params=[expression],
        rank_sql=f"bm25({FTS_TABLE}, {WORD_WEIGHT}, {GRAM_WEIGHT})",
        rank_params=[],
    )


def _required_expression(required: list[list[str]]) -> str:
    if vendor() == "postgresql":
        return " & ".join(f"({' & '.join(group)})" for group in required)
    return " AND ".join(f"grams : ({' '.join(group)})" for group in required)


def windowed_newest() -> bool:
    """Whether newest first reads within a window of the newest matches first
    (`query._newest_page`): on PostgreSQL, whose planner otherwise hashes every visible
    disclosure for a common word; not on SQLite, where FTS5 reads its matches newest first
    and stops at the page (a window there only adds work: p95 3 ms without, 12 ms with)."""
    return vendor() == "postgresql"


# --- the newest matches, read one of two ways --------------------------------------------------

#: `newest_keys` reads the newest matches one of two ways. WALK: the entries newest first by
#: the sort key's index, each one's stored normalized text checked (about a microsecond an
#: entry on PostgreSQL; the tsvector, stored out of line, costs seven). INDEX: every
#: candidate the full-text index holds, checked and the newest kept (about as much a
#: candidate). A walk reads about window / density entries, the index density × entries:
#: the fewer wins. PostgreSQL's planner cannot choose between them: it takes a phrase's
#: grams as independent (民主评议 estimated at 53 rows, 37,087 real) and a gram outside
#: its most common ones at 0.5 % (廉洁: 325 real), and walked 233,000 entries (1.3 s).
WALK, INDEX = "walk", "index"
#: None chooses by the density estimate (`plan_of`); tests set WALK or INDEX.
NEWEST_PLAN: str | None = None
#: A walk reads at most this many times the entries its estimate expects (and at least
#: WALK_MIN), then the full-text index is asked: the estimate is an upper bound (the rarest
#: gram's density), the real density of a phrase or of a date range can be lower.
WALK_SLACK = 4
WALK_MIN = 2_000
#: The densities of the grams are read from PostgreSQL's statistics of the tsvector column
#: (its most common elements; the migration raises their number) at most this often.
STATS_SECONDS = 600.0


@dataclass
class GramStats:
    """Share of the entries holding each gram (PostgreSQL's `most_common_elems`), the share
    below which grams are not listed (`floor`), and how many entries there are."""

    shares: dict[str, float]
    floor: float
    entries: float
    read_at: float


_STATS: dict[str, GramStats] = {}


def gram_stats() -> GramStats | None:
    """The grams' statistics (cached STATS_SECONDS per database), None before the table was
    ever analyzed or on SQLite."""
    if vendor() != "postgresql":
        return None
    key = str(connection.settings_dict.get("NAME"))
    now = time.monotonic()
    cached = _STATS.get(key)
    if cached is not None and now - cached.read_at < STATS_SECONDS:
        return cached
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples "
            "FROM pg_class c LEFT JOIN pg_stats s ON s.schemaname = current_schema() "
            f"AND s.tablename = '{ENTRY_TABLE}' AND s.attname = 'tsv' "
            f"WHERE c.oid = '{ENTRY_TABLE}'::regclass"
        )
        row = cursor.fetchone()
    if row is None or not row[0] or not row[1] or len(row[1]) < len(row[0]) + 1:
        return None
    elements, shares, entries = row
    stats = GramStats(
        shares=dict(zip(elements, shares, strict=False)),
        floor=float(shares[len(elements)]),  # then the largest, then the share of NULLs
        entries=max(float(entries), 0.0),
        read_at=now,
    )
    _STATS[key] = stats
    return stats


def plan_of(required: list[list[str]], window: int) -> tuple[str, int]:
    """How `newest_keys` reads (WALK or INDEX) and the most entries a walk reads."""
    if NEWEST_PLAN is not None:
        return NEWEST_PLAN, WALK_MIN
    stats = gram_stats()
    if stats is None:
        # SQLite: FTS5 reads its matches newest first (its rowid is the sort key) and stops
        # at the window. PostgreSQL before its first ANALYZE: a short walk, then the index.
        return (WALK if vendor() == "postgresql" else INDEX), WALK_MIN
    grams = [gram for group in required for gram in group]
    density = min((stats.shares.get(gram, stats.floor) for gram in grams), default=1.0)
    walk_rows = window / max(density, 1e-9)
    index_rows = density * stats.entries
    cap = int(min(max(WALK_MIN, WALK_SLACK * walk_rows), 2**31 - 1))
    return (WALK if walk_rows <= index_rows else INDEX), cap


def newest_keys(
    terms: list[str],
    required: list[list[str]],
    window: int,
    low: int | None = None,
    high: int | None = None,
) -> list[int]:
    """The sort keys of the newest `window` entries in [low, high) whose stored text holds
    every term (`contains`), newest first: walked where that reads fewer entries, else from
    the full-text index (see WALK). Whoever may see them is the caller's question."""
    plan, cap = plan_of(required, window)
    checks, check_params = contains(terms)
    where, bound_params = key_range(low, high, f"{ENTRY_TABLE}.sort_key")
    with connection.cursor() as cursor:
        if plan == WALK:
            inner = " AND ".join(where) or "TRUE"
            exact = " AND ".join(checks)
            cursor.execute(
                f"SELECT k FROM (SELECT {ENTRY_TABLE}.sort_key AS k, "
                f"{ENTRY_TABLE}.normalized FROM {ENTRY_TABLE} WHERE {inner} "
                f"ORDER BY {ENTRY_TABLE}.sort_key DESC LIMIT %s) AS {ENTRY_TABLE} "
                f"WHERE {exact} ORDER BY k DESC LIMIT %s",
                [*bound_params, cap, *check_params, window],
            )
            keys = [int(k) for (k,) in cursor.fetchall()]
            if len(keys) == window:
                return keys
        need = _required_expression(required)
        if vendor() == "postgresql":
            # `+ 0`: not in the sort key's order, so not a walk.
            sql = (
                f"SELECT sort_key FROM {ENTRY_TABLE} WHERE tsv @@ %s::tsquery "
                f"{''.join(f' AND {c}' for c in [*where, *checks])} "
                f"ORDER BY sort_key + 0 DESC LIMIT %s"
            )
        else:
            sql = (
                f"SELECT {ENTRY_TABLE}.sort_key FROM {FTS_TABLE} JOIN {ENTRY_TABLE} "
                f"ON {ENTRY_TABLE}.sort_key = {FTS_TABLE}.rowid WHERE {FTS_TABLE} MATCH %s "
                f"{''.join(f' AND {c}' for c in [*where, *checks])} "
                f"ORDER BY {FTS_TABLE}.rowid DESC LIMIT %s"
            )
        cursor.execute(sql, [need, *bound_params, *check_params, window])
        return [int(k) for (k,) in cursor.fetchall()]


def key_range(
    low: int | None, high: int | None, column: str | None = None
) -> tuple[list[str], list[int]]:
    """WHERE clauses (for `QuerySet.extra`) keeping sort keys in [low, high): on `column`,
    by default on SQLite the FTS5 rowid, which FTS5 takes into its scan (so bm25 is computed
    only within the range), and on PostgreSQL the entry's sort key."""
    if column is None:
        column = f"{FTS_TABLE}.rowid" if vendor() != "postgresql" else f"{ENTRY_TABLE}.sort_key"
    where: list[str] = []
    params: list[int] = []
    if low is not None:
        where.append(f"{column} >= %s")
        params.append(low)
    if high is not None:
        where.append(f"{column} < %s")
        params.append(high)
    return where, params


def newest_first() -> list[str]:
    """`QuerySet.extra(order_by=...)` for newest first. On SQLite by the FTS5 rowid (the sort
    key): FTS5 then reads its matches in that order and the query stops after one page."""
    if vendor() == "postgresql":
        return [f"-{ENTRY_TABLE}.sort_key"]
    return [f"-{FTS_TABLE}.rowid"]


def contains(terms: list[str]) -> tuple[list[str], list[str]]:
    """The exact check of the candidates: every term is a substring of the stored normalized
    text."""
    function = "strpos" if vendor() == "postgresql" else "instr"
    return [f"{function}({ENTRY_TABLE}.normalized, %s) > 0" for _ in terms], list(terms)
