"""The dashboard's tables as Excel workbooks: one sheet named in Chinese, a title row naming
the organization, the window and the table, Chinese headers, then the rows as the page shows
them — counts and working days as numbers, rates as percentages (0.875 shown 87.5%), dates
as dates. Written in openpyxl's write-only mode, so a long obligation list streams."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from gongkai.console.dashboard_tables import COUNT, DATE, DAYS, RATE, Table, percent

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RATE_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
#: Characters a sheet name may not hold.
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_HEADER_FILL = PatternFill("solid", fgColor="F0F2F5")


def _cell(sheet: WriteOnlyWorksheet, value: Any, kind: str) -> WriteOnlyCell:
    if kind == RATE:
        cell = WriteOnlyCell(sheet, value=percent(value))
        cell.number_format = RATE_FORMAT
        return cell
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if kind in (COUNT, DAYS) and isinstance(value, int):
        return WriteOnlyCell(sheet, value=value)
    return WriteOnlyCell(sheet, value=None if value is None else str(value))


def _styled(sheet: WriteOnlyWorksheet, value: str, font: Font, fill: Any = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


def sheet_name(text: str) -> str:
    return _SHEET_BAD.sub("", text)[:31] or "Sheet"


def workbook(table: Table, title: str, rows: Iterable[list[Any]] | None = None) -> bytes:
    """`table` as a workbook; `title` goes in the first row. `rows` (cells, as the table's)
    replaces the table's rows when given, for a list too long to hold in memory."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name(table.sheet))
    for index, column in enumerate(table.columns, 1):
        wide = column.kind not in (COUNT, RATE, DAYS, DATE)
        sheet.column_dimensions[get_column_letter(index)].width = 28 if wide else 14
    sheet.append([_styled(sheet, title, _TITLE)])
    if table.note:
        sheet.append([WriteOnlyCell(sheet, value=table.note)])
    sheet.append([_styled(sheet, c.header, _BOLD, _HEADER_FILL) for c in table.columns])
    kinds = [c.kind for c in table.columns]
    for row in rows if rows is not None else table.rows:
        sheet.append(
            [
                _cell(sheet, cell.value, cell.kind or kind)
                for cell, kind in zip(row, kinds, strict=True)
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
