"""The index finds exactly what a substring scan of the stored masked text finds, for random
Chinese texts and random substrings of 1 to 6 characters (on SQLite and on PostgreSQL: run
the file under scripts/with-postgres.sh)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.search import backends, index, query, tokens
from gongkai.search.models import Entry
from gongkai.search.tests.entries import opinion_entry

# A small alphabet makes shared characters and bigrams likely (and false bigram matches too).
CHINESE = "党费公示支部员会议村民组织生活廉政一二三"
OTHER = "Ab1２Ｃ，。、（）*\"':^-"
ALPHABET = st.sampled_from(CHINESE * 3 + OTHER + " ")
TEXTS = st.lists(st.text(ALPHABET, min_size=0, max_size=40), min_size=1, max_size=8)

AT = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)


def plant(org, texts: list[str]) -> list[Entry]:
    backends.clear()
    return [
        index._put(
            opinion_entry(org, n + 1, date=AT + dt.timedelta(minutes=n), title="", text=text)
        )
        for n, text in enumerate(texts)
    ]


def expected(entries: list[Entry], q: str) -> set[int]:
    terms = tokens.terms(q)
    if not terms:
        return set()
    return {
        e.pk
        for e in entries
        if all(t in tokens.normalize("\n".join((e.title, e.period, e.text))) for t in terms)
    }


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=TEXTS, data=st.data())
def test_substrings_are_found_exactly(tree, texts, data):
    entries = plant(tree.village, texts)
    source = data.draw(st.sampled_from(texts))
    if source:
        start = data.draw(st.integers(0, len(source) - 1))
        length = data.draw(st.integers(1, 6))
        q = source[start : start + length]
    else:
        q = data.draw(st.text(ALPHABET, min_size=1, max_size=6))
    ids = [e.pk for e in entries]
    assert query.matching_ids(q, ids) == expected(entries, q)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=TEXTS, q=st.text(ALPHABET, min_size=1, max_size=6))
def test_any_query_matches_a_substring_scan(tree, texts, q):
    entries = plant(tree.village, texts)
    assert query.matching_ids(q, [e.pk for e in entries]) == expected(entries, q)


def test_single_and_double_characters_find_every_match(tree):
    texts = ["党费收缴情况", "本季度党员交纳党费", "费用公示", "公示期满无异议", "无关内容"]
    entries = plant(tree.village, texts)
    ids = [e.pk for e in entries]
    assert query.matching_ids("党费", ids) == {entries[0].pk, entries[1].pk}
    assert query.matching_ids("费", ids) == {entries[0].pk, entries[1].pk, entries[2].pk}
    assert query.matching_ids("公示", ids) == {entries[2].pk, entries[3].pk}
    # Bigrams 党费 and 费公 exist apart in no text: nothing, though every character is there.
    assert query.matching_ids("党费公", ids) == set()


def test_latin_and_digits_are_normalized(tree):
    entries = plant(tree.village, ["ＡＢＣ１２３ 公开", "abc 123"])
    ids = [e.pk for e in entries]
    assert query.matching_ids("abc123", ids) == {entries[0].pk}
    assert query.matching_ids("ABC", ids) == {entries[0].pk, entries[1].pk}
    assert query.matching_ids("１２", ids) == {entries[0].pk, entries[1].pk}


def test_tokens_are_plain_ascii():
    words, grams = tokens.document_tokens('党费 "AND" OR (x:*) ^NEAR 公示')
    assert all(t.isascii() and t.isalnum() for t in words + grams)
    assert tokens.unigram("党") in grams and tokens.bigram("党费") in grams


# --- the fast path: remembered lines and bulk writes give what the plain path gives -------

LINES = st.lists(st.text(ALPHABET, min_size=0, max_size=40), min_size=1, max_size=6)
CONTROL = "\x00\x07\x0b\x1f\x7f\x85\x9f\ufffe\uffff\t\r"


@settings(max_examples=200, deadline=None)
@given(lines=LINES, extra=st.text(st.sampled_from(CONTROL + "党费 Ａ１"), max_size=6))
def test_document_by_lines_equals_the_whole_text(lines, extra):
    text = tokens.clean("\n".join(lines) + extra)
    assert tokens.document(text) == (
        tokens.normalize(text)[: tokens.INDEX_MAX],
        *tokens.document_tokens(text),
    )
    # Twice (now from the remembered lines): the same.
    assert tokens.document(text) == tokens.document(text)


def test_document_beyond_the_words_limit_takes_the_plain_path():
    text = "\n".join(["党费收缴情况公示" * 300] * 10)
    assert len(text) > tokens.WORDS_MAX
    assert tokens.document(text) == (
        tokens.normalize(text)[: tokens.INDEX_MAX],
        *tokens.document_tokens(text),
    )


def test_clean_drops_exactly_control_surrogate_and_non_characters():
    import unicodedata

    for code in range(0x10000):
        char = chr(code)
        dropped = char not in "\t\n\r" and (
            0xD800 <= code <= 0xDFFF or char in "\ufffe\uffff" or unicodedata.category(char) == "Cc"
        )
        assert tokens.clean(f"a{char}b") == ("ab" if dropped else f"a{char}b"), hex(code)


def _rows() -> list[tuple]:
    """The entries with what the full-text index itself holds for each."""
    indexed = backends.indexed_tokens()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sort_key, kind, source_id, title, period, text, normalized "
            "FROM search_entry ORDER BY sort_key"
        )
        rows = [(*row, indexed.get(row[0])) for row in cursor.fetchall()]
    assert set(indexed) <= {row[0] for row in rows}  # nothing indexed without its entry
    return rows


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=TEXTS)
def test_bulk_add_writes_what_put_writes(tree, texts):
    def entries() -> list[Entry]:
        return [
            opinion_entry(
                tree.village,
                n + 1,
                date=AT + dt.timedelta(minutes=n),
                title=text[:5] + "\x00",
                text=text,
                period="2026年第一季度",
            )
            for n, text in enumerate(texts)
        ]

    backends.clear()
    for entry in entries():
        index._put(entry)
    one_by_one = _rows()
    backends.clear()
    assert index.add([*entries(), None]) == len(texts)
    assert _rows() == one_by_one


@pytest.mark.parametrize("parallel", [True, False], ids=["worker process", "in process"])
def test_the_adder_writes_what_add_writes_one_batch_behind(tree, parallel):
    texts = [f"第{n}号 党费收缴{'公示' * (n % 3)}\n东岭村\x00 {n * 7919}" for n in range(23)]

    def entries(start: int, stop: int) -> list[Entry | None]:
        return [
            opinion_entry(
                tree.village,
                n + 1,
                date=AT + dt.timedelta(minutes=n),
                title=texts[n][:6],
                text=texts[n],
                period="2026年第一季度",
            )
            for n in range(start, stop)
        ] + [None]

    backends.clear()
    index.add(entries(0, 23))
    at_once = _rows()
    backends.clear()
    with index.Adder(parallel=parallel) as adder:
        adder.add(entries(0, 10))
        adder.add(entries(10, 11))
        adder.add([])  # a batch without entries writes what waits
        assert len(_rows()) == 11
        adder.add(entries(11, 23))
        if parallel:
            assert len(_rows()) == 11  # the last batch waits for flush
            assert adder.worker_peak_kib() > 0
        adder.flush()
        assert adder.written == 23
    assert _rows() == at_once


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(
        st.sampled_from(CHINESE + OTHER + "+#&._%  \t\r\n中华人民共和国2026年Q三"), max_size=80
    )
)
def test_words_run_by_run_are_jiebas_words_of_the_whole_text(text):
    import jieba

    normalized = tokens.normalize(text)
    whole = [
        piece.strip()
        for piece in jieba.cut(normalized, HMM=False)
        if 1 < len(piece.strip()) <= tokens.WORD_MAX and not any(c.isspace() for c in piece.strip())
    ]
    assert tokens.words(normalized) == whole
