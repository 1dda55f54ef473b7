"""The letters read back: Chinese text and working-day dates in the PDF (pypdf) and the Word
file (python-docx), and only the handling staff and the filing download them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document
from pypdf import PdfReader

from gongkai.conftest import client_for
from gongkai.inforequests import documents, services
from gongkai.inforequests.models import Outcome, RefusalReason

from .conftest import application, on

D = dt.date
pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace(
        "\n", ""
    )


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


@pytest.fixture
def handled(tree, people):
    """Scenario 8's path: received, completed after a notice, extended, partly refused."""
    with on(D(2026, 9, 21)):
        r = services.receive(tree.village, application())
    with on(D(2026, 9, 28)):
        r = services.request_supplement(r, actor=people.clerk, reason="请说明会议召开的时间")
    with on(D(2026, 10, 9)):
        r = services.receive_supplement(r, actor=people.clerk)
    with on(D(2026, 10, 12)):
        r = services.ask_third_party(
            r, actor=people.clerk, third_party="青石建筑公司", reason="涉及合同金额"
        )
    with on(D(2026, 10, 16)):
        r = services.third_party_answered(r, actor=people.clerk)
    with on(D(2026, 11, 2)):
        r = services.extend(r, actor=people.clerk, days=10, reason="需逐页审查纪要")
    with on(D(2026, 11, 10)):
        r = services.decide(
            r,
            actor=people.clerk,
            decision=services.Decision(
                outcome=Outcome.PARTLY,
                reply_text="公开纪要中关于办公楼修缮的决定部分。",
                refusal_reason=RefusalReason.INTERNAL,
                legal_basis="《中国共产党党务公开条例（试行）》第十一条",
            ),
        )
    with on(D(2026, 11, 11)):
        r = services.confirm(r, actor=people.superior_reviewer)
    return r


def test_every_letter_the_steps_call_for(handled):
    assert documents.available(handled) == ["supplement", "third_party", "extension", "reply"]


def test_the_reply_in_pdf_and_word(handled):
    for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
        text = read(documents.render(handled, "reply", fmt))
        assert "东岭村党支部" in text
        assert "答复" in text
        assert "周申请" in text
        assert "2026年9月21日" in text  # received
        assert "2026年11月25日" in text  # due: from Oct 9, four days consulting, ten extended
        assert "2026年11月11日" in text  # answered on the day the town confirmed
        assert "第十一条" in text and "青石镇党委" in text
        assert "盖章" in text


def test_the_notice_to_complete_and_the_extension_notice(handled):
    supplement = pdf_text(documents.render(handled, "supplement", "pdf"))
    assert "补正" in supplement and "请说明会议召开的时间" in supplement
    assert "2026年10月8日" in supplement  # the last day for the notice
    extension = docx_text(documents.render(handled, "extension", "docx"))
    assert "延长" in extension
    assert "2026年11月11日" in extension  # due before the extension
    assert "2026年11月25日" in extension  # due after


def test_the_third_party_letter_does_not_name_the_applicant(handled):
    text = pdf_text(documents.render(handled, "third_party", "pdf"))
    assert "青石建筑公司" in text and "2026年11月2日" in text
    assert "周申请" not in text


def test_only_handling_staff_and_the_filing_download_letters(handled, people):
    url = f"/console/requests/{handled.pk}/letters/reply.pdf"
    for person in (people.clerk, people.office, people.superior_reviewer):
        response = client_for(person).get(url)
        assert response.status_code == 200, person
        assert response["Content-Type"] == "application/pdf"
    for person in (people.member, people.supervisor, people.outsider):
        assert client_for(person).get(url).status_code in (403, 404), person
