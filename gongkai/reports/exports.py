"""An assessment result as an Excel workbook (openpyxl) and a PDF (WeasyPrint), both from
`assessment.result(plan)`: the ranking on the first sheet, every score's sources on the
second."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from gongkai.reports.assessment import PENDING
from gongkai.reports.documents import _no_fetching
from gongkai.reports.models import AssessmentPlan


def ranking_head(data: dict[str, Any]) -> list[str]:
    return [
        _("Rank"),
        _("Organization"),
        *[
            _("%(criterion)s (weight %(weight)d)")
            % {"criterion": c["label"], "weight": c["weight"]}
            for c in data["criteria"]
        ],
        _("Total"),
    ]


def rank_text(row: dict[str, Any]) -> str:
    if row["rank"] is None:
        return str(PENDING)
    if row["tied"]:
        return _("%(rank)d (tied)") % {"rank": row["rank"]}
    return str(row["rank"])


def ranking_rows(data: dict[str, Any]) -> list[list[str]]:
    return [
        [
            rank_text(row),
            row["organization"]["name"],
            *[p["score"] if p["score"] is not None else str(PENDING) for p in row["parts"]],
            row["total"] if row["total"] is not None else str(PENDING),
        ]
        for row in data["rows"]
    ]


def sources_head() -> list[str]:
    return [
        _("Organization"),
        _("Criterion"),
        _("Source"),
        _("Weight"),
        _("Value"),
        _("Assessor"),
        _("Assessor's score"),
        _("Points"),
        _("How it was computed"),
    ]


def source_label(source: str) -> str:
    return _("measured") if source == "measured" else _("panel")


def sources_rows(data: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for row in data["rows"]:
        for p in row["parts"]:
            base = [row["organization"]["name"], p["label"], source_label(p["source"]), p["weight"]]
            tail = [p["score"] if p["score"] is not None else str(PENDING), p["formula"]]
            if p["source"] == "panel" and p["panel"]:
                for entry in p["panel"]:
                    rows.append(
                        [
                            *base,
                            p["mean"] or "",
                            entry["assessor"],
                            entry["score"] if entry["score"] is not None else str(PENDING),
                            *tail,
                        ]
                    )
            else:
                rows.append([*base, p["value"] or "", "", "", *tail])
    return rows


def _number(value: Any) -> Any:
    """Scores as numbers in the workbook (they sort and sum), everything else as text."""
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except ArithmeticError:
            return value
        if number.is_finite() and value.strip() == value and value.replace(".", "").isdigit():
            return float(number)
    return value


def xlsx(plan: AssessmentPlan, data: dict[str, Any]) -> bytes:

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Ranking")
    sheet.append([plan.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(
        [
            _("%(organization)s, %(period)s")
            % {
                "organization": data["plan"]["organization"]["name"],
                "period": data["plan"]["period"],
            }
        ]
    )
    sheet.append([])
    sheet.append(ranking_head(data))
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for values in ranking_rows(data):
        sheet.append([_number(v) if i > 1 else v for i, v in enumerate(values)])
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = 24
    sources = book.create_sheet(_("Sources"))
    sources.append(sources_head())
    for cell in sources[1]:
        cell.font = Font(bold=True)
    for values in sources_rows(data):
        sources.append([_number(v) if i in (4, 6, 7) else v for i, v in enumerate(values)])
    for column, width in zip("ABCDEFGHI", (22, 12, 8, 6, 8, 12, 10, 8, 60), strict=True):
        sources.column_dimensions[column].width = width
    for row in sources.iter_rows(min_row=2, min_col=9, max_col=9):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def pdf(plan: AssessmentPlan, data: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "reports/documents/assessment.html",
        {
            "plan": plan,
            "data": data,
            "ranking_head": ranking_head(data),
            "ranking_rows": ranking_rows(data),
            "sources_head": sources_head(),
            "sources_rows": sources_rows(data),
        },
    )
    out: bytes = HTML(string=html, url_fetcher=_no_fetching).write_pdf()
    return out


def download_name(plan: AssessmentPlan, fmt: str) -> str:
    return f"{plan.title}.{fmt}"
