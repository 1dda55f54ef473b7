"""The structured form an item may carry: single fields and table columns that drafts fill
in, e.g. 发展党员公示 with 姓名, 性别, 出生年月, 学历, 申请入党时间, 拟发展阶段."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _

FIELD_TYPES = {
    "text": _("text"),
    "longtext": _("long text"),
    "number": _("number"),
    "money": _("amount of money"),
    "date": _("date"),
    "month": _("month"),
    "choice": _("choice"),
    "boolean": _("yes/no"),
}
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

NOT_A_MAPPING = _("The structured form must have “fields” and/or “columns” lists.")
NOT_A_LIST = _("“%(part)s” must be a list.")
ENTRY_NOT_MAPPING = _("%(part)s #%(n)d must have a key, a label and a type.")
BAD_KEY = _(
    "%(part)s #%(n)d: the key “%(key)s” must be lower-case letters, digits and underscores."
)
DUPLICATE_KEY = _("%(part)s #%(n)d: the key “%(key)s” is used twice.")
MISSING_LABEL = _("%(part)s #%(n)d: the label is missing.")
BAD_TYPE = _("%(part)s #%(n)d: unknown type “%(type)s”; use one of %(types)s.")
CHOICES_NEEDED = _("%(part)s #%(n)d: a choice needs a list of choices.")

PART_NAMES = {"fields": _("Field"), "columns": _("Column")}

#: How a person may separate the choices of a "choice" field when typing them in one box.
CHOICE_SEPARATORS = re.compile(r"[、,，;；\n\r]+")


def split_choices(text: str) -> list[str]:
    """Choices typed in one box ("党员、预备党员、发展对象"), in order, blanks and repeats
    dropped."""
    seen: dict[str, None] = {}
    for part in CHOICE_SEPARATORS.split(text or ""):
        if part.strip():
            seen.setdefault(part.strip(), None)
    return list(seen)


def join_choices(choices: Any) -> str:
    """The stored choices as the editor shows them in one box."""
    return "、".join(str(c) for c in choices) if isinstance(choices, list) else ""


def validate_form_schema(schema: Any) -> list[str]:
    """Every problem with a structured form definition, as sentences (empty when fine)."""
    if schema in (None, "", {}):
        return []
    if not isinstance(schema, dict) or not set(schema) <= {"fields", "columns"}:
        return [str(NOT_A_MAPPING)]
    errors: list[str] = []
    for part in ("fields", "columns"):
        entries = schema.get(part, [])
        if not isinstance(entries, list):
            errors.append(str(NOT_A_LIST % {"part": part}))
            continue
        seen: set[str] = set()
        name = str(PART_NAMES[part])
        for n, entry in enumerate(entries, start=1):
            if not isinstance(entry, dict):
                errors.append(str(ENTRY_NOT_MAPPING % {"part": name, "n": n}))
                continue
            key = str(entry.get("key", ""))
            if not KEY_RE.match(key):
                errors.append(str(BAD_KEY % {"part": name, "n": n, "key": key}))
            elif key in seen:
                errors.append(str(DUPLICATE_KEY % {"part": name, "n": n, "key": key}))
            seen.add(key)
            if not str(entry.get("label", "")).strip():
                errors.append(str(MISSING_LABEL % {"part": name, "n": n}))
            kind = entry.get("type", "text")
            if not isinstance(kind, str) or kind not in FIELD_TYPES:
                errors.append(
                    str(
                        BAD_TYPE
                        % {"part": name, "n": n, "type": kind, "types": ", ".join(FIELD_TYPES)}
                    )
                )
            if kind == "choice" and not (
                isinstance(entry.get("choices"), list)
                and entry["choices"]
                and all(isinstance(c, str | int | float) for c in entry["choices"])
            ):
                errors.append(str(CHOICES_NEEDED % {"part": name, "n": n}))
    return errors


def normalise_form_schema(schema: Any) -> dict[str, Any] | None:
    """A validated schema in its stored shape (absent parts as empty lists)."""
    if schema in (None, "", {}):
        return None
    out: dict[str, Any] = {}
    for part in ("fields", "columns"):
        out[part] = [
            {
                "key": e["key"],
                "label": str(e["label"]).strip(),
                "type": e.get("type", "text"),
                "required": bool(e.get("required", False)),
                **({"choices": [str(c) for c in e["choices"]]} if e.get("choices") else {}),
            }
            for e in schema.get(part, [])
        ]
    return out
