"""Two revisions of a disclosure compared as a reader would: title and body as text,
character by character within the sentences that changed (Chinese has no spaces to split
words at), the structured fields by label, the table row by row with the changed cells
marked, and the files added or removed. Never a raw dict.

Both sides are the content as the public page shows it (`reading.show_revision`, masked by
the one rule), so a diff never reveals what masking hides. Each side of a text diff,
read alone, is exactly that side's text: `before` holds the unchanged and removed
segments, `after` the unchanged and added ones.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import strip_tags

from gongkai.disclosures.models import Revision
from gongkai.portal.reading import ShownRevision, StructuredData, show_revision

SAME, ADDED, REMOVED, CHANGED = "same", "added", "removed", "changed"

#: Where a text is cut into sentences before comparing: after Chinese and Western sentence
#: ends and at line breaks, so a change is shown inside the sentence it belongs to.
SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")
#: Blocks longer than this are compared as wholes (a character diff is quadratic).
CHAR_DIFF_LIMIT = 3000
BLOCK_TAGS = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h[1-6]|/table|/blockquote)\b[^>]*>", re.I)


@dataclass(frozen=True)
class Segment:
    kind: str  # SAME, ADDED or REMOVED
    text: str


@dataclass
class TextDiff:
    before: list[Segment]
    after: list[Segment]

    @property
    def changed(self) -> bool:
        return any(s.kind != SAME for s in self.before + self.after)

    def before_text(self) -> str:
        return "".join(s.text for s in self.before)

    def after_text(self) -> str:
        return "".join(s.text for s in self.after)


@dataclass
class FieldChange:
    label: str
    diff: TextDiff


@dataclass
class Cell:
    text: str
    changed: bool = False


@dataclass
class RowChange:
    kind: str  # ADDED, REMOVED, CHANGED
    before: list[Cell] | None
    after: list[Cell] | None


@dataclass
class RevisionDiff:
    title: TextDiff
    body: TextDiff
    fields: list[FieldChange] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[RowChange] = field(default_factory=list)
    #: Rows equal on both sides (not listed, only counted).
    rows_unchanged: int = 0
    files_added: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.title.changed
            or self.body.changed
            or self.fields
            or self.rows
            or self.files_added
            or self.files_removed
        )


@dataclass
class Side:
    """One revision's content as shown: title, body (HTML), structured data, and the files
    as (name, digest)."""

    title: str
    body: str
    data: StructuredData
    files: list[tuple[str, str]]


def side_of(shown: ShownRevision, files: list[tuple[str, str]]) -> Side:
    return Side(shown.title, shown.body, shown.data, files)


def files_by_revision(revision_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """(name, digest) of the files of each revision, in one query (a page compares many)."""
    found: dict[int, list[tuple[str, str]]] = {pk: [] for pk in revision_ids}
    rows = Revision.attachments.through.objects.filter(revision_id__in=revision_ids)
    for revision_id, name, digest in rows.order_by("attachment_id").values_list(
        "revision_id", "attachment__name", "attachment__sha256"
    ):
        found[revision_id].append((name, digest))
    return found


# -- text ------------------------------------------------------------------------------------


def body_text(body_html: str) -> str:
    """The body as a reader reads it: tags gone, entities resolved, a line per block."""
    text = BLOCK_TAGS.sub(lambda m: m.group(0) + "\n", body_html or "")
    text = html.unescape(strip_tags(text))
    lines = [line.strip() for line in text.replace("\r", "").split("\n")]
    return "\n".join(line for line in lines if line)


def _chars(before: str, after: str) -> TextDiff:
    if len(before) > CHAR_DIFF_LIMIT or len(after) > CHAR_DIFF_LIMIT:
        return TextDiff(_one(REMOVED, before), _one(ADDED, after))
    b: list[Segment] = []
    a: list[Segment] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in _fold_short_matches(matcher.get_opcodes()):
        if op == "equal":
            b.append(Segment(SAME, before[i1:i2]))
            a.append(Segment(SAME, after[j1:j2]))
        else:
            b += _one(REMOVED, before[i1:i2])
            a += _one(ADDED, after[j1:j2])
    return TextDiff(_merge(b), _merge(a))


#: A run this short that both sides share between two changes is shown as part of the
#: change: "镇党委" → "村委会" reads as one replaced phrase, not 镇党→村, 委, +会.
SHORT_MATCH = 2


def _fold_short_matches(
    opcodes: Sequence[tuple[str, int, int, int, int]],
) -> list[tuple[str, int, int, int, int]]:
    out: list[tuple[str, int, int, int, int]] = []
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        between_changes = 0 < index < len(opcodes) - 1
        if op == "equal" and between_changes and i2 - i1 <= SHORT_MATCH:
            op = "replace"
        if out and op != "equal" and out[-1][0] != "equal":
            _op, pi1, _pi2, pj1, _pj2 = out[-1]
            out[-1] = ("replace", pi1, i2, pj1, j2)
        else:
            out.append((op, i1, i2, j1, j2))
    return out


def _one(kind: str, text: str) -> list[Segment]:
    return [Segment(kind, text)] if text else []


def _merge(segments: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for s in segments:
        if not s.text:
            continue
        if out and out[-1].kind == s.kind:
            out[-1] = Segment(s.kind, out[-1].text + s.text)
        else:
            out.append(s)
    return out


def text_diff(before: str, after: str) -> TextDiff:
    """Sentences first, then characters within the sentences that changed."""
    if before == after:
        return TextDiff(_one(SAME, before), _one(SAME, after))
    bs = [s for s in SENTENCE_END.split(before) if s]
    as_ = [s for s in SENTENCE_END.split(after) if s]
    b: list[Segment] = []
    a: list[Segment] = []
    matcher = difflib.SequenceMatcher(None, bs, as_, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = "".join(bs[i1:i2]), "".join(as_[j1:j2])
        if op == "equal":
            b.append(Segment(SAME, old))
            a.append(Segment(SAME, new))
        elif op == "replace":
            inner = _chars(old, new)
            b += inner.before
            a += inner.after
        else:
            b += _one(REMOVED, old)
            a += _one(ADDED, new)
    return TextDiff(_merge(b), _merge(a))


# -- structured data ---------------------------------------------------------------------


def _field_changes(before: StructuredData, after: StructuredData) -> list[FieldChange]:
    old, new = dict(before.fields), dict(after.fields)
    labels = list(old) + [label for label in new if label not in old]
    return [
        FieldChange(label, text_diff(old.get(label, ""), new.get(label, "")))
        for label in labels
        if old.get(label, "") != new.get(label, "")
    ]


def _table(data: StructuredData, columns: list[str]) -> list[tuple[str, ...]]:
    out = []
    for row in data.rows:
        by_label = dict(zip(data.columns, row, strict=False))
        out.append(tuple(by_label.get(c, "") for c in columns))
    return out


def _row_changes(
    before: StructuredData, after: StructuredData
) -> tuple[list[str], list[RowChange], int]:
    columns = list(after.columns) + [c for c in before.columns if c not in after.columns]
    old, new = _table(before, columns), _table(after, columns)
    changes: list[RowChange] = []
    unchanged = 0
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            unchanged += i2 - i1
            continue
        olds, news = old[i1:i2], new[j1:j2]
        paired = min(len(olds), len(news)) if op == "replace" else 0
        for o, n in zip(olds[:paired], news[:paired], strict=True):
            changes.append(
                RowChange(
                    CHANGED,
                    [Cell(x, x != y) for x, y in zip(o, n, strict=True)],
                    [Cell(y, x != y) for x, y in zip(o, n, strict=True)],
                )
            )
        for o in olds[paired:]:
            changes.append(RowChange(REMOVED, [Cell(x, True) for x in o], None))
        for n in news[paired:]:
            changes.append(RowChange(ADDED, None, [Cell(y, True) for y in n]))
    return columns, changes, unchanged


# -- the whole -----------------------------------------------------------------------------


def compare(before: Side, after: Side) -> RevisionDiff:
    columns, rows, unchanged = _row_changes(before.data, after.data)
    old_files, new_files = set(before.files), set(after.files)
    return RevisionDiff(
        title=text_diff(before.title, after.title),
        body=text_diff(body_text(before.body), body_text(after.body)),
        fields=_field_changes(before.data, after.data),
        columns=columns if rows else [],
        rows=rows,
        rows_unchanged=unchanged,
        files_added=[name for name, digest in after.files if (name, digest) not in old_files],
        files_removed=[name for name, digest in before.files if (name, digest) not in new_files],
    )


def revision_diff(disclosure: Any, older: Revision, newer: Revision) -> RevisionDiff:
    """What changed from `older` to `newer`, both as the public page shows them."""
    files = files_by_revision([older.pk, newer.pk])
    return compare(
        side_of(show_revision(disclosure, older), files[older.pk]),
        side_of(show_revision(disclosure, newer), files[newer.pk]),
    )
