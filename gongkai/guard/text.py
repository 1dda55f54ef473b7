"""Plain text from anonymous input: what the public types is stored as plain text, never as
markup, and within a size limit.

`clean(value, max_length=…)`:

1. refuses a NUL character or a lone surrogate (the sentences of gongkai.validation), and a
   value far beyond the limit before any work is spent on it;
2. removes HTML tags with nh3 (the contents of script and style go with them), unescapes
   entities (``&amp;`` is ``&`` again) and repeats while unescaping uncovered new tags, at
   most a few rounds; a ``<`` still opening a tag after that is written as the full-width
   ``＜``, so the result never holds markup;
3. drops control characters (other than the line break) and bidirectional overrides,
   turns every kind of space into a plain one, collapses runs of spaces, trims each line,
   keeps at most one empty line in a row (or no line breaks at all with ``multiline=False``);
4. refuses the cleaned text when it is longer than ``max_length`` or empty (when required).

The result is what is stored; templates still escape it on output.
"""

from __future__ import annotations

import html
import re
import unicodedata

import nh3
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gongkai import validation

EMPTY = _("Please write something first.")
#: Anything longer than this many times the limit (plus a margin) is refused unread.
RAW_FACTOR = 4
RAW_MARGIN = 1000
ROUNDS = 4

_TAG = re.compile(r"<(?=[A-Za-z!/?])")
_BIDI = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def has_markup(text: str) -> bool:
    return bool(_TAG.search(text))


def _strip_tags(text: str) -> str:
    for _round in range(ROUNDS):
        stripped = html.unescape(nh3.clean(text, tags=set(), attributes={}, strip_comments=True))
        if stripped == text or not has_markup(stripped):
            text = stripped
            break
        text = stripped
    return _TAG.sub("＜", text)


def _character(c: str) -> str:
    if c == "\n":
        return c
    category = unicodedata.category(c)
    if category == "Zs" or c == "\t":
        return " "
    if category in ("Cc", "Cs", "Zl", "Zp"):
        return "\n" if category in ("Zl", "Zp") else ""
    return c


def normalize(text: str, *, multiline: bool = True) -> str:
    """Whitespace and invisible characters as described in the module (no tag removal)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_BIDI)
    text = "".join(_character(c) for c in text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    if not multiline:
        return " ".join(line for line in lines if line)
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _plain(text: str, *, multiline: bool) -> str:
    # Normalizing can bring a "<" next to a letter again (a control character or a line
    # break between them dropped): the full-width bracket once more, after it.
    return _TAG.sub("＜", normalize(_strip_tags(text), multiline=multiline))


def clean(value: object, *, max_length: int, multiline: bool = True, required: bool = False) -> str:
    """`value` as bounded plain text, or a ValidationError with a Chinese sentence."""
    text = "" if value is None else str(value)
    problem = validation.text_problem(text)
    if problem is not None:
        raise ValidationError(problem)
    if len(text) > max_length * RAW_FACTOR + RAW_MARGIN:
        raise ValidationError(validation.TOO_LONG % {"max": max_length, "length": len(text)})
    text = _plain(text, multiline=multiline)
    if len(text) > max_length:
        raise ValidationError(validation.TOO_LONG % {"max": max_length, "length": len(text)})
    if required and not text:
        raise ValidationError(EMPTY)
    return text


def plain(value: object, *, max_length: int, label: object = None, multiline: bool = True) -> str:
    """`clean` for a named field of a form or a rule: the refusals (NUL, lone surrogate, too
    long after cleaning) name the field, as gongkai.validation.check_text's do. The one
    plain-text cleaner of what people send (opinions, topics, information requests)."""
    text = validation.check_text(value, label=label)
    if len(text) > max_length * RAW_FACTOR + RAW_MARGIN:
        validation.check_text(text, max_length=max_length, label=label)  # refuses, named
    cleaned = _plain(text, multiline=multiline)
    return validation.check_text(cleaned, max_length=max_length, label=label)
