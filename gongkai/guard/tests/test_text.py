"""Plain-text cleaning of anonymous input: never markup, never an exception other than a
ValidationError with a Chinese sentence, always within the limit."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from gongkai import validation
from gongkai.guard import text

TAGS = st.sampled_from(
    ["<b>", "</b>", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<!-- c -->",
     "&lt;script&gt;", "&amp;lt;b&amp;gt;", "<", ">", "&", "&#60;i&#62;", "<svg/onload=x>",
     "<<b>b>", "<?php ?>", "<!DOCTYPE html>", "\u202e", "\u3000", "\r\n", "\t", "&nbsp;"]
)  # fmt: skip
MIXED = st.lists(st.one_of(st.text(max_size=20), TAGS), max_size=20).map("".join)


@given(st.one_of(st.text(max_size=300), MIXED))
def test_never_markup_never_a_crash(value):
    try:
        cleaned = text.clean(value, max_length=500)
    except ValidationError as error:
        assert error.messages  # a sentence for the person, never a 500
        return
    assert not text.has_markup(cleaned)
    assert "\x00" not in cleaned and "\u202e" not in cleaned
    assert len(cleaned) <= 500
    assert cleaned == cleaned.strip()
    # What is stored, cleaned again (an edit, a resend), is still no markup.
    assert not text.has_markup(text.clean(cleaned, max_length=500))


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=50))
def test_plain_text_without_angle_brackets_or_entities_keeps_its_words(value):
    value = value.replace("<", "").replace("&", "")
    cleaned = text.clean(value, max_length=500)
    assert "".join(cleaned.split()) == "".join(text.normalize(value).split())


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("<p>路灯<b>坏了</b></p>", "路灯坏了"),
        ("<script>alert(1)</script>修路", "修路"),
        ("3 &lt; 5 且 a&amp;b", "3 < 5 且 a&b"),
        ("&lt;b&gt;x&lt;/b&gt;", "x"),
        ("  第一行  \r\n\r\n\r\n\r\n  第二行\t很长  ", "第一行\n\n第二行 很长"),
        ("全角\u3000空格", "全角 空格"),
        ("\u202e反转", "反转"),
    ],
)
def test_examples(typed, stored):
    assert text.clean(typed, max_length=100) == stored


def test_single_line():
    assert text.clean("张\n三", max_length=10, multiline=False) == "张 三"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("a\x00b", validation.NUL_CHARACTER),
        ("a\ud800b", validation.LONE_SURROGATE),
    ],
)
def test_refusals_use_the_validation_sentences(typed, message):
    with pytest.raises(ValidationError) as error:
        text.clean(typed, max_length=100)
    assert error.value.messages == [str(message)]


def test_too_long_and_empty():
    with pytest.raises(ValidationError, match="10"):
        text.clean("字" * 11, max_length=10)
    with pytest.raises(ValidationError):
        text.clean("x" * 10_000_000, max_length=10)
    assert text.clean("<b></b>", max_length=10) == ""
    with pytest.raises(ValidationError):
        text.clean("<b> </b>", max_length=10, required=True)


@pytest.mark.parametrize("value", ["<\x01?", "<\x00x"[:1] + "\x07b", "<\nscript", "<\u202eb>"])
def test_a_bracket_brought_next_to_a_letter_by_normalizing_is_no_markup(value):
    for multiline in (True, False):
        assert not text.has_markup(text.clean(value, max_length=50, multiline=multiline))
