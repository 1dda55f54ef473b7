"""Tokens for Chinese full-text search, the same on SQLite (FTS5) and PostgreSQL (tsvector).

Text is normalized character by character (NFKC, so full-width letters and digits become
half-width, then lower case): a position in the normalized text is always a position in the
original, which lets snippets highlight exactly what matched.

A document yields two kinds of tokens:
- **grams** for recall: every character (unigram) and every pair of neighbouring characters
  (bigram) inside a run without whitespace. A query term of one character is looked up as
  its unigram, a longer one as all its bigrams (AND); every document containing the term
  has them all, so nothing a substring scan finds is missed. The few candidates that have
  the bigrams without the term are dropped by an exact substring check of the stored
  normalized text (`query`), so the result is exactly what a substring scan finds.
- **words** (jieba) for ranking: a document holding the query's words ranks above one that
  holds only its characters.

Each token is written as ASCII (a letter saying its kind, then the characters' code points
in hex, joined by "x"): FTS5's unicode61 tokenizer and PostgreSQL's tsvector take such
tokens exactly as written, whatever characters (punctuation, symbols, operators of the
query languages) they stand for, so no text can change the meaning of a query.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator

import jieba

#: The longest text of one entry that is indexed (characters); beyond it nothing is found.
INDEX_MAX = 200_000
#: Words for ranking are taken from this many characters at most (jieba is the slow part).
WORDS_MAX = 20_000
#: A word longer than this (a long Latin run, a number) is not a ranking token.
WORD_MAX = 24

UNIGRAM, BIGRAM, WORD = "u", "b", "w"
#: Lines whose normalized text and tokens are remembered (`document`): texts repeat lines
#: (templates, names, boilerplate), and a line's tokens never depend on its neighbours.
LINE_CACHE = 4096
#: Longer lines are tokenized every time (the cache's memory stays bounded).
LINE_CACHED_MAX = 2000

#: What `clean` drops: category Cc (U+0000-U+001F, U+007F-U+009F) except tab and line
#: breaks, lone surrogates, U+FFFE and U+FFFF.
_UNCLEAN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

_jieba_ready = False


@functools.lru_cache(maxsize=65536)
def _fold(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char).lower()
    # NFKC may yield spaces (e.g. U+3000 ideographic space) or several characters; every
    # kind of whitespace becomes one plain space.
    return "".join(" " if c.isspace() else c for c in folded)


def clean(text: str) -> str:
    """Drop what no database stores, no XML feed carries and no reader typed on purpose: NUL
    and other control characters (except tab and line breaks), lone surrogates, U+FFFE/FFFF."""
    return _UNCLEAN.sub("", text)


def normalize(text: str) -> str:
    """NFKC and lower case, one character at a time (see the module)."""
    return "".join(_fold(c) for c in clean(text))


def fold_map(text: str) -> tuple[str, list[int]]:
    """The normalized text and, for each of its characters, the index of the character of
    `text` it came from (for highlighting)."""
    out: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        folded = _fold(char)
        out.append(folded)
        where.extend([index] * len(folded))
    return "".join(out), where


def _hex(chars: str) -> str:
    return "x".join(format(ord(c), "x") for c in chars)


@functools.lru_cache(maxsize=65536)
def unigram(char: str) -> str:
    return UNIGRAM + _hex(char)


@functools.lru_cache(maxsize=262144)
def bigram(pair: str) -> str:
    return BIGRAM + _hex(pair)


@functools.lru_cache(maxsize=65536)
def word(text: str) -> str:
    return WORD + _hex(text)


def grams(normalized: str) -> set[str]:
    """Unigrams and bigrams of every run without whitespace."""
    out: set[str] = set()
    for run in normalized.split():
        out.update(unigram(c) for c in run)
        out.update(bigram(run[i : i + 2]) for i in range(len(run) - 1))
    return out


def _jieba() -> object:
    """jieba, its dictionary loaded on first use (about a second, once per process)."""
    global _jieba_ready
    if not _jieba_ready:
        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _jieba_ready = True
    return jieba


def words(normalized: str) -> list[str]:
    """jieba's words (accurate mode) of more than one character, without whitespace.

    jieba cuts each run of CJK, Latin letters, digits and a few signs (its `re_han_default`)
    on its own and yields everything between runs a character at a time; so the words are
    those of each run, which are remembered (names, item titles and periods repeat)."""
    _jieba()
    out: list[str] = []
    for block in jieba.re_han_default.split(normalized[:WORDS_MAX])[1::2]:
        if len(block) <= BLOCK_CACHED_MAX:
            out.extend(_block_words_cached(block))
        else:
            out.extend(_block_words(block))
    return out


def _block_words(block: str) -> tuple[str, ...]:
    out = []
    for piece in jieba.cut(block, HMM=False):
        piece = piece.strip()
        if 1 < len(piece) <= WORD_MAX and not any(c.isspace() for c in piece):
            out.append(piece)
    return tuple(out)


#: Runs up to this length have their words remembered.
BLOCK_CACHED_MAX = 64
_block_words_cached = functools.lru_cache(maxsize=65536)(_block_words)


#: `document`'s result: the normalized text, the word tokens, the gram tokens.
Document = tuple[str, list[str], list[str]]


def document_tokens(text: str) -> tuple[list[str], list[str]]:
    """(word tokens, gram tokens) of a document's text, each space-separable ASCII."""
    normalized = normalize(text)[:INDEX_MAX]
    return sorted({word(w) for w in words(normalized)}), sorted(grams(normalized))


#: A line as `document` remembers it: normalized, then its word and gram tokens, each as a
#: set (to test) and sorted (to merge).
_Line = tuple[str, frozenset[str], frozenset[str], tuple[str, ...], tuple[str, ...]]


def _line_tokens_uncached(line: str) -> _Line:
    normalized = normalize(line)
    line_words = frozenset(word(w) for w in words(normalized))
    line_grams = frozenset(grams(normalized))
    return normalized, line_words, line_grams, tuple(sorted(line_words)), tuple(sorted(line_grams))


_line_tokens_cached = functools.lru_cache(maxsize=LINE_CACHE)(_line_tokens_uncached)


def _merged(lines: list[_Line], kind: int) -> list[str]:
    """The sorted union of the lines' tokens (`kind` 1 words, 2 grams): the longest line's
    sorted tokens with the few the others add (one run and a short tail to sort)."""
    largest = max(lines, key=lambda line: len(line[kind]))
    present = largest[kind]
    extra = {
        token
        for line in lines
        if line is not largest
        for token in line[kind + 2]
        if token not in present
    }
    if not extra:
        return list(largest[kind + 2])
    return sorted([*largest[kind + 2], *extra])


def document(text: str) -> Document:
    """`(normalize(text)[:INDEX_MAX], *document_tokens(text))`, remembered line by line.

    Exact: a line break folds to a space, so no run of grams and no block jieba cuts (it
    cuts runs of CJK, letters and digits) crosses a line; a document's grams and words are
    the union of its lines'. A document longer than WORDS_MAX (where only its start gives
    words) takes the plain path."""
    lines: list[_Line] = []
    size = -1
    for line in text.split("\n"):
        if len(line) > LINE_CACHED_MAX:
            lines.append(_line_tokens_uncached(line))
        else:
            lines.append(_line_tokens_cached(line))
        size += len(lines[-1][0]) + 1
        if size > WORDS_MAX:
            normalized = normalize(text)[:INDEX_MAX]
            word_tokens, gram_tokens = document_tokens(text)
            return normalized, word_tokens, gram_tokens
    if len(lines) == 1:
        return lines[0][0], list(lines[0][3]), list(lines[0][4])
    return " ".join(line[0] for line in lines), _merged(lines, 1), _merged(lines, 2)


def documents(texts: list[str]) -> list[Document]:
    """`document` of each text (what a worker process of `index.Adder` runs)."""
    return [document(text) for text in texts]


def warm() -> None:
    """Load jieba's dictionary now (a worker process, before its first batch)."""
    _jieba()


def terms(query: str) -> list[str]:
    """The normalized terms of a query: its whitespace-separated parts, each of which must
    occur in a document (AND), without repeats."""
    return list(dict.fromkeys(normalize(query).split()))


def term_grams(term: str) -> list[str]:
    """The grams every document containing `term` has: its unigram for one character, its
    bigrams otherwise."""
    if len(term) == 1:
        return [unigram(term)]
    return list(dict.fromkeys(bigram(term[i : i + 2]) for i in range(len(term) - 1)))


def query_words(query_terms: Iterable[str]) -> list[str]:
    """The word tokens of the query's terms (optional: they only rank)."""
    out: list[str] = []
    for term in query_terms:
        out.extend(word(w) for w in words(term))
    return list(dict.fromkeys(out))


def iter_hex_tokens(tokens: Iterable[str]) -> Iterator[str]:
    """Tokens as they are written to the index (already ASCII; a guard for callers)."""
    for token in tokens:
        assert token.isascii() and token.isalnum(), token
        yield token
