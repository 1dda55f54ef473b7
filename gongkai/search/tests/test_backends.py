"""The same results on SQLite and PostgreSQL (this file runs on both: the expectations are
fixed, not taken from either database), ranking by relevance, and the search query uses the
full-text index (FTS5 MATCH on SQLite, the GIN index on PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.catalog.models import Scope
from gongkai.search import backends, index, query, tokens
from gongkai.search.models import Entry, Kind
from gongkai.search.tests.entries import opinion_entry

AT = dt.datetime(2026, 5, 1, 8, tzinfo=dt.UTC)

CORPUS = [
    "东岭村二〇二六年上半年党费收缴情况公示",
    "党员发展对象公示：王某，男",
    "村务公开：财务收支明细",
    "费用报销与公示制度",
    "党的建设工作要点",
    "党支部组织生活会召开情况",
    "收缴党费的通知",
    "ＡＢＣ合作社 2026 年度分红",
]

EXPECTED = {
    "党费": [6, 0],
    "公示": [3, 1, 0],
    "费": [6, 3, 0],
    "党": [6, 5, 4, 1, 0],
    "公开": [2],
    "abc": [7],
    "2026": [7],
    "党费 公示": [0],
    "组织生活会": [5],
    "不存在": [],
}


def plant(org) -> list[Entry]:  # type: ignore[no-untyped-def]
    backends.clear()
    return [
        index._put(opinion_entry(org, n + 1, date=AT + dt.timedelta(hours=n), title=text))
        for n, text in enumerate(CORPUS)
    ]


def test_same_results_newest_first(tree):
    entries = plant(tree.village)
    position = {e.pk: n for n, e in enumerate(entries)}
    for q, expected in EXPECTED.items():
        found = query.search(AnonymousUser(), q, now=AT + dt.timedelta(days=1)).results
        assert [position[r.entry.pk] for r in found] == expected, q


def test_relevance_prefers_words(tree):
    backends.clear()
    older_word = index._put(
        opinion_entry(tree.village, 1, date=AT, title="党费收缴", text="党费按时收缴，党费标准")
    )
    index._put(
        opinion_entry(
            tree.village, 2, date=AT + dt.timedelta(days=1), title="入党费用", text="交纳入党的费用"
        )
    )
    newest = query.search(AnonymousUser(), "党费").results
    assert [r.entry.source_id for r in newest] == [2, 1]
    best = query.search(AnonymousUser(), "党费", sort=query.RELEVANCE).results
    assert best[0].entry.pk == older_word.pk


def test_filters(tree):
    plant(tree.village)
    index._put(opinion_entry(tree.unrelated_village, 99, date=AT, title="白沙党费"))
    anyone = AnonymousUser()
    assert len(query.search(anyone, "党费").results) == 3
    town = query.Filters(organization=tree.town)
    assert len(query.search(anyone, "党费", filters=town).results) == 2
    other = query.Filters(organization=tree.other_town)
    assert [r.entry.source_id for r in query.search(anyone, "党费", filters=other).results] == [99]
    day = query.Filters(date_from=dt.date(2026, 5, 1), date_to=dt.date(2026, 5, 1))
    assert len(query.search(anyone, "党", filters=day).results) == 6
    assert not query.search(anyone, "党费", filters=query.Filters(kind=Kind.DISCLOSURE)).results
    paged = query.search(anyone, "党", limit=2)
    assert len(paged.results) == 2 and paged.more
    last = query.search(anyone, "党", limit=2, offset=4)
    assert len(last.results) == 2 and not last.more


def _plan(sql: str, params: list) -> str:  # type: ignore[type-arg]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


def test_the_search_query_uses_the_full_text_index(tree):
    plant(tree.village)
    if connection.vendor == "postgresql":
        # A realistic table: thousands of entries of every kind that do not match, with the
        # planner's statistics, so the plan is the one a real index gets (on a table of six
        # rows any index on the kind looks as good).
        fillers = (
            Entry(
                kind=(Kind.OPINION, Kind.TOPIC, Kind.DISCLOSURE, Kind.REQUEST)[n % 4],
                source_id=100_000 + n,
                organization=tree.village,
                scope=Scope.PUBLIC,
                date=AT,
                title=f"村务公开第{n}号通知",
                text="道路硬化工程验收情况",
            )
            for n in range(4000)
        )
        index.add(fillers)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_entry")
    for sort in (query.NEWEST, query.RELEVANCE):
        parsed = query.parse("党费")
        qs = query.matching(
            query.visible_entries(AnonymousUser(), AT), parsed, relevance=sort == query.RELEVANCE
        ).order_by("-sort_key")[:21]
        sql, params = qs.query.sql_with_params()
        plan = _plan(sql, list(params))
        if connection.vendor == "postgresql":
            assert "search_entry_tsv" in plan, plan
        else:
            assert "VIRTUAL TABLE INDEX" in plan and "search_fts" in plan, plan


# --- the index holds exactly the current entries' tokens -----------------------------------

#: Texts sharing characters, words and lines, so entries share tokens and lines repeat.
PIECES = ["党费", "收缴", "公示", "东岭村", "Ｑ3", "\n", " ", "2026年", "组织生活会", "张三", "费"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    moves=st.lists(
        st.tuples(
            st.integers(1, 6),  # which source
            st.one_of(st.none(), st.lists(st.sampled_from(PIECES), max_size=12).map("".join)),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_after_any_puts_and_removes_the_index_holds_exactly_the_entries_tokens(tree, moves):
    """A put replaces, None removes; whatever the order, the full-text index (read from the
    index itself) holds each current entry's tokens and nothing of a removed or replaced
    one, and a search finds exactly the current entries containing the term."""
    backends.clear()
    current: dict[int, str] = {}
    for n, (source, text) in enumerate(moves):
        if text is None:
            index._remove(Kind.OPINION, source)
            current.pop(source, None)
            continue
        index._put(
            opinion_entry(
                tree.village, source, date=AT + dt.timedelta(minutes=n), title="意见", text=text
            )
        )
        current[source] = text
    expected = {}
    for entry in Entry.objects.all():
        _normalized, words, grams = tokens.document(f"{entry.title}\n{entry.period}\n{entry.text}")
        expected[entry.sort_key] = (" ".join(words), " ".join(grams))
    assert {e.source_id for e in Entry.objects.all()} == set(current)
    assert backends.indexed_tokens() == expected
    found = query.search(AnonymousUser(), "党费", now=AT + dt.timedelta(days=1)).results
    assert sorted(hit.entry.source_id for hit in found) == sorted(
        source for source, text in current.items() if "党费" in text
    )


@pytest.mark.parametrize("plan", [backends.WALK, backends.INDEX])
@pytest.mark.parametrize("window", [1, 2, 3, 10])
def test_relevance_within_a_date_range_finds_what_newest_first_finds(
    tree, monkeypatch, window, plan
):
    """Relevance ranks within the newest `window` matches *of the date range*, whichever way
    they are read: an old range is never emptied by newer matches outside it."""
    monkeypatch.setattr(query, "RELEVANCE_WINDOW", window)
    monkeypatch.setattr(backends, "NEWEST_PLAN", plan)
    monkeypatch.setattr(backends, "WALK_MIN", 2)  # a walk that falls short, then the index
    backends.clear()
    for day in range(6):
        index._put(
            opinion_entry(
                tree.village,
                day + 1,
                date=AT + dt.timedelta(days=day),
                title="党费收缴" if day % 2 else "收缴党费情况",
            )
        )
    anyone = AnonymousUser()
    for first, last in [(0, 0), (0, 2), (1, 4), (5, 5), (2, 5)]:
        days = query.Filters(
            date_from=(AT + dt.timedelta(days=first)).date(),
            date_to=(AT + dt.timedelta(days=last)).date(),
        )
        newest = query.search(anyone, "党费", filters=days).results
        best = query.search(anyone, "党费", filters=days, sort=query.RELEVANCE).results
        in_range = {day + 1 for day in range(first, last + 1)}
        assert {r.entry.source_id for r in newest} == in_range
        # The newest `window` of the range are ranked (all of them when fewer).
        ranked = sorted(in_range, reverse=True)[: window if len(in_range) > window else None]
        assert {r.entry.source_id for r in best} == set(ranked)


def test_is_empty_tells_an_index_never_written_from_one_in_use(tree):
    backends.clear()
    assert index.is_empty()
    plant(tree.village)
    assert not index.is_empty()


@given(
    scopes=st.lists(
        st.sampled_from([Scope.PUBLIC, Scope.PARTY, Scope.INSTITUTION]), min_size=1, max_size=40
    ),
    windows=st.sampled_from([(1,), (2, 3), (1, 4, 9), (5,), (60,)]),
    limit=st.integers(1, 6),
    offset=st.integers(0, 5),
    days=st.sampled_from([None, (0, 3), (2, 30)]),
    plan=st.sampled_from([backends.WALK, backends.INDEX]),
    walk_min=st.sampled_from([1, 3, 2000]),
    near_misses=st.lists(st.integers(0, 39), max_size=8),
)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_newest_first_within_widening_windows_is_the_page_read_without_them(
    tree, scopes, windows, limit, offset, days, plan, walk_min, near_misses
):
    """Newest first reads within the newest matches, widening the window until it holds the
    page (`query._newest_page`), the matches read by walking the entries newest first (a walk
    of `walk_min` entries at most, then the full-text index) or from the index: whatever
    share of them the reader may not see (answers in the party's or the unit's scope), and
    with entries holding the term's characters but not the term among them, the page, its
    order and whether more follow are those of the reading without any window."""
    backends.clear()
    for n, scope in enumerate(scopes):
        # A near miss holds 党 and 费 (every gram of 党费 but the pair): the full-text index
        # finds it, the exact check drops it.
        title = "费用党务" if n in near_misses else "党费收缴"
        entry = opinion_entry(tree.village, n + 1, date=AT + dt.timedelta(days=n), title=title)
        entry.scope = scope
        index._put(entry)
    filters = query.Filters()
    if days is not None:
        filters = query.Filters(
            date_from=(AT + dt.timedelta(days=days[0])).date(),
            date_to=(AT + dt.timedelta(days=days[1])).date(),
        )

    def page(windows: tuple[int, ...]) -> tuple[list[int], bool]:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(query, "NEWEST_WINDOWS", windows)
            patch.setattr(query, "NEWEST_PER_ROW", 0)  # the windows as given, however small
            patch.setattr(backends, "windowed_newest", lambda: True)  # on SQLite too
            patch.setattr(backends, "NEWEST_PLAN", plan)
            patch.setattr(backends, "WALK_MIN", walk_min)
            found = query.search(
                AnonymousUser(), "党费", filters=filters, limit=limit, offset=offset
            )
        return [r.entry.source_id for r in found.results], found.more

    without = page(())
    assert page(windows) == without
    public = [n + 1 for n, s in enumerate(scopes) if s == Scope.PUBLIC and n not in near_misses]
    if days is not None:
        public = [n for n in public if days[0] <= n - 1 <= days[1]]
    assert without[0] == sorted(public, reverse=True)[offset : offset + limit]


def _analyzed(org, texts: list[str]) -> None:
    backends.clear()
    for n, text in enumerate(texts):
        index._put(opinion_entry(org, n + 1, date=AT + dt.timedelta(hours=n), title=text))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_entry")
    backends._STATS.clear()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_newest_first_walks_for_a_common_term_and_asks_the_index_for_a_rare_one(tree):
    """PostgreSQL: how the newest matches are read is chosen by the grams' shares in its
    statistics (the planner's own estimate took a phrase's grams as independent): a term in
    most entries is walked newest first by the sort key's index, a rare one is read from the
    full-text index; each plan is the one the database runs."""
    texts = [f"党费收缴第{n}号" for n in range(300)]
    texts[7] = texts[150] = "廉洁自律情况"
    _analyzed(tree.village, texts)
    stats = backends.gram_stats()
    assert stats is not None and stats.entries == 300
    common, rare = [tokens.term_grams("党费")], [tokens.term_grams("廉洁")]
    assert backends.plan_of(common, 20)[0] == backends.WALK
    assert backends.plan_of(rare, 20)[0] == backends.INDEX
    # The walk reads a bounded number of entries, newest first; the index its GIN index.
    expected = {
        "党费": "Index Scan Backward using search_entry_sort_key_key",
        "廉洁": "search_entry_tsv",
    }
    for term, grams in (("党费", common), ("廉洁", rare)):
        with CaptureQueriesContext(connection) as captured:
            keys = backends.newest_keys([term], grams, 20)
        assert keys == sorted(keys, reverse=True) and len(keys) == (20 if term == "党费" else 2)
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")  # a table this small is read whole
            try:
                cursor.execute("EXPLAIN " + captured.captured_queries[-1]["sql"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
            finally:
                cursor.execute("RESET enable_seqscan")
        assert expected[term] in plan, plan


def test_without_statistics_a_short_walk_then_the_index(monkeypatch):
    """Before the first ANALYZE there are no shares to choose by: PostgreSQL walks at most
    WALK_MIN entries, then asks the index. SQLite has none and needs none: FTS5 reads its
    matches newest first and stops at the window."""
    backends._STATS.clear()
    if connection.vendor == "sqlite":
        assert backends.gram_stats() is None
    monkeypatch.setattr(backends, "gram_stats", lambda: None)
    plan = backends.WALK if connection.vendor == "postgresql" else backends.INDEX
    assert backends.plan_of([tokens.term_grams("党费")], 20) == (plan, backends.WALK_MIN)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_tsvector_is_compressed_with_lz4_and_still_found(tree):
    """PostgreSQL: `tsv` (about 3 KB an entry, out of line) is compressed with lz4 (Debian's
    server has it; migration search/0003), cheaper to write and to read than pglz, and the
    entry it was stored for is still found."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attcompression FROM pg_attribute "
            "WHERE attrelid = 'search_entry'::regclass AND attname = 'tsv'"
        )
        assert cursor.fetchone()[0] == "l"
    text = "".join(f"第{n}条党费收缴与党员发展对象公示，" for n in range(300))
    _analyzed(tree.village, [text])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_compression(tsv), pg_column_size(tsv), length(tsv) FROM search_entry"
        )
        ((method, stored, lexemes),) = cursor.fetchall()
    assert method == "lz4" and lexemes > 300 and stored > 2000
    assert query.matching_ids("党员发展对象", list(Entry.objects.values_list("pk", flat=True)))
