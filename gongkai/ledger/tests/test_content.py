import hashlib
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.disclosures.models import Revision
from gongkai.ledger.services import AMBIGUOUS_KEYS, canonical_content, content_bytes, content_hash
from gongkai.ledger.tests.conftest import rolled_back

# Everything a JSONField can hold and both databases give back: no NUL (PostgreSQL refuses
# it in text and jsonb), no NaN or infinity (not JSON).
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"))
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(TEXT.map(lambda k: unicodedata.normalize("NFC", k)), children, max_size=4)
    ),
    max_leaves=12,
)
# A revision's data is an object (None would be stored as SQL NULL, which the column refuses).
DATA = st.dictionaries(TEXT.map(lambda k: unicodedata.normalize("NFC", k)), JSON, max_size=4)


def test_canonical_content_is_sorted_compact_utf8_json(people):
    revision = Revision(
        title="党员党费缴纳情况",
        body="<p>第一季度</p>",
        data={"rows": [{"金额": 30.5, "姓名": "王党员"}], "period": "2025Q1", "n": 2.0},
    )

    assert (
        canonical_content(revision)
        == (
            '{"attachments":[],"body":"<p>第一季度</p>",'
            '"data":{"n":2,"period":"2025Q1","rows":[{"姓名":"王党员","金额":30.5}]},'
            '"title":"党员党费缴纳情况"}'
        ).encode()
    )
    assert content_hash(revision) == hashlib.sha256(canonical_content(revision)).hexdigest()


def test_strings_are_compared_in_nfc():
    composed = unicodedata.normalize("NFC", "Café")
    decomposed = unicodedata.normalize("NFD", "Café")
    assert composed != decomposed

    assert content_bytes(title=composed, body="", data={decomposed: decomposed}) == content_bytes(
        title=decomposed, body="", data={composed: composed}
    )


def test_keys_that_differ_only_in_normalisation_are_refused():
    with pytest.raises(ValueError, match=re.escape(str(AMBIGUOUS_KEYS))):
        content_bytes(
            title="t",
            body="",
            data={unicodedata.normalize("NFC", "é"): 1, unicodedata.normalize("NFD", "é"): 2},
        )


def test_attachment_hashes_are_included_sorted_whatever_their_source():
    a, b = "b" * 64, "a" * 64
    revision = Revision(title="公示", body="", data={})
    plain = content_hash(revision)

    by_argument = content_hash(revision, attachment_hashes=[a, b])
    revision.attachment_hashes = [b.upper(), a]  # type: ignore[attr-defined]
    by_attribute = content_hash(revision)

    assert by_argument == by_attribute != plain
    assert b'"attachments":["' + b.encode() + b'","' + a.encode() + b'"]' in canonical_content(
        revision
    )


def test_not_a_number_is_refused():
    with pytest.raises(ValueError):
        content_bytes(title="t", body="", data={"x": float("nan")})


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(title=TEXT, body=TEXT, data=DATA)
def test_the_hash_at_publication_is_the_hash_of_what_the_database_gives_back(
    tree, make_disclosure, people, title, body, data
):
    # What append_entry hashes (the object in memory) and what verify hashes (the row read
    # back, data parsed from the database's own JSON text) must agree for any content.
    disclosure = make_disclosure(tree.village, "公示")
    with rolled_back():
        revision = Revision.objects.create(
            disclosure=disclosure,
            number=1,
            title=title[:200],
            body=body,
            data=data,
            created_by=people.clerk,
        )
        from gongkai.ledger.services import _load_contents

        stored = _load_contents([revision.pk], "default")[revision.pk]

        assert stored.content_hash == content_hash(revision)


@pytest.mark.parametrize(
    ("number", "canonical"),
    [
        (2.0, b"2"),
        (-0.0, b"0"),
        (5.145268254997834e16, b"51452682549978340"),
        (1e22, b"10000000000000000000000"),
        (0.1, b"0.1"),
        (1.5e-07, b"1.5e-07"),
    ],
)
def test_integral_numbers_are_written_as_integers_in_their_shortest_decimal_form(number, canonical):
    assert b'"data":{"n":' + canonical + b"}" in content_bytes(
        title="", body="", data={"n": number}
    )
