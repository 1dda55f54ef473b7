from hypothesis import given
from hypothesis import strategies as st

from gongkai.guard import tracking


def test_new_codes_are_distinct_and_well_formed():
    codes = {tracking.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(tracking.normalize(c) == c for c in codes)


@given(st.text(alphabet=tracking.ALPHABET, min_size=12, max_size=12), st.data())
def test_what_people_type_reads_back(code, data):
    shown = tracking.display(code)
    typed = data.draw(
        st.sampled_from(
            [
                shown,
                shown.lower(),
                shown.replace("-", " "),
                " " + code + " ",
                shown.replace("0", "O").replace("1", "l"),
                "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in shown),
            ]
        )
    )
    assert tracking.normalize(typed) == code


@given(st.text(max_size=80))
def test_anything_else_is_refused_or_a_valid_code(text):
    code = tracking.normalize(text)
    assert code is None or (len(code) == 12 and set(code) <= set(tracking.ALPHABET))
