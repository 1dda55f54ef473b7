"""The half-year summary, read back from its Word file and its PDF: the Chinese title, the
organizations and the numbers, which must equal gongkai.compliance.figures (the dashboards'
numbers)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from docx import Document
from pypdf import PdfReader

from gongkai.compliance import figures
from gongkai.compliance.models import State
from gongkai.reports import charts, documents, summary
from gongkai.reports.models import Report
from gongkai.reports.summary import rate_text

from .conftest import SEEN_AT, at, publish

pytestmark = pytest.mark.django_db

TITLE = "青石镇党委2026年上半年党务公开工作情况报告"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def produce(tree, people, season) -> Report:  # type: ignore[no-untyped-def]
    with time_machine.travel(SEEN_AT, tick=False):
        return documents.produce(tree.town, actor=people.office, window=season.window)


def docx_text(report: Report) -> tuple[str, list[list[list[str]]]]:
    with report.docx.open("rb") as f:
        doc = Document(io.BytesIO(f.read()))
    text = "\n".join(p.text for p in doc.paragraphs)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    return text, tables


def pdf_text(report: Report) -> str:
    with report.pdf.open("rb") as f:
        reader = PdfReader(io.BytesIO(f.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    """PDF text without the line breaks the layout put inside sentences and cells."""
    return re.sub(r"\s+", "", text)


def test_the_summary_is_produced_with_the_dashboards_numbers(tree, people, season):
    report = produce(tree, people, season)
    assert report.status == Report.Status.READY, report.failure
    assert report.title == TITLE
    total = figures.subtree(tree.town, season.first, season.last)
    kids = figures.ranking(tree.town, season.first, season.last)
    data = report.figures
    assert data["totals"] == summary.counts(total)
    assert [r["name"] for r in data["subordinates"]] == [f.organization.name for f in kids]
    assert [r["on_time_rate"] for r in data["subordinates"]] == [str(f.on_time_rate) for f in kids]
    assert (data["covered"], data["subordinate_count"]) == (2, 2)
    assert sum(m["due"] for m in data["trend"]) == total.due
    # The season as the fixture made it: nothing invented.
    assert (total.on_time, total.late, total.exempted, total.deferred) == (6, 1, 1, 1)
    assert total.overdue == sum(e["overdue"] for e in data["lagging"]) > 0
    assert len(data["exemptions"]) == total.exempted + total.deferred


def test_the_word_file_reads_back_title_organizations_and_numbers(tree, people, season):
    report = produce(tree, people, season)
    text, tables = docx_text(report)
    total = figures.subtree(tree.town, season.first, season.last)
    assert TITLE in text and "青石镇党委" in text and "2026年7月20日" in text
    assert "（盖章）" in flat("\n".join(c for t in tables for row in t for c in row))
    totals = next(t for t in tables if t[0][0] == "应公开")
    assert totals[1] == [
        str(total.due),
        str(total.fulfilled),
        str(total.on_time),
        str(total.late),
        str(total.overdue),
        str(total.exempted),
        str(total.deferred),
        str(total.pending),
        rate_text(total.on_time_rate),
        rate_text(total.coverage),
    ]
    ranking = next(t for t in tables if t[0][:2] == ["排名", "党组织"])
    for row, f in zip(
        ranking[1:], figures.ranking(tree.town, season.first, season.last), strict=True
    ):
        assert row[1] == f.organization.name
        assert row[2:6] == [str(f.due), str(f.on_time), str(f.late), str(f.overdue)]
        assert row[7] == rate_text(f.on_time_rate)
    assert "直属下级党组织" in text and "2/2" in text
    assert "意见建议和回音壁" in text
    assert "暂不列" in text  # the placeholder says why there are no numbers
    reasons = next(t for t in tables if t[0][-1] == "依据")
    assert any("公开即暴露个人信息" in cell for row in reasons for cell in row)


def test_the_pdf_reads_back_title_organizations_and_numbers(tree, people, season):
    report = produce(tree, people, season)
    text = flat(pdf_text(report))
    total = figures.subtree(tree.town, season.first, season.last)
    assert TITLE in text
    assert "东岭村党支部" in text and "西岭村党支部" in text
    overview = flat(summary.overview(report.figures))
    assert overview in text
    assert f"{total.due}项" in overview and rate_text(total.on_time_rate) in overview
    for f in figures.ranking(tree.town, season.first, season.last):
        assert rate_text(f.on_time_rate) in text
    assert "意见建议和回音壁" in text and "（盖章）" in text
    with report.pdf.open("rb") as f:
        pages = PdfReader(io.BytesIO(f.read())).pages
    fonts: set[str] = set()
    for page in pages:
        resources: Any = page["/Resources"]
        fonts |= {str(font.get_object()["/BaseFont"]) for font in resources["/Font"].values()}
    # Every font embedded is Debian's Noto CJK (no fallback that would show boxes).
    assert fonts and all("-CJK-SC" in name for name in fonts), fonts


def test_rendering_again_replaces_the_files_and_the_numbers_never_the_row(tree, people, season):
    report = produce(tree, people, season)
    first_files = (report.docx.name, report.pdf.name)
    before = report.figures["totals"]["on_time"]
    publish(people, tree.village, "monthly", "2026-M05", at(2026, 6, 3))
    with time_machine.travel(SEEN_AT, tick=False):
        again = documents.render_summary(report.pk)
        documents.render_summary(report.pk)
    assert Report.objects.count() == 1
    assert (again.docx.name, again.pdf.name) == first_files
    folder = Path(again.docx.path).parent
    assert sorted(p.name for p in folder.iterdir()) == ["summary.docx", "summary.pdf"]
    assert again.figures["totals"]["on_time"] == before + 1
    assert str(before + 1) in docx_text(again)[0] or any(
        str(before + 1) in c for t in docx_text(again)[1] for row in t for c in row
    )


def test_only_the_leading_group_or_office_produce_summaries(tree, people, season):
    for persona in ("clerk", "member", "outsider", "supervisor"):
        with pytest.raises(PermissionDenied):
            documents.produce(tree.town, actor=getattr(people, persona), window=season.window)
    # The town office reaches the villages; the village's reviewer has its own.
    produce(tree, people, season)
    with time_machine.travel(SEEN_AT, tick=False):
        documents.produce(tree.village, actor=people.reviewer, window=season.window)
        with pytest.raises(PermissionDenied):
            documents.produce(tree.town, actor=people.reviewer, window=season.window)


def test_a_failure_is_recorded_on_the_report(tree, people, season, settings, tmp_path):
    # The file storage cannot write: its root is a file, not a folder.
    settings.MEDIA_ROOT = tmp_path / "not-a-folder"
    settings.MEDIA_ROOT.write_text("")
    report = produce(tree, people, season)
    assert report.status == Report.Status.FAILED and report.failure
    assert not report.docx and not report.pdf
    assert Report.objects.count() == 1


def test_a_village_summary_has_no_subordinates_and_lists_its_overdue_items(tree, people, season):
    with time_machine.travel(SEEN_AT, tick=False):
        report = documents.produce(tree.village, actor=people.reviewer, window=season.window)
    text, _tables = docx_text(report)
    assert "没有直属下级党组织" in text
    own = figures.subtree(tree.village, season.first, season.last)
    listed = [i for e in report.figures["lagging"] for i in e["overdue_items"]]
    assert len(listed) == own.overdue
    assert {i["item"] for i in listed} <= set(
        figures.subtree_obligations(tree.village)
        .filter(state=State.OVERDUE)
        .values_list("name", flat=True)
    )


def test_the_charts_draw_chinese_in_both_formats(tree, people, season):
    report = produce(tree, people, season)
    chart = documents.rate_chart(report.figures)
    svg = charts.to_svg(chart)
    assert "东岭村党支部" in svg and "50.0%" in svg
    png = charts.to_png(chart)
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width > 1000
    assert "CJK" in charts.font_file()[0]
    # The organization names were drawn in the label column.
    box = image.crop((0, int(44 * 2.5), int(190 * 2.5), int(70 * 2.5))).convert("L")
    dark = sum(box.histogram()[:128])
    assert dark > 400
