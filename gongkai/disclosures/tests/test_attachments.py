"""Files are judged by their bytes, read as text in a bounded child process, every part and
the name scanned, and the original served only when nothing in it is masked and it was read
whole (or a reviewer looked at it)."""

from __future__ import annotations

import hashlib
import io
import resource
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import FreeText
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    RectangleObject,
    StreamObject,
    TextStringObject,
)

from gongkai.catalog.models import Scope
from gongkai.conftest import client_for
from gongkai.disclosures import attachments, extraction, scanning, workflow
from gongkai.disclosures.models import Attachment, Disclosure
from gongkai.ledger.verification import verify

from . import files
from .conftest import CHECKLIST, published

ID = "110101199003074514"
ID_MASKED = "1101**********4514"
MOBILE = "13812345678"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def attach(people, draft, name: str, content: bytes) -> Attachment:  # type: ignore[no-untyped-def]
    return attachments.attach(draft, upload(name, content), actor=people.clerk)


# --- what a reader could see is read ----------------------------------------------------------

V_NS = 'xmlns:v="urn:schemas-microsoft-com:vml"'
WP_NS = 'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'
PROPS = "http://schemas.openxmlformats.org/officeDocument/2006"

DOCX_CASES = {
    "main part": files.docx(document=files.document(files.para(f"身份证号{ID}"))),
    "main part under another name": files.package(
        {"content/正文.xml": files.document(files.para(f"身份证号{ID}"))}, main="content/正文.xml"
    ),
    "number split across runs": files.docx(
        document=files.document(
            f"<w:p><w:r><w:t>{ID[:7]}</w:t></w:r><w:r><w:rPr><w:b/></w:rPr>"
            f"<w:t>{ID[7:]}</w:t></w:r></w:p>"
        )
    ),
    "text after 20,000 characters": files.docx(
        document=files.document(*[files.para("村务" * 50)] * 250, files.para(ID))
    ),
    "header": files.docx(header=f"<w:hdr {files.W}>{files.para(ID)}</w:hdr>"),
    "footer": files.docx(footer=f"<w:ftr {files.W}>{files.para(ID)}</w:ftr>"),
    "footnote": files.docx(
        footnotes=f"<w:footnotes {files.W}><w:footnote w:id='1'>{files.para(ID)}"
        "</w:footnote></w:footnotes>"
    ),
    "endnote": files.docx(
        endnotes=f"<w:endnotes {files.W}><w:endnote w:id='1'>{files.para(ID)}"
        "</w:endnote></w:endnotes>"
    ),
    "comment": files.docx(
        comments=f"<w:comments {files.W}><w:comment w:id='0' w:author='王'>{files.para(ID)}"
        "</w:comment></w:comments>"
    ),
    "comment author": files.docx(
        comments=f"<w:comments {files.W}><w:comment w:id='0' w:author='王{MOBILE}'>"
        f"{files.para('同意')}</w:comment></w:comments>"
    ),
    "glossary": files.docx(glossary=files.document(files.para(ID))),
    "text box": files.docx(
        document=files.document(
            f"<w:p><w:r><w:pict><v:shape><v:textbox><w:txbxContent>{files.para(ID)}"
            "</w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>",
            extra_ns=V_NS,
        )
    ),
    "alt text of a picture": files.docx(
        document=files.document(
            f'<w:p><w:r><w:drawing><wp:inline><wp:docPr id="1" name="图片" descr="{ID}"/>'
            "</wp:inline></w:drawing></w:r></w:p>",
            extra_ns=WP_NS,
        )
    ),
    "core properties": files.docx(
        core='<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>名单</dc:title><dc:creator>{ID}</dc:creator></cp:coreProperties>"
    ),
    "app properties": files.docx(
        app=f'<Properties xmlns="{PROPS}/extended-properties"><Company>{ID}</Company></Properties>'
    ),
    "custom property value": files.docx(
        custom=f'<Properties xmlns="{PROPS}/custom-properties" xmlns:vt="{PROPS}/docPropsVTypes">'
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="2" name="联系人">'
        f"<vt:lpwstr>{ID}</vt:lpwstr></property></Properties>"
    ),
    "custom property name": files.docx(
        custom=f'<Properties xmlns="{PROPS}/custom-properties" xmlns:vt="{PROPS}/docPropsVTypes">'
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="2" name="号{ID}">'
        "<vt:lpwstr>是</vt:lpwstr></property></Properties>"
    ),
    "custom XML part": files.docx(custom_xml=f"<data><person><id>{ID}</id></person></data>"),
    "external link target": files.package(
        {
            "word/_rels/document.xml.rels": (
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                'relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/'
                f'officeDocument/2006/relationships/hyperlink" Target="tel:{MOBILE}" '
                'TargetMode="External"/></Relationships>'
            )
        }
    ),
}


def _book(fill) -> bytes:  # type: ignore[no-untyped-def]
    book = Workbook()
    book.active.append(["姓名", "备注"])
    fill(book)
    return files.workbook_bytes(book)


def _comment(book: Workbook) -> None:
    book.active["B2"].comment = Comment(f"身份证{ID}", "王")


def _defined_name(book: Workbook) -> None:
    book.defined_names["联系电话"] = DefinedName("联系电话", attr_text=f'"{ID}"')


def _validation(book: Workbook) -> None:
    rule = DataValidation(type="list", formula1='"是,否"', prompt=f"填写{ID}")
    book.active.add_data_validation(rule)
    rule.add("B2")


def _title(book: Workbook, title: str = f"名单{MOBILE}") -> None:
    book.active.title = title


def _header(book: Workbook) -> None:
    book.active.oddHeader.center.text = f"制表人{ID}"


def _props(book: Workbook) -> None:
    book.properties.creator = ID


SPREADSHEET_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
EXPONENT_XLSX = files.package(
    {
        "xl/workbook.xml": f'<workbook {SPREADSHEET_NS}><sheets><sheet name="表" sheetId="1"/>'
        "</sheets></workbook>",
        "xl/worksheets/sheet1.xml": f'<worksheet {SPREADSHEET_NS}><sheetData><row r="1">'
        '<c r="A1"><v>1.3812345678E10</v></c></row></sheetData></worksheet>',
    },
    main="xl/workbook.xml",
    main_type=files.XLSX_MAIN,
)

XLSX_CASES = {
    "number written with an exponent": EXPONENT_XLSX,
    "cell text": _book(lambda b: b.active.append(["张三", ID])),
    "cell number": _book(lambda b: b.active.append(["张三", int(MOBILE)])),
    "formula text": _book(lambda b: b.active.append(["张三", f'=LEFT("{ID}",18)'])),
    "sheet name": _book(_title),
    "second sheet": _book(lambda b: b.create_sheet("附表").append([ID])),
    "comment": _book(_comment),
    "defined name": _book(_defined_name),
    "data-validation prompt": _book(_validation),
    "header": _book(_header),
    "document properties": _book(_props),
}


def _pdf_with(change) -> bytes:  # type: ignore[no-untyped-def]
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(files.pdf("Notice"))))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _xmp(writer: PdfWriter) -> None:
    stream = StreamObject()
    stream.set_data(
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
        b'22-rdf-syntax-ns#"><rdf:Description><dc:creator xmlns:dc="http://purl.org/dc/'
        b'elements/1.1/">' + ID.encode() + b"</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    writer._root_object[NameObject("/Metadata")] = writer._add_object(stream)


def _form_field(writer: PdfWriter) -> None:
    field = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Tx"),
            NameObject("/T"): TextStringObject("身份证号"),
            NameObject("/V"): TextStringObject(ID),
            NameObject("/Rect"): RectangleObject((0, 0, 10, 10)),
        }
    )
    reference = writer._add_object(field)
    writer.pages[0][NameObject("/Annots")] = ArrayObject([reference])
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject([reference])}
    )


PDF_CASES = {
    "page text": files.pdf(f"ID {ID}"),
    "text after 20,000 characters": files.pdf(*["x" * 5000] * 5, f"ID {ID}"),
    "document information": _pdf_with(lambda w: w.add_metadata({"/Author": ID})),
    "custom document information": _pdf_with(lambda w: w.add_metadata({"/Contact": ID})),
    "XMP metadata": _pdf_with(_xmp),
    "annotation": _pdf_with(
        lambda w: w.add_annotation(0, FreeText(text=f"注{ID}", rect=(10, 10, 100, 50)))
    ),
    "outline": _pdf_with(lambda w: w.add_outline_item(title=f"书签{ID}", page_number=0)),
    "form field value": _pdf_with(_form_field),
}

IMAGE_CASES = {
    "PNG text chunk": files.png_with_text("Comment", f"ID {ID}"),
    "JPEG comment": files.jpeg_with_comment(f"身份证{ID}"),
    "JPEG EXIF description": files.jpeg_with_exif(f"ID {ID}", "备注"),
    "JPEG EXIF XP comment": files.jpeg_with_exif("photo", f"身份证{ID}"),
}

CASES = (
    [pytest.param("图.png", content, id=f"image {case}") for case, content in IMAGE_CASES.items()]
    + [
        pytest.param("文件.docx", content, id=f"docx {case}")
        for case, content in DOCX_CASES.items()
    ]
    + [pytest.param("表.xlsx", content, id=f"xlsx {case}") for case, content in XLSX_CASES.items()]
    + [pytest.param("文件.pdf", content, id=f"pdf {case}") for case, content in PDF_CASES.items()]
)


@pytest.mark.parametrize(("name", "content"), CASES)
def test_a_number_hidden_in_any_part_is_found_and_the_original_is_not_served(
    people, draft, name, content
):
    attached = attach(people, draft, name, content)
    kinds = {f.kind for f in workflow.findings(draft)}
    assert kinds & set(scanning.PERSONAL_KINDS), attached.part_texts()
    assert not attachments.original_is_public(draft, attached)
    where = [part for part, f in attachments.located_findings(attached)]
    assert where and all(w in {p["name"] for p in attached.parts} for w in where)
    for _label, text in attachments.published_parts(draft, attached):
        assert ID not in text and MOBILE not in text


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        (
            "说明.docx",
            files.docx(header=f"<w:hdr {files.W}>{files.para('村委会')}</w:hdr>"),
            "docx",
        ),
        ("说明.xlsx", files.xlsx([["项目", "金额"], ["修路", 1200]]), "xlsx"),
        ("说明.pdf", files.pdf("Notice", "Second page"), "pdf"),
    ],
)
def test_a_clean_file_read_whole_is_served_as_the_original(people, draft, name, content, kind):
    attached = attach(people, draft, name, content)
    assert (attached.kind, attached.complete, attached.unread) == (kind, True, [])
    assert attachments.findings(attached) == []
    assert attachments.original_is_public(draft, attached)


def test_a_docx_main_part_under_another_name_is_a_word_file(people, draft):
    content = files.package({"x/正文.xml": files.document(files.para("通知"))}, main="x/正文.xml")
    attached = attach(people, draft, "通知.docx", content)
    assert attached.kind == "docx"
    assert attached.parts[0]["name"] == "x/正文.xml"
    assert "通知" in attached.text


def test_a_zip_that_is_not_word_or_excel_is_refused(people, draft):
    content = files.package({"a.xml": "<a/>"}, main="a.xml", main_type="application/xml")
    with pytest.raises(ValidationError, match="不是 PDF"):
        attach(people, draft, "a.docx", content)


def test_a_picture_inside_a_word_file_needs_a_look(people, draft):
    content = files.package({"word/media/image1.png": files.png()})
    attached = attach(people, draft, "通知.docx", content)
    assert not attached.complete and attached.unread == ["word/media/image1.png"]
    assert not attachments.original_is_public(draft, attached)


def test_a_pdf_page_without_text_needs_a_look(people, draft):
    attached = attach(people, draft, "扫描件.pdf", files.pdf(b"0 0 m 100 100 l S"))
    assert not attached.complete and attached.unread == ["page 1: no text"]


def test_a_number_in_the_file_name_is_a_finding_and_the_name_is_published_masked(people, draft):
    attached = attach(people, draft, f"{ID}.pdf", files.pdf("Notice"))
    assert [(w, f.kind) for w, f in attachments.located_findings(attached)] == [
        (attachments.FILE_NAME, "id18")
    ]
    assert not attachments.original_is_public(draft, attached)
    done = published(people, draft)
    page = Client().get(f"/d/{done.pk}/").content.decode()
    assert ID not in page and f"{ID_MASKED}.pdf" in page
    api = Client().get(f"/api/v1/disclosures/{done.pk}").json()
    assert api["attachments"][0]["name"] == f"{ID_MASKED}.pdf"
    assert api["attachments"][0]["download_url"] is None


def test_a_kept_kind_lets_the_original_out_and_the_download_is_named_as_published(people, draft):
    attach(people, draft, f"联系{MOBILE}.pdf", files.pdf(f"Tel {MOBILE}"))
    workflow.submit(draft, actor=people.clerk)
    workflow.review(
        draft, actor=people.reviewer, checklist=CHECKLIST, mask_exceptions={"mobile": "监督电话"}
    )
    workflow.approve(draft, actor=people.reviewer)
    done = workflow.publish(draft, actor=people.clerk)
    file = done.published_revision.attachments.get()
    response = Client().get(f"/d/{done.pk}/files/{file.pk}")
    assert response.status_code == 200
    assert MOBILE in response["Content-Disposition"] or "%" in response["Content-Disposition"]


def test_a_secret_marking_in_a_header_blocks_review_and_never_lets_the_original_out(people, draft):
    attach(
        people,
        draft,
        "通知.docx",
        files.docx(header=f"<w:hdr {files.W}>{files.para('机密★')}</w:hdr>"),
    )
    workflow.submit(draft, actor=people.clerk)
    with pytest.raises(ValidationError, match="机密"):
        workflow.review(draft, actor=people.reviewer, checklist=CHECKLIST)
    workflow.review(
        draft, actor=people.reviewer, checklist=CHECKLIST, secret_clearance="已解密，可公开"
    )
    workflow.approve(draft, actor=people.reviewer)
    done = workflow.publish(draft, actor=people.clerk)
    file = done.published_revision.attachments.get()
    assert not attachments.original_is_public(done, file)
    assert Client().get(f"/d/{done.pk}/files/{file.pk}").status_code == 404


def test_text_removed_by_an_incremental_update_of_a_pdf_is_still_found(people, draft):
    content = files.incrementally_updated_pdf(f"ID {ID}", "Notice")
    attached = attach(people, draft, "通知.pdf", content)
    assert [(w, f.kind) for w, f in attachments.located_findings(attached)] == [
        ("earlier version 1 page 1", "id18")
    ]
    assert not attachments.original_is_public(draft, attached)


def test_an_imported_html_chunk_of_a_word_file_is_read(people, draft):
    content = files.package({"word/afchunk.htm": f"<html><body><p>{ID}</p></body></html>"})
    attached = attach(people, draft, "通知.docx", content)
    assert attached.complete
    assert "id18" in {f.kind for f in attachments.findings(attached)}


def test_text_a_database_cannot_store_is_cleaned_before_it_is_saved(people, draft):
    # A PDF string may decode to NUL, which PostgreSQL refuses in text.
    attached = attach(
        people, draft, "通知.pdf", files.pdf(b"BT /F1 12 Tf 20 100 Td (a\\000b) Tj ET")
    )
    attached.refresh_from_db()
    assert "\x00" not in attached.text and "ab" in attached.text


_XML_TEXT = st.text(
    st.characters(
        codec="utf-8",
        exclude_categories=("Cc", "Cs", "Co", "Cn"),
        exclude_characters="<>&",
    ),
    min_size=1,
    max_size=40,
).filter(lambda t: t.strip())


@hypothesis_settings(max_examples=15, deadline=None)
@given(text=_XML_TEXT, part=st.sampled_from(sorted(files.DOCX_PARTS)), split=st.integers(0, 40))
def test_whatever_text_a_docx_part_holds_comes_out_whole(text, part, split):
    """Round trip: text written into any part, split across two runs anywhere, is read back
    as the reader sees it (white space aside)."""
    runs = f"<w:r><w:t>{text[:split]}</w:t></w:r><w:r><w:t>{text[split:]}</w:t></w:r>"
    xml = files.document(f"<w:p>{runs}</w:p>")
    found = extraction.extract("zip", files.package({files.DOCX_PARTS[part]: xml}))
    squeezed = "".join(text.split())
    assert any(squeezed in "".join(p.text.split()) for p in found.parts)


# --- pictures and scans are looked at ---------------------------------------------------------


def test_a_scanned_image_is_served_only_after_a_reviewer_checked_it_by_eye(people, draft):
    attached = attach(people, draft, "扫描件.png", files.png())
    assert (attached.kind, attached.complete, attached.unread) == ("png", False, ["image"])
    with pytest.raises(ValidationError, match="审核"):
        attachments.record_visual_check(attached, actor=people.reviewer)  # still a draft
    workflow.submit(draft, actor=people.clerk)
    with pytest.raises(PermissionDenied):
        attachments.record_visual_check(attached, actor=people.clerk)
    reviewer = client_for(people.reviewer)
    page = reviewer.get(f"/console/disclosures/{draft.pk}/").content.decode()
    assert f"/console/disclosures/{draft.pk}/attachments/{attached.pk}/checked" in page
    assert (
        reviewer.get(f"/console/disclosures/{draft.pk}/attachments/{attached.pk}/file").status_code
        == 200
    )
    response = reviewer.post(f"/console/disclosures/{draft.pk}/attachments/{attached.pk}/checked")
    assert response.status_code == 302
    attached.refresh_from_db()
    assert attached.checked_by == people.reviewer and attached.checked_at is not None
    workflow.review(draft, actor=people.reviewer, checklist=CHECKLIST)
    workflow.approve(draft, actor=people.reviewer)
    done = workflow.publish(draft, actor=people.clerk)
    assert Client().get(f"/d/{done.pk}/files/{attached.pk}").status_code == 200


def test_an_unchecked_scan_is_published_without_its_original(people, draft):
    attached = attach(people, draft, "扫描件.png", files.png())
    done = published(people, draft)
    assert Client().get(f"/d/{done.pk}/files/{attached.pk}").status_code == 404
    page = Client().get(f"/d/{done.pk}/").content.decode()
    assert "扫描件.png" in page and f"/d/{done.pk}/files/{attached.pk}" not in page
    assert Client().get(f"/api/v1/disclosures/{done.pk}").json()["attachments"][0] == {
        "name": "扫描件.png",
        "kind": "png",
        # What is served instead of the original: its (empty) text, as the ledger records
        # it; never the digest of an original that is not served.
        "served": "text",
        "size": 2,
        "sha256": hashlib.sha256(b"[]").hexdigest(),
        "text_preview": "",
        "parts": [],
        "complete": False,
        "checked_by_eye": False,
        "download_url": None,
    }


def test_a_check_by_eye_does_not_let_out_a_file_whose_text_holds_a_number(people, draft):
    content = files.package(
        {"word/media/image1.png": files.png(), "word/footer1.xml": files.document(files.para(ID))}
    )
    attached = attach(people, draft, "通知.docx", content)
    workflow.submit(draft, actor=people.clerk)
    attachments.record_visual_check(attached, actor=people.reviewer)
    assert not attachments.original_is_public(draft, attached)


def test_the_masked_text_is_shown_instead_of_the_original(people, draft):
    attach(
        people, draft, "名单.docx", files.docx(footer=f"<w:ftr {files.W}>{files.para(ID)}</w:ftr>")
    )
    done = published(people, draft)
    page = Client().get(f"/d/{done.pk}/").content.decode()
    assert ID_MASKED in page and ID not in page
    file = done.published_revision.attachments.get()
    assert Client().get(f"/d/{done.pk}/files/{file.pk}").status_code == 404
    api = Client().get(f"/api/v1/disclosures/{done.pk}").json()["attachments"][0]
    assert any(ID_MASKED in part["text"] for part in api["parts"])
    assert ID not in str(api)


# --- bombs: the child dies, the server does not ------------------------------------------------


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _limits(seconds: int, memory_mb: int) -> pytest.MarkDecorator:
    return pytest.mark.extract_limits(seconds, memory_mb)


BOMBS = [
    pytest.param("炸弹.docx", files.zip_bomb_docx, "解压", id="zip bomb docx"),
    pytest.param("实体.docx", files.billion_laughs_docx, "DTD", id="billion laughs docx"),
    pytest.param("大表.xlsx", files.million_cells_xlsx, "解压", id="millions of cells xlsx"),
    # Time is the bound this one must meet, whatever the machine's speed: it may use plenty of
    # memory but only one second, too short for its parse to reach 2 GB (with 256 MB, a fast
    # machine ran out of memory before it ran out of time).
    pytest.param(
        "慢.pdf", files.slow_pdf, "秒", id="huge content stream pdf", marks=_limits(1, 2048)
    ),
    pytest.param("循环.pdf", files.self_referencing_pdf, "无法读取", id="recursive page tree pdf"),
    pytest.param(
        "千页.pdf", lambda: files.pdf("x", page_count=3000), "页", id="thousands of pages pdf"
    ),
]


@pytest.mark.parametrize(("name", "build", "message"), BOMBS)
def test_a_bomb_is_refused_within_the_limits_and_the_draft_is_kept(
    people, draft, settings, request, name, build, message
):
    bound = request.node.get_closest_marker("extract_limits")
    seconds, memory_mb = bound.args if bound else (3, 256)
    settings.GONGKAI_EXTRACT_SECONDS = seconds
    settings.GONGKAI_EXTRACT_MEMORY_MB = memory_mb
    content = build()
    kept = attach(people, draft, "说明.pdf", files.pdf("Notice"))
    before, started = _peak_mb(), time.monotonic()
    with pytest.raises(ValidationError, match=message) as refused:
        attach(people, draft, name, content)
    assert name in str(refused.value)
    assert time.monotonic() - started < seconds + 2
    assert _peak_mb() - before < 50  # the work was done (and died) in the child
    assert list(draft.attachments.all()) == [kept]


def test_a_file_needing_more_memory_than_allowed_is_refused(people, draft, settings):
    settings.GONGKAI_EXTRACT_MEMORY_MB = 96
    with pytest.raises(ValidationError, match="MB") as refused:
        attach(people, draft, "大.pdf", files.slow_pdf(300_000))
    assert "96" in str(refused.value) or "秒" in str(refused.value)


def test_the_limits_come_from_settings(settings):
    settings.GONGKAI_EXTRACT_MEMORY_MB, settings.GONGKAI_EXTRACT_SECONDS = 300, 7
    assert (attachments.limits().memory_mb, attachments.limits().seconds) == (300, 7)


def test_the_child_refuses_a_ratio_bomb_before_inflating_it():
    with pytest.raises(extraction.Refused) as refused:
        extraction.extract("zip", files.zip_bomb_docx(inflated_mb=30))
    assert refused.value.reason == extraction.RATIO


# --- the rules that were already there --------------------------------------------------------


def test_a_file_is_judged_by_its_bytes_not_its_name(people, draft):
    with pytest.raises(ValidationError, match="不是 PDF"):
        attach(people, draft, "名单.pdf", b"<html><script>alert(1)</script></html>")
    assert attach(people, draft, "照片.txt", files.png()).kind == "png"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "是空的"),
        (b"PK\x03\x04" + b"\x00" * 40, "无法读取"),
        (files.pdf("x")[:40], "无法读取"),
        (files.docx()[:-30], "无法读取"),
    ],
)
def test_empty_unknown_and_damaged_files_are_refused_in_chinese(people, draft, content, message):
    with pytest.raises(ValidationError, match=message):
        attach(people, draft, "文件.pdf", content)
    assert not draft.attachments.exists()


def test_a_password_protected_pdf_is_refused(people, draft):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(files.pdf("x"))))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(ValidationError, match="密码"):
        attach(people, draft, "加密.pdf", out.getvalue())


def test_a_file_over_the_limit_is_refused(people, draft, settings):
    settings.GONGKAI_MAX_ATTACHMENT_BYTES = 1024
    with pytest.raises(ValidationError, match="大于 1 MB"):
        attach(people, draft, "大文件.pdf", files.pdf("x" * 2000))


def test_a_file_name_loses_directories_and_control_characters(people, draft):
    attached = attach(people, draft, "..\\a/b\x00c\u202e.png", files.png())
    assert attached.name == "bc.png"


def test_only_the_clerk_attaches_and_only_while_drafting(people, draft):
    with pytest.raises(PermissionDenied):
        attachments.attach(draft, upload("a.png", files.png()), actor=people.member)
    workflow.submit(draft, actor=people.clerk)
    with pytest.raises(ValidationError, match="草稿"):
        attach(people, draft, "a.png", files.png())


def test_a_clean_pdf_is_downloadable_by_those_who_see_the_disclosure(people, draft):
    attach(people, draft, "notice.pdf", files.pdf("Meeting notice"))
    done = published(people, draft)
    file = done.published_revision.attachments.get()
    response = Client().get(f"/d/{done.pk}/files/{file.pk}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]


def test_a_party_internal_attachment_never_reaches_an_outsider(people, draft):
    attach(people, draft, "notice.pdf", files.pdf("Internal"))
    Disclosure.objects.filter(pk=draft.pk).update(scope=Scope.PARTY)
    draft.refresh_from_db()
    done = published(people, draft)
    file = done.published_revision.attachments.get()
    assert Client().get(f"/d/{done.pk}/files/{file.pk}").status_code == 404
    assert client_for(people.outsider).get(f"/d/{done.pk}/files/{file.pk}").status_code == 404
    assert client_for(people.member).get(f"/d/{done.pk}/files/{file.pk}").status_code == 200
    original = f"/console/disclosures/{done.pk}/attachments/{file.pk}/file"
    assert client_for(people.outsider).get(original).status_code in (403, 404)


def test_a_withdrawn_disclosure_serves_no_file(people, draft):
    attach(people, draft, "notice.pdf", files.pdf("x"))
    done = published(people, draft)
    file = done.published_revision.attachments.get()
    workflow.withdraw(done, actor=people.reviewer, reason="撤回")
    assert client_for(people.member).get(f"/d/{done.pk}/files/{file.pk}").status_code == 404


def test_the_ledger_covers_the_attachment_bytes(people, draft):
    attach(people, draft, "notice.pdf", files.pdf("x"))
    done = published(people, draft)
    assert verify().ok
    stored = done.published_revision.attachments.get()
    with stored.file.open("wb") as handle:  # the file on disk, as served, changed
        handle.write(files.pdf("y"))
    result = verify()
    assert result.failure is not None
    assert (result.failure.index, result.failure.problem) == (0, "published")


def test_a_bomb_uploaded_in_the_console_is_refused_in_chinese_and_the_draft_is_kept(people, draft):
    clerk = client_for(people.clerk)
    response = clerk.post(
        f"/console/disclosures/{draft.pk}/attachments",
        {
            "files": [
                upload("炸弹.docx", files.zip_bomb_docx()),
                upload("说明.pdf", files.pdf("Notice")),
            ]
        },
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "“炸弹.docx”未被接受" in page
    assert [a.name for a in draft.attachments.all()] == ["说明.pdf"]
    draft.refresh_from_db()
    assert draft.body == "<p>监督电话：0871-6123401</p>"


_SEEDS = {
    "docx": files.docx(header=f"<w:hdr {files.W}>{files.para('页眉')}</w:hdr>"),
    "xlsx": files.xlsx([["项目", "金额"], ["修路", 1200]]),
    "pdf": files.pdf("Notice", "Second page"),
    "png": files.png_with_text("Comment", "x"),
    "jpg": files.jpeg_with_exif("photo", "备注"),
}


@hypothesis_settings(max_examples=25, deadline=None)
@given(
    seed=st.sampled_from(sorted(_SEEDS)),
    changes=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
    cut=st.none() | st.integers(0, 10**6),
)
def test_a_damaged_file_of_any_kind_is_read_or_refused_never_an_error(seed, changes, cut):
    content = bytearray(_SEEDS[seed])
    for at, value in changes:
        content[at % len(content)] = value
    if cut is not None:
        content = content[: cut % len(content) + 1]
    kind = attachments.detect(bytes(content))
    if kind is None:
        return
    try:
        found = extraction.extract(kind, bytes(content))
    except extraction.Refused as exc:
        message = attachments.refusal(exc, "文件", attachments.limits())
        assert "文件" in str(message.messages[0])
    else:
        assert found.kind in attachments.ALLOWED
