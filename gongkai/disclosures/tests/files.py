"""Real files for the attachment tests, built here from their specifications: DOCX packages
written part by part (python-docx would hide the parts a tester hides numbers in), XLSX with
openpyxl, PDF by hand or with pypdf, and the bombs."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from openpyxl import Workbook

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f'xmlns:w="{W_NS}"'
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def para(text: str) -> str:
    return f'<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def document(*body: str, extra_ns: str = "") -> str:
    return f"<w:document {W} {extra_ns}><w:body>{''.join(body)}</w:body></w:document>"


def package(
    parts: dict[str, str | bytes],
    *,
    main: str = "word/document.xml",
    main_type: str = DOCX_MAIN,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """An OOXML package: [Content_Types].xml declaring `main` as the main part, the package
    relationship pointing at it, and `parts` (a clean one-paragraph main part if not given)."""
    parts = dict(parts)
    parts.setdefault(main, document(para("村务公开")))
    types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="png" ContentType="image/png"/>'
        f'<Override PartName="/{main}" ContentType="{main_type}"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/officeDocument" Target="{main}"/></Relationships>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", rels)
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def docx(**parts: str) -> bytes:
    """A DOCX with the given parts, by keyword: document, header, footer... (see PARTS)."""
    return package({DOCX_PARTS[key]: value for key, value in parts.items()})


DOCX_PARTS = {
    "document": "word/document.xml",
    "header": "word/header1.xml",
    "footer": "word/footer2.xml",
    "footnotes": "word/footnotes.xml",
    "endnotes": "word/endnotes.xml",
    "comments": "word/comments.xml",
    "glossary": "word/glossary/document.xml",
    "core": "docProps/core.xml",
    "app": "docProps/app.xml",
    "custom": "docProps/custom.xml",
    "custom_xml": "customXml/item1.xml",
}


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


def png_with_text(keyword: str, text: str) -> bytes:
    """A PNG carrying a text chunk (shown by image viewers as a property)."""
    plain = png()
    data = keyword.encode("latin-1") + b"\x00" + text.encode("latin-1")
    chunk = (
        struct.pack(">I", len(data))
        + b"tEXt"
        + data
        + struct.pack(">I", zlib.crc32(b"tEXt" + data) & 0xFFFFFFFF)
    )
    return plain[:33] + chunk + plain[33:]  # after the 8-byte signature and 25-byte IHDR


def jpeg_with_comment(comment: str) -> bytes:
    body = comment.encode()
    return b"\xff\xd8\xff\xfe" + struct.pack(">H", len(body) + 2) + body + b"\xff\xd9"


def jpeg_with_exif(description: str, xp_comment: str) -> bytes:
    """A JPEG whose EXIF block (little-endian TIFF) holds an ImageDescription (ASCII) and an
    XPComment (UTF-16)."""
    ascii_value = description.encode() + b"\x00"
    utf16_value = xp_comment.encode("utf-16-le") + b"\x00\x00"
    entries = 2
    data_at = 8 + 2 + 12 * entries + 4
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", entries)
    tiff += struct.pack("<HHII", 0x010E, 2, len(ascii_value), data_at)
    tiff += struct.pack("<HHII", 0x9C9C, 1, len(utf16_value), data_at + len(ascii_value))
    tiff += struct.pack("<I", 0) + ascii_value + utf16_value
    app1 = b"Exif\x00\x00" + tiff
    return b"\xff\xd8\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + b"\xff\xd9"


def pdf(*pages: bytes | str, page_count: int | None = None, compress: bool = False) -> bytes:
    """A PDF whose pages draw the given texts (or raw content streams, as bytes). With
    `page_count`, that many pages all share the first content stream."""
    streams = [
        p if isinstance(p, bytes) else f"BT /F1 12 Tf 20 100 Td ({p}) Tj ET".encode() for p in pages
    ]
    count = page_count or len(streams)
    first_page = 3 + len(streams)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (first_page + i) for i in range(count)), count),
    ]
    for stream in streams:
        data = zlib.compress(stream, 9) if compress else stream
        flate = b" /Filter /FlateDecode" if compress else b""
        objects.append(b"<< /Length %d%s >>\nstream\n" % (len(data), flate) + data + b"\nendstream")
    for i in range(count):
        content = 3 + (i if page_count is None else 0)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents %d 0 R "
            b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
            b">> >> >> >>" % content
        )
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


def workbook_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    return workbook_bytes(book)


def incrementally_updated_pdf(before: str, after: str) -> bytes:
    """A one-page PDF showing `after`, made by an incremental update of one showing `before`
    (which stays in the file, as in a careless redaction)."""
    base = pdf(before)
    previous = int(base.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    out = io.BytesIO()
    out.write(base)
    stream = f"BT /F1 12 Tf 20 100 Td ({after}) Tj ET".encode()
    content_at = out.tell()
    out.write(
        b"6 0 obj\n<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream\nendobj\n"
    )
    page_at = out.tell()
    out.write(
        b"4 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 6 0 R "
        b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
        b">> >> >> >>\nendobj\n"
    )
    xref = out.tell()
    out.write(b"xref\n4 1\n%010d 00000 n \n6 1\n%010d 00000 n \n" % (page_at, content_at))
    out.write(
        b"trailer\n<< /Size 7 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (previous, xref)
    )
    return out.getvalue()


# --- bombs ------------------------------------------------------------------------------


def zip_bomb_docx(inflated_mb: int = 200) -> bytes:
    """A DOCX whose main part inflates from well under 1 MB to `inflated_mb` MB."""
    filler = " " * (1024 * 1024)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/word/document.xml" ContentType="{DOCX_MAIN}"/></Types>',
        )
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(f"<w:document {W}><w:body><w:p><w:r><w:t>".encode())
            for _ in range(inflated_mb):
                part.write(filler.encode())
            part.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return out.getvalue()


def billion_laughs_docx() -> bytes:
    entities = '<!ENTITY a "哈哈哈哈哈哈哈哈哈哈">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    body = f'<?xml version="1.0"?><!DOCTYPE d [{entities}]>' + document(para("&j;"))
    return package({"word/document.xml": body})


def million_cells_xlsx(cells: int = 3_000_000) -> bytes:
    """An XLSX whose one sheet declares millions of cells: tiny packed, huge unpacked."""
    book = Workbook()
    clean = io.BytesIO(workbook_bytes(book))
    out = io.BytesIO()
    with (
        zipfile.ZipFile(clean) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info, source.read(info))
                continue
            with target.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
                sheet.write(
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    b"<sheetData>"
                )
                row = b'<row r="1">' + b"<c><v>1</v></c>" * 1000 + b"</row>"
                for _ in range(cells // 1000):
                    sheet.write(row)
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def slow_pdf(operations: int = 2_000_000) -> bytes:
    """A small PDF whose one content stream inflates to millions of text operations."""
    return pdf(b"BT /F1 12 Tf 20 100 Td (a) Tj ET\n" * operations, compress=True)


def self_referencing_pdf() -> bytes:
    """A page tree whose kids include the tree itself."""
    good = pdf("x")
    return good.replace(b"/Kids [4 0 R]", b"/Kids [4 0 R 2 0 R]")
