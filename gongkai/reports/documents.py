"""The work summary as a Word file (python-docx) and a PDF (WeasyPrint), both from the data
`summary.build` returns; and `produce` / `render_summary`, the two steps of making one.

`render_summary(report_id)` is what a background task calls: it reads the figures as they
are now, renders both files and replaces the report's files with them, so running it twice
leaves one report with the newer files (never a second row, never a stray file).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

from gongkai.disclosures import clock
from gongkai.organizations.models import Organization
from gongkai.reports import access, charts, summary
from gongkai.reports.models import Report
from gongkai.reports.summary import rate_text
from gongkai.reports.windows import Window

logger = logging.getLogger(__name__)

NOT_ALLOWED = gettext_lazy(
    "Only the organization's leading group or its office may produce its summaries."
)
OPINIONS_LATER = gettext_lazy(
    "Opinions, suggestions and the echo wall are counted here once the engagement features "
    "(opinion box, echo wall, information requests) are in use; this summary does not give "
    "numbers for them yet."
)
SEAL = gettext_lazy("(seal)")

EAST_ASIAN_BODY = "宋体"  # SimSun: in every Chinese Word and WPS; elsewhere a CJK fallback
EAST_ASIAN_HEADING = "黑体"  # SimHei
LATIN = "Times New Roman"
RED = "C00000"


# --- making one ------------------------------------------------------------------------------


def produce(org: Organization, *, actor: Any, window: Window) -> Report:
    """Record a summary to be made of `org`'s subtree for `window` and render it now. (A
    background task may render instead: create the row, then call render_summary.)"""
    report = create(org, actor=actor, window=window)
    return render_summary(report.pk)


def create(org: Organization, *, actor: Any, window: Window) -> Report:
    if not access.can_manage(actor, org):
        raise PermissionDenied(NOT_ALLOWED)
    return Report.objects.create(
        organization=org,
        kind=window.kind,
        first=window.first,
        last=window.last,
        title=summary.title(org, window.first, window.last),
        created_by=actor,
        created_at=clock.now(),
    )


def render_summary(report_id: int) -> Report:
    """Render the report's documents from today's figures and store them in place of any
    earlier ones. A failure (rendering or storage) is recorded on the report: status failed,
    with its reason, for the office to see."""
    report = Report.objects.select_related("organization").get(pk=report_id)
    now = clock.now()
    try:
        data = summary.build(report.organization, report.first, report.last, on=_local_date(now))
        docx_bytes = docx_document(data)
        pdf_bytes = pdf_document(data)
        with transaction.atomic():
            # Two runs at once: the second waits here, then replaces the first one's files.
            locked = Report.objects.select_for_update().get(pk=report_id)
            for field in (locked.docx, locked.pdf):
                if field.name:
                    field.storage.delete(field.name)
            locked.docx.save("summary.docx", ContentFile(docx_bytes), save=False)
            locked.pdf.save("summary.pdf", ContentFile(pdf_bytes), save=False)
            locked.figures = data
            locked.title = data["title"]
            locked.status = Report.Status.READY
            locked.failure = ""
            locked.rendered_at = now
            locked.save()
    except Exception as exc:  # recorded for the office; the task runner logs it too
        logger.exception("summary %s failed", report_id)
        report.refresh_from_db()
        gone = {
            name: ""
            for name, field in (("docx", report.docx), ("pdf", report.pdf))
            if field.name and not field.storage.exists(field.name)
        }
        Report.objects.filter(pk=report_id).update(
            status=Report.Status.FAILED, failure=f"{type(exc).__name__}: {exc}"[:2000], **gone
        )
        report.refresh_from_db()
        return report
    return locked


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def download_name(report: Report, fmt: str) -> str:
    return f"{report.title}.{fmt}"


# --- charts ----------------------------------------------------------------------------------


def rate_chart(data: dict[str, Any]) -> charts.Chart:
    return charts.rate_bars(
        _("On-time rate of each direct subordinate"),
        [(row["name"], _decimal(row["on_time_rate"])) for row in data["subordinates"]],
    )


def trend_chart(data: dict[str, Any]) -> charts.Chart:
    return charts.monthly_bars(
        _("Obligations due each month"),
        [(m["label"], m["on_time"], m["late"], m["overdue"]) for m in data["trend"]],
    )


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


# --- tables shared by both documents ---------------------------------------------------------


def totals_table(data: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    t = data["totals"]
    head = [
        pgettext("count", "Due"),
        _("Items published"),
        _("On time"),
        _("Late"),
        _("Overdue"),
        _("Exempted"),
        _("Deferred"),
        _("Not yet due"),
        _("On-time rate"),
        _("Coverage"),
    ]
    row = [
        str(t["due"]),
        str(t["fulfilled"]),
        str(t["on_time"]),
        str(t["late"]),
        str(t["overdue"]),
        str(t["exempted"]),
        str(t["deferred"]),
        str(t["pending"]),
        rate_text(t["on_time_rate"]),
        rate_text(t["coverage"]),
    ]
    return head, [row]


def subordinates_table(data: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = [
        _("Rank"),
        _("Organization"),
        pgettext("count", "Due"),
        _("On time"),
        _("Late"),
        _("Overdue"),
        _("Exempted or deferred"),
        _("On-time rate"),
        _("Coverage"),
    ]
    rows = [
        [
            str(r["position"]),
            r["name"],
            str(r["due"]),
            str(r["on_time"]),
            str(r["late"]),
            str(r["overdue"]),
            str(r["exempted"] + r["deferred"]),
            rate_text(r["on_time_rate"]),
            rate_text(r["coverage"]),
        ]
        for r in data["subordinates"]
    ]
    return head, rows


def trend_table(data: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = [
        _("Month"),
        pgettext("count", "Due"),
        _("On time"),
        _("Late"),
        _("Overdue"),
        _("On-time rate"),
    ]
    rows = [
        [
            m["month"],
            str(m["due"]),
            str(m["on_time"]),
            str(m["late"]),
            str(m["overdue"]),
            rate_text(m["on_time_rate"]),
        ]
        for m in data["trend"]
    ]
    return head, rows


def lagging_rows(entry: dict[str, Any]) -> list[list[str]]:
    rows = []
    for item in entry["overdue_items"]:
        rows.append(
            [
                item["item"],
                item["period"],
                item["due_date"],
                _("overdue %(days)d days") % {"days": item["days_overdue"] or 0},
            ]
        )
    for item in entry["late_items"]:
        rows.append(
            [
                item["item"],
                item["period"],
                item["due_date"],
                _("published late on %(day)s") % {"day": item["fulfilled_on"] or "—"},
            ]
        )
    return rows


def lagging_head() -> list[str]:
    return [_("Item"), _("Period"), _("Due"), _("State")]


def exemptions_table(data: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = [
        _("Organization"),
        _("Item"),
        _("Period"),
        _("Decision"),
        _("Reason"),
        _("Legal basis"),
    ]
    rows = []
    for e in data["exemptions"]:
        decision = e["kind_label"]
        if e["defer_until"]:
            decision = _("%(kind)s until %(day)s") % {"kind": decision, "day": e["defer_until"]}
        rows.append(
            [
                e["organization"],
                e["item"],
                e["period"],
                decision,
                f"{e['reason_category']}：{e['reason']}",
                e["legal_basis"],
            ]
        )
    return head, rows


def headings() -> dict[str, str]:
    return {
        "overview": _("I. Overview"),
        "subordinates": _("II. On-time disclosure of each direct subordinate"),
        "trend": _("III. Month by month"),
        "lagging": _("IV. Lagging organizations and their overdue items"),
        "exemptions": _("V. Exemptions and deferrals"),
        "opinions": _("VI. Opinions, suggestions and the echo wall"),
    }


def lagging_sentence(entry: dict[str, Any]) -> str:
    return _("%(name)s: %(overdue)d overdue, %(late)d published late.") % entry


def unlisted_sentence(entry: dict[str, Any]) -> str:
    return _("%(n)d more not listed.") % {"n": entry["unlisted"]}


def header_lines(data: dict[str, Any]) -> dict[str, str]:
    return {
        "issuer": data["organization"]["name"],
        "title": data["title"],
        "date": _("Date: %(date)s") % {"date": data["date_text"]},
        "window": _("Period covered: %(first)s to %(last)s (by due date)")
        % {"first": data["first_text"], "last": data["last_text"]},
        "seal": str(SEAL),
        "as_of": _(
            "Figures as of %(date)s, read from the platform's compliance records; "
            "on-time rate = on time ÷ due, coverage = published ÷ due."
        )
        % {"date": data["date_text"]},
    }


def empty_texts() -> dict[str, str]:
    return {
        "no_subordinates": _("The organization has no direct subordinate organizations."),
        "no_lagging": _("No organization had overdue or late items in this period."),
        "no_exemptions": _("No item was exempted or deferred in this period."),
    }


# --- PDF -------------------------------------------------------------------------------------


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> Any:
    # Everything the document needs is inline: nothing a name or reason says is fetched.
    raise ValueError(f"not fetched: {url[:80]}")


def pdf_document(data: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "reports/documents/summary.html",
        {
            "data": data,
            "h": headings(),
            "header": header_lines(data),
            "empty": empty_texts(),
            "overview": summary.overview(data),
            "totals": totals_table(data),
            "subordinates": subordinates_table(data),
            "trend": trend_table(data),
            "lagging": [
                {
                    "sentence": lagging_sentence(e),
                    "rows": lagging_rows(e),
                    "unlisted": unlisted_sentence(e) if e["unlisted"] else "",
                }
                for e in data["lagging"]
            ],
            "lagging_head": lagging_head(),
            "exemptions": exemptions_table(data),
            "opinions": OPINIONS_LATER,
            # Built by to_svg, which escapes every text it writes.
            "rate_svg": mark_safe(charts.to_svg(rate_chart(data))),
            "trend_svg": mark_safe(charts.to_svg(trend_chart(data))),
        },
    )
    pdf: bytes = HTML(string=html, url_fetcher=_no_fetching).write_pdf()
    return pdf


# --- Word ------------------------------------------------------------------------------------


def _font(run_or_style: Any, *, east_asia: str, size: float | None = None, **kw: Any) -> None:

    font = run_or_style.font
    font.name = LATIN
    if size is not None:
        font.size = Pt(size)
    if "bold" in kw:
        font.bold = kw["bold"]
    if "color" in kw:
        font.color.rgb = RGBColor.from_string(kw["color"])
    element = run_or_style.element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    # Word picks the East Asian font for Chinese characters: without it they fall back to
    # whatever the theme says, which is a Latin font on many installations.
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)


def _table(doc: Any, head: list[str], rows: list[list[str]], *, size: float = 9.5) -> Any:

    table = doc.add_table(rows=1 + len(rows), cols=len(head))
    table.style = "Table Grid"
    for r, values in enumerate([head, *rows]):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.text = ""
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(0)
            run = paragraph.add_run(value)
            _font(run, east_asia=EAST_ASIAN_BODY, size=size, bold=(r == 0))
    doc.add_paragraph()
    return table


def _paragraph(doc: Any, text: str, *, size: float = 12, **kw: Any) -> Any:

    paragraph = doc.add_paragraph()
    align = kw.pop("align", None)
    if align == "center":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif align == "right":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    east_asia = kw.pop("east_asia", EAST_ASIAN_BODY)
    run = paragraph.add_run(text)
    _font(run, east_asia=east_asia, size=size, **kw)
    return paragraph


def _heading(doc: Any, text: str) -> None:

    paragraph = _paragraph(doc, text, size=14, bold=True, east_asia=EAST_ASIAN_HEADING)
    paragraph.paragraph_format.space_before = Pt(12)
    paragraph.paragraph_format.keep_with_next = True


def _seal(doc: Any, text: str) -> None:
    """A bordered box at the right where the seal is put on the printed copy."""

    table = doc.add_table(rows=1, cols=1)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.RIGHT
    table.autofit = False
    # Word reads the cell's width, LibreOffice the grid column's: both are set.
    table.columns[0].width = Cm(3.6)
    cell = table.cell(0, 0)
    cell.width = Cm(3.6)
    cell.text = ""
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in ("", text, ""):
        run = paragraph.add_run(line)
        _font(run, east_asia=EAST_ASIAN_BODY, size=11, color=RED)
        if line != "":
            run.add_break()


def docx_document(data: dict[str, Any]) -> bytes:

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(26)
    section.top_margin, section.bottom_margin = Mm(30), Mm(25)
    normal = doc.styles["Normal"]
    _font(normal, east_asia=EAST_ASIAN_BODY, size=12)
    normal.paragraph_format.line_spacing = 1.4
    doc.core_properties.title = data["title"]
    doc.core_properties.author = data["organization"]["name"]
    doc.core_properties.language = "zh-CN"

    lines = header_lines(data)
    h = headings()
    empty = empty_texts()
    _paragraph(doc, lines["issuer"], size=24, bold=True, color=RED, align="center",
               east_asia=EAST_ASIAN_HEADING)  # fmt: skip
    _paragraph(doc, lines["title"], size=18, bold=True, align="center",
               east_asia=EAST_ASIAN_HEADING)  # fmt: skip
    _paragraph(doc, lines["date"], size=12, align="center")
    _seal(doc, lines["seal"])
    _paragraph(doc, lines["window"], size=10.5, color="555555")

    _heading(doc, h["overview"])
    paragraph = _paragraph(doc, summary.overview(data))
    paragraph.paragraph_format.first_line_indent = Pt(24)
    _table(doc, *totals_table(data), size=9)

    _heading(doc, h["subordinates"])
    if data["subordinates"]:
        _table(doc, *subordinates_table(data))
        doc.add_picture(io.BytesIO(charts.to_png(rate_chart(data))), width=Cm(15.5))
    else:
        _paragraph(doc, empty["no_subordinates"])

    _heading(doc, h["trend"])
    doc.add_picture(io.BytesIO(charts.to_png(trend_chart(data))), width=Cm(15.5))
    _table(doc, *trend_table(data))

    _heading(doc, h["lagging"])
    if not data["lagging"]:
        _paragraph(doc, empty["no_lagging"])
    for entry in data["lagging"]:
        _paragraph(doc, lagging_sentence(entry), bold=True)
        _table(doc, lagging_head(), lagging_rows(entry))
        if entry["unlisted"]:
            _paragraph(doc, unlisted_sentence(entry), size=10.5)

    _heading(doc, h["exemptions"])
    if data["exemptions"]:
        _table(doc, *exemptions_table(data))
    else:
        _paragraph(doc, empty["no_exemptions"])

    _heading(doc, h["opinions"])
    _paragraph(doc, str(OPINIONS_LATER))

    _paragraph(doc, lines["as_of"], size=9, color="666666")
    _paragraph(doc, lines["issuer"], align="right")
    _paragraph(doc, data["date_text"], align="right")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
