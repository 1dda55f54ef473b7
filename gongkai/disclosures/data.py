"""Structured data a draft fills in from its catalog item's form: single fields and a table.

The table arrives as tab-separated text, which is exactly what Excel and WPS put on the
clipboard, so a clerk pastes a range of cells into one box; a header row matching the column
labels is recognised and skipped. Every bad cell is reported by row and column in Chinese, and
the text the clerk typed is kept as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gongkai import validation

MAX_ROWS = 2000
REQUIRED = _("%(label)s is required.")
CELL_REQUIRED = _("Row %(row)d, %(label)s: required.")
CELL_BAD = _("Row %(row)d, %(label)s: %(problem)s")
FIELD_BAD = _("%(label)s: %(problem)s")
TOO_MANY_ROWS = _("The table has more than %(max)d rows.")
TOO_MANY_CELLS = _("Row %(row)d has %(got)d cells but the table has %(want)d columns.")
NOT_A_NUMBER = validation.NOT_A_NUMBER
NOT_MONEY = _("“%(value)s” is not an amount of money (e.g. 120.50).")
NOT_A_DATE = _("“%(value)s” is not a date (e.g. 2026-06-30).")
NOT_A_MONTH = _("“%(value)s” is not a month (e.g. 1990-03).")
NOT_A_CHOICE = _("“%(value)s” is not one of %(choices)s.")
NOT_YES_NO = _("“%(value)s” is not 是 or 否.")

_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_MONTH_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")


def clean_value(kind: str, value: str, choices: list[str]) -> tuple[Any, str | None]:
    value = value.strip()
    problem = validation.text_problem(value)
    if problem:
        return value, problem
    if kind == "number":
        try:
            number = validation.parse_number(value.replace(",", ""))
        except ValidationError as exc:
            return value, exc.messages[0]
        return (int(number) if number == number.to_integral_value() else str(number)), None
    if kind == "money":
        try:
            amount = validation.parse_number(
                value.replace(",", "").replace("¥", "").replace("元", ""), places=2
            )
        except ValidationError as exc:
            if exc.code == "invalid":
                return value, str(NOT_MONEY % {"value": _short(value)})
            return value, exc.messages[0]
        return str(amount.quantize(Decimal("0.01"))), None
    if kind == "date":
        match = _DATE_RE.match(value)
        try:
            day = dt.date(*map(int, match.groups())) if match else None
            validation.check_date(day)
        except (ValueError, OverflowError):
            return value, str(NOT_A_DATE % {"value": _short(value)})
        except ValidationError as exc:
            return value, exc.messages[0]
        if day is None:
            return value, str(NOT_A_DATE % {"value": _short(value)})
        return day.isoformat(), None
    if kind == "month":
        match = _MONTH_RE.match(value)
        if (
            not match
            or not 1 <= int(match.group(2)) <= 12
            or not validation.YEAR_MIN <= int(match.group(1)) <= validation.YEAR_MAX
        ):
            return value, str(NOT_A_MONTH % {"value": _short(value)})
        return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}", None
    if kind == "choice":
        if value not in choices:
            return value, str(
                NOT_A_CHOICE % {"value": _short(value), "choices": "、".join(choices)}
            )
        return value, None
    if kind == "boolean":
        if value in ("是", "否"):
            return value == "是", None
        return value, str(NOT_YES_NO % {"value": _short(value)})
    return value, None


def _short(value: str) -> str:
    """A cell as quoted back in a message: a pasted novel is not repeated in full."""
    return value if len(value) <= 40 else value[:40] + "…"


def clean_fields(schema: dict[str, Any], raw: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    values: dict[str, Any] = {}
    errors: list[str] = []
    for field in schema.get("fields", []):
        text = (raw.get(field["key"]) or "").strip()
        if not text:
            if field.get("required"):
                errors.append(str(REQUIRED % {"label": field["label"]}))
            continue
        value, problem = clean_value(field["type"], text, field.get("choices", []))
        if problem:
            errors.append(str(FIELD_BAD % {"label": field["label"], "problem": problem}))
        values[field["key"]] = value
    return values, errors


@dataclass
class Cell:
    text: str
    problem: str | None = None


@dataclass
class TableCheck:
    """A pasted table as read: the clean rows, every problem as a sentence (for the summary),
    and the grid of cells as typed with each bad cell's problem (for marking the cell)."""

    rows: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    #: One entry per data row: (row number, cells in column order, a problem of the whole row).
    grid: list[tuple[int, list[Cell], str | None]] = dataclasses.field(default_factory=list)


def check_table(schema: dict[str, Any], text: str) -> TableCheck:
    """Rows from pasted tab-separated text (or one row per line, cells split by tabs)."""
    columns = schema.get("columns", [])
    result = TableCheck()
    text = text or ""
    if len(text) > validation.TABLE_TEXT_MAX:
        result.errors.append(
            str(validation.TOO_LONG % {"max": validation.TABLE_TEXT_MAX, "length": len(text)})
        )
        return result
    lines = [
        line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()
    ]
    if (
        lines
        and [c.strip() for c in lines[0].split("\t")]
        == [c["label"] for c in columns][: len(lines[0].split("\t"))]
    ):
        lines = lines[1:]  # a header row copied along with the data
    if len(lines) > MAX_ROWS:
        result.errors.append(str(TOO_MANY_ROWS % {"max": MAX_ROWS}))
        return result
    for number, line in enumerate(lines, start=1):
        cells = line.split("\t")
        shown = [Cell(c) for c in cells[: max(len(columns), 1)]]
        shown += [Cell("") for _ in range(len(columns) - len(shown))]
        if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
            too_many = str(
                TOO_MANY_CELLS % {"row": number, "got": len(cells), "want": len(columns)}
            )
            result.errors.append(too_many)
            result.grid.append((number, shown, too_many))
            continue
        row: dict[str, Any] = {}
        for index, column in enumerate(columns):
            text_value = cells[index].strip() if index < len(cells) else ""
            if not text_value:
                if column.get("required"):
                    result.errors.append(
                        str(CELL_REQUIRED % {"row": number, "label": column["label"]})
                    )
                    shown[index].problem = str(REQUIRED % {"label": column["label"]})
                row[column["key"]] = ""
                continue
            value, problem = clean_value(column["type"], text_value, column.get("choices", []))
            if problem:
                result.errors.append(
                    str(CELL_BAD % {"row": number, "label": column["label"], "problem": problem})
                )
                shown[index].problem = problem
            row[column["key"]] = value
        result.rows.append(row)
        result.grid.append((number, shown, None))
    return result


def parse_table(schema: dict[str, Any], text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows from pasted tab-separated text, and every problem (see `check_table`)."""
    checked = check_table(schema, text)
    return checked.rows, checked.errors


def table_as_text(schema: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """Rows back into the tab-separated text the clerk edits."""
    keys = [c["key"] for c in schema.get("columns", [])]
    return "\n".join("\t".join(str(row.get(k, "")) for k in keys) for row in rows)


UNKNOWN_KEYS = _("The form has no field or column named %(keys)s.")
ROWS_NOT_A_TABLE = _("The table must be a list of rows.")


def validate(
    schema: dict[str, Any] | None, data: dict[str, Any], *, complete: bool = True
) -> list[str]:
    """Problems with structured data already in its stored shape (from the API, or any
    caller that did not go through `clean_fields`/`parse_table`): unknown keys, values of
    the wrong type and, when `complete` (at submission; a draft may still have gaps),
    required values missing. An item without a form takes data as it comes."""
    if not schema:
        return []
    if not complete:
        schema = {
            part: [{**entry, "required": False} for entry in schema.get(part, [])]
            for part in ("fields", "columns")
        }
    if not isinstance(data, dict):
        return [str(ROWS_NOT_A_TABLE)]
    field_keys = {f["key"] for f in schema.get("fields", [])}
    allowed = field_keys | ({"rows"} if schema.get("columns") else set())
    unknown = sorted(set(data) - allowed)
    problems = [str(UNKNOWN_KEYS % {"keys": "、".join(unknown)})] if unknown else []
    raw = {k: "" if data.get(k) is None else str(data[k]) for k in field_keys}
    for field in schema.get("fields", []):
        if field["type"] == "boolean" and isinstance(data.get(field["key"]), bool):
            raw[field["key"]] = "是" if data[field["key"]] else "否"
    problems += clean_fields(schema, raw)[1]
    if schema.get("columns"):
        rows = data.get("rows", [])
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            return [*problems, str(ROWS_NOT_A_TABLE)]
        column_keys = {c["key"] for c in schema["columns"]}
        extra = sorted({k for r in rows for k in r} - column_keys)
        if extra:
            problems.append(str(UNKNOWN_KEYS % {"keys": "、".join(extra)}))

        def cell(value: Any, kind: str) -> str:
            if isinstance(value, bool) and kind == "boolean":
                return "是" if value else "否"
            return "" if value is None else str(value).replace("\t", " ").replace("\n", " ")

        text = "\n".join(
            "\t".join(cell(r.get(c["key"]), c["type"]) or " " for c in schema["columns"])
            for r in rows
        )
        problems += parse_table(schema, text)[1] if rows else []
    return problems
