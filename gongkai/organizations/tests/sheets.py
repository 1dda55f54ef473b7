"""Real .xlsx files for the import tests, written with openpyxl and read back by the code
under test."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook

HEADER = (
    "编码",
    "名称",
    "类型",
    "上级编码",
    "联系点",
    "监督电话",
    "意见箱",
    "地址",
    "新闻发言人",
    "新闻联络员",
)
REQUIRED_HEADER = HEADER[:4]
#: The downloadable template's header: every column, 所在领域 (the setting) among them.
TEMPLATE_HEADER = (*HEADER, "所在领域")


def xlsx(
    rows: Sequence[Sequence[object]],
    *,
    header: Sequence[object] | None = REQUIRED_HEADER,
    name: str = "organizations.xlsx",
) -> io.BytesIO:
    """A workbook whose first sheet holds `header` (None: no header row) and `rows`."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    if header is not None:
        sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


def named(data: bytes, name: str) -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer
