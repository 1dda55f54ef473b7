"""Snippets of a result: a short window of the entry's stored masked text around the first
match, HTML-escaped, every occurrence of a term in it marked with <mark>.

Built only from the entry's own masked text (`title`, `text`), never from a source row, so a
snippet shows nothing the index does not hold, and the index holds only what is shown.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from gongkai.search import tokens

#: Characters shown before and after the first match.
CONTEXT = 40
#: The longest snippet, in characters of text.
SNIPPET_MAX = 160


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """(start, end) in `text` of every occurrence of a term, merged where they overlap."""
    folded, where = tokens.fold_map(text)
    spans: list[tuple[int, int]] = []
    for term in terms:
        if not term:
            continue
        start = folded.find(term)
        while start != -1:
            end = start + len(term)
            spans.append((where[start], where[end - 1] + 1))
            start = folded.find(term, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, terms: list[str]) -> SafeString:
    """The whole `text`, escaped, with the terms marked."""
    out: list[str] = []
    last = 0
    for start, end in _spans(text, terms):
        out.append(escape(text[last:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    out.append(escape(text[last:]))
    return mark_safe("".join(out))


def snippet(text: str, terms: list[str]) -> SafeString:
    """A window of `text` around its first match (or its beginning), escaped and marked."""
    text = " ".join(text.split())
    spans = _spans(text, terms)
    first = spans[0][0] if spans else 0
    start = max(0, first - CONTEXT)
    end = min(len(text), start + SNIPPET_MAX)
    window = text[start:end]
    shown = highlight(window, terms)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(f"{prefix}{shown}{suffix}")
