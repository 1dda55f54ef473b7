"""Files are judged by their bytes, kept within bounds, hashed into the ledger, and their
text is scanned and masked like the body."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from gongkai.catalog.models import Scope
from gongkai.conftest import client_for
from gongkai.disclosures import attachments, workflow
from gongkai.disclosures.models import Disclosure
from gongkai.ledger.services import verify

from .conftest import published


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def pdf(text: str) -> bytes:
    """A minimal one-page PDF whose text pypdf can read back."""
    stream = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_a_file_is_judged_by_its_bytes_not_its_name(people, draft):
    with pytest.raises(ValidationError, match="不是 PDF"):
        attachments.attach(
            draft, upload("名单.pdf", b"<html><script>alert(1)</script></html>"), actor=people.clerk
        )
    attached = attachments.attach(draft, upload("照片.txt", png()), actor=people.clerk)
    assert attached.kind == "png"


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "是空的"), (b"PK\x03\x04" + b"\x00" * 40, "不是 PDF"), (pdf("x")[:40], "无法读取")],
)
def test_empty_unknown_and_damaged_files_are_refused_in_chinese(people, draft, content, message):
    with pytest.raises(ValidationError, match=message):
        attachments.attach(draft, upload("文件.pdf", content), actor=people.clerk)
    assert not draft.attachments.exists()


def test_a_file_over_the_limit_is_refused(people, draft, settings):
    settings.GONGKAI_MAX_ATTACHMENT_BYTES = 1024
    with pytest.raises(ValidationError, match="大于 1 MB"):
        attachments.attach(draft, upload("大文件.pdf", pdf("x" * 2000)), actor=people.clerk)


def test_only_the_clerk_attaches_and_only_while_drafting(people, draft):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        attachments.attach(draft, upload("a.png", png()), actor=people.member)
    workflow.submit(draft, actor=people.clerk)
    with pytest.raises(ValidationError, match="草稿"):
        attachments.attach(draft, upload("a.png", png()), actor=people.clerk)


def test_a_spreadsheet_with_id_numbers_is_scanned_and_only_its_masked_text_is_public(people, draft):
    attachments.attach(
        draft,
        upload("名单.xlsx", xlsx([["姓名", "身份证号"], ["张三", "110101199003074514"]])),
        actor=people.clerk,
    )
    assert [f.kind for f in workflow.findings(draft)] == ["id18"]
    done = published(people, draft)
    page = Client().get(f"/d/{done.pk}/").content.decode()
    assert "1101**********4514" in page and "110101199003074514" not in page
    file = done.published_revision.attachments.get()
    assert Client().get(f"/d/{done.pk}/files/{file.pk}").status_code == 404


def test_a_clean_pdf_is_downloadable_by_those_who_see_the_disclosure(people, draft):
    attachments.attach(draft, upload("notice.pdf", pdf("Meeting notice")), actor=people.clerk)
    done = published(people, draft)
    file = done.published_revision.attachments.get()
    response = Client().get(f"/d/{done.pk}/files/{file.pk}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]


def test_a_party_internal_attachment_never_reaches_an_outsider(people, draft):
    attachments.attach(draft, upload("notice.pdf", pdf("Internal")), actor=people.clerk)
    Disclosure.objects.filter(pk=draft.pk).update(scope=Scope.PARTY)
    draft.refresh_from_db()
    done = published(people, draft)
    file = done.published_revision.attachments.get()
    assert Client().get(f"/d/{done.pk}/files/{file.pk}").status_code == 404
    assert client_for(people.outsider).get(f"/d/{done.pk}/files/{file.pk}").status_code == 404
    assert client_for(people.member).get(f"/d/{done.pk}/files/{file.pk}").status_code == 200


def test_a_withdrawn_disclosure_serves_no_file(people, draft):
    attachments.attach(draft, upload("notice.pdf", pdf("x")), actor=people.clerk)
    done = published(people, draft)
    file = done.published_revision.attachments.get()
    workflow.withdraw(done, actor=people.reviewer, reason="撤回")
    assert client_for(people.member).get(f"/d/{done.pk}/files/{file.pk}").status_code == 404


def test_the_ledger_covers_the_attachment_bytes(people, draft):
    attachments.attach(draft, upload("notice.pdf", pdf("x")), actor=people.clerk)
    done = published(people, draft)
    assert verify().ok
    done.published_revision.attachments.update(sha256="0" * 64)
    result = verify()
    assert not result.ok and result.first_bad == 1
