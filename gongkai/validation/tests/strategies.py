"""Hypothesis strategies for hostile input: what a tester types, pastes or uploads to make a
server answer 500. Shared by the fuzz tests of every form and import.

The classes, not examples: NUL and other control characters, lone surrogates, text far over
a column's length, numbers written 1e30 / Infinity / NaN / sNaN, impossible dates and years
0 and 9999, deep nesting, a list where a mapping belongs and the reverse.
"""

from __future__ import annotations

import datetime as dt
import os
import urllib.parse
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: Every fuzz test: fixed seed (derandomized), bounded examples, no deadline (PostgreSQL and
#: a 2-core machine are slow now and then), and the db fixture shared across examples (the
#: tests roll each example back in a savepoint). `GONGKAI_FUZZ_EXAMPLES=500` digs deeper
#: locally, as it does for the API's schemathesis run.
FUZZ = settings(
    max_examples=int(os.environ.get("GONGKAI_FUZZ_EXAMPLES", "25")),
    derandomize=True,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    database=None,
)

SPECIAL_TEXTS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\r\n\t",
    "\u200b\u00ad",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "'; DROP TABLE x; --",
    "%(x)s %s {0}",
    "𠀀𠀁",  # outside the BMP
    "字" * 199,
    "字" * 200,
    "字" * 201,
    "字" * 301,
    "a" * 2001,
    "a" * 100_001,
]
NUMBER_TEXTS = [
    "1e30",
    "-1e30",
    "1E+999999999",
    "1e-999999999",
    "Infinity",
    "-Infinity",
    "inf",
    "NaN",
    "sNaN",
    "-sNaN",
    "0",
    "-0",
    "0.0001",
    "0.00001",
    "123,456.78",
    "¥1,000元",
    "9" * 40,
    "9" * 15,
    "1" * 400,
    "１２",
    "٣",
    "1_000",
    "0x10",
]
DATE_TEXTS = [
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "0000-01-01",
    "0001-01-01",
    "1899-12-31",
    "9999-12-31",
    "10000-01-01",
    "2026年6月30日",
    "2026/6/31",
    "2026-06",
    "1990-13",
    "9999-12",
    "-2026-01-01",
    "2026-06-30T25:61",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "2026-06-30 09:00",
    "2099-12-31T23:59",
    "2100-01-01T00:00",
]

surrogates = st.characters(categories=["Cs"])
controls = st.characters(categories=["Cc"])


def hostile_text(max_size: int = 60) -> st.SearchStrategy[str]:
    """Text a person could type or paste, weighted towards what breaks servers."""
    return st.one_of(
        st.sampled_from(SPECIAL_TEXTS + NUMBER_TEXTS + DATE_TEXTS),
        st.text(max_size=max_size),
        st.text(alphabet=st.one_of(surrogates, controls, st.characters()), max_size=max_size),
        st.builds(
            lambda a, b, c: a + b + c,
            st.text(max_size=8),
            st.sampled_from(SPECIAL_TEXTS),
            st.text(max_size=8),
        ),
    )


def hostile_number() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NUMBER_TEXTS),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.floats().map(repr),
        st.integers().map(str),
    )


def hostile_date() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(DATE_TEXTS),
        st.dates(min_value=dt.date(1, 1, 1)).map(dt.date.isoformat),
        st.datetimes().map(lambda d: d.isoformat(timespec="minutes")),
        hostile_text(20),
    )


def hostile_cell() -> st.SearchStrategy[str]:
    return st.one_of(hostile_text(30), hostile_number(), hostile_date())


def hostile_table(columns: int) -> st.SearchStrategy[str]:
    """Pasted tab-separated rows, with too few or too many cells now and then."""
    row = st.lists(hostile_cell(), min_size=0, max_size=columns + 2).map("\t".join)
    return st.one_of(
        st.lists(row, max_size=6).map("\n".join),
        st.sampled_from(["", "\n\n", "\t" * 50, ("王某\t1990-01\n" * 2001)]),
    )


json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(SPECIAL_TEXTS[:8] + NUMBER_TEXTS[:10]),
)


def hostile_structure(max_leaves: int = 30) -> st.SearchStrategy[Any]:
    """Nested lists and mappings (YAML or JSON shaped), sometimes deep, sometimes wrong."""
    return st.one_of(
        st.recursive(
            json_leaves,
            lambda children: st.one_of(
                st.lists(children, max_size=4),
                st.dictionaries(st.text(max_size=10), children, max_size=4),
            ),
            max_leaves=max_leaves,
        ),
        st.integers(min_value=9, max_value=60).map(_nest),
    )


def _nest(depth: int) -> Any:
    value: Any = "深"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


def form_body(data: dict[str, Any]) -> bytes:
    """application/x-www-form-urlencoded bytes as a browser sends them. A lone surrogate
    cannot be UTF-8: it goes out as the bytes Python's surrogatepass gives, which is the
    closest a hostile client can get (the server decodes them as replacement characters)."""
    pairs = []
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key, item))
    return urllib.parse.urlencode(pairs, encoding="utf-8", errors="surrogatepass").encode()


def post_form(client: Any, url: str, data: dict[str, Any], **extra: Any) -> Any:
    return client.post(
        url, form_body(data), content_type="application/x-www-form-urlencoded", **extra
    )


def has_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def chinese(html: str) -> bool:
    """True when the page carries some Chinese text (the refusal's sentence)."""
    return any("\u4e00" <= c <= "\u9fff" for c in html)
