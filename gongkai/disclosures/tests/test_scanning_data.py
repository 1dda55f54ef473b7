"""Structured data is scanned and masked everywhere in it: keys and values at any depth,
numbers stored as numbers, and nesting too deep for recursion."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.disclosures.scanning import (
    ID18,
    MOBILE,
    PERSONAL_KINDS,
    mask,
    mask_data,
    scan,
    scan_data,
)
from gongkai.disclosures.tests import strategies as gs

ID = "110101199003074514"


def test_keys_are_scanned_and_masked_too():
    data = {"rows": [{"13800138000": "联系人", "身份证": ID}]}
    assert sorted(f.kind for f in scan_data(data)) == [ID18, MOBILE]
    assert mask_data(data) == {"rows": [{"138****8000": "联系人", "身份证": "1101**********4514"}]}


def test_keys_that_mask_alike_do_not_overwrite_each_other():
    masked = mask_data({"13800138000": 1, "13811138000": 2})
    assert isinstance(masked, dict) and sorted(masked.values()) == [1, 2]


def test_a_number_stored_as_a_number_is_masked():
    data = {"id": 110101199003074514, "phone": 13800138000, "amount": 12860.5, "n": 3}
    assert sorted(f.kind for f in scan_data(data)) == [ID18, MOBILE]
    assert mask_data(data) == {
        "id": "1101**********4514",
        "phone": "138****8000",
        "amount": 12860.5,
        "n": 3,
    }
    # A float prints in exponent form; the reader of a table sees its digits.
    assert [f.kind for f in scan_data([13800138000.0])] == [MOBILE]
    assert scan_data([True, None, float("nan"), float("inf")]) == []


def test_deep_nesting_neither_crashes_nor_hides_a_number():
    deep: object = "电话13800138000"
    for i in range(50_000):
        deep = [deep] if i % 2 else {"k": deep}
    assert [f.kind for f in scan_data(deep)] == [MOBILE]
    masked = mask_data(deep)
    for i in reversed(range(50_000)):
        masked = masked[0] if i % 2 else masked["k"]  # type: ignore[index]
    assert masked == "电话138****8000"


def test_a_structure_that_contains_itself_is_cut_not_looped():
    loop: list[object] = ["13800138000"]
    loop.append(loop)
    assert [f.kind for f in scan_data(loop)] == [MOBILE]
    assert mask_data(loop) == ["138****8000", "…"]


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(
    data=json_like, numbers=st.lists(gs.personal_numbers(), min_size=1, max_size=3), where=st.data()
)
def test_numbers_anywhere_in_data_are_masked(data, numbers, where):
    rows = [data]
    for _, digits in numbers:
        spelled = where.draw(gs.spellings(digits, html=False))
        if where.draw(st.booleans()):
            rows.append({spelled: "值"})
        else:
            rows.append({"键": [spelled]})
    masked = mask_data(rows)
    assert gs.leaked(numbers, repr(masked)) == []
    assert [f for f in scan_data(masked) if f.kind in PERSONAL_KINDS] == []


# --- performance ----------------------------------------------------------------------------


def _megabyte(chunks: list[str]) -> str:
    out, size, i = [], 0, 0
    while size < 1_000_000:
        chunk = chunks[i % len(chunks)]
        out.append(chunk)
        size += len(chunk)
        i += 1
    return "".join(out)


def _cpu_seconds(text: str) -> float:
    # This thread's CPU only: a server thread another test left running must not count.
    start = time.thread_time()
    mask(text)
    return time.thread_time() - start


def test_a_megabyte_of_mixed_text_is_scanned_in_linear_time():
    # Not a tight timing (the machine is shared): a bound that catastrophic backtracking or
    # quadratic work would break by orders of magnitude. Measured: about 1 s of CPU.
    text = _megabyte(
        [
            "党务公开名单：户主张某，联系电话138 0013 8000，身份证110101199003074514；",
            "党费12,860.50元，2026-07-01 08:30召开。<p>附表第3页</p>&nbsp;",
            "一、二、三、",
            "1 2 3 4 5 6 ",
        ]
    )
    assert _cpu_seconds(text) < 15


def test_pathological_megabytes_complete():
    for text in (
        "1" * 1_000_000,  # one long number
        "<a" * 500_000,  # tags that never close
        "<!--" * 250_000,  # comments that never close
        "&#1" * 333_333,  # entities without end
        "秘 " * 500_000,  # half a marking, over and over
        "1X" * 500_000,
        "1" + " " * 999_998 + "2",  # a separator run with no second number
        "★" * 1_000_000,
    ):
        assert _cpu_seconds(text) < 15


def test_digits_between_separators_take_linear_time():
    # The worst case: every digit starts a possible number (about 5 s of CPU a megabyte).
    # Ten times the text must not take much more than ten times as long: quadratic work
    # would take a hundred times. The best of a few runs of each: a busy machine slows one
    # run, never all of them. Even so, with `make test` running two suites side by side on
    # two cores, the larger text's CPU time grew more than the smaller's (a cache-resident
    # 20 KB): ratios of 31 were measured where an idle machine gives 11 to 13. The bound
    # sits between that and quadratic.
    small = min(_cpu_seconds("1 " * 10_000) for _ in range(3))
    large = min(_cpu_seconds("1 " * 100_000) for _ in range(3))
    assert large < 45 * max(small, 0.01)


def test_scan_findings_come_in_order():
    text = "绝密 13800138000 <b>110101199003074514</b> 机密"
    starts = [f.start for f in scan(text)]
    assert starts == sorted(starts) and len(starts) == 4
