"""Everything a reader could see in an attached file, as text, read in a sandbox.

An uploaded file is hostile until proven otherwise: a 0.5 MB DOCX can inflate to gigabytes, a
small XLSX can declare millions of cells, a PDF can hold a content stream that never ends. So
the web process never parses one. `extract` runs this module as a child process
(`python -m gongkai.disclosures.extraction KIND LIMITS`, the bytes on stdin, JSON on stdout)
that first lowers its own address-space, CPU-time and file-size limits (`setrlimit`), and the
parent kills it after a wall-clock timeout. Whatever the file does, the child dies and the
parent gets `Refused` with a reason; the web process stays up and small.

Inside the child, containers are checked before anything is inflated (member count, declared
sizes, compression ratio; `zipfile` never inflates past a member's declared size), XML is
parsed with defusedxml (no DTD, no entities) by a streaming target, and the text is returned
as parts (name, text) so a reviewer sees where a finding sits:

- DOCX/XLSX: every XML part of the package (found by walking the package, so a main part
  under another name, headers, footers, notes, comments, glossary, text boxes, document
  properties, sheet names, shared strings, formulas and cached values, defined names, charts,
  pivot caches, custom XML...), plus the attributes a reader sees (sheet and property names,
  alt text, tooltips, comment authors, external link targets). Embedded Word, Excel and PDF
  files are read the same way; pictures and other binary parts are listed as not read.
- PDF: the text of every page, annotations, form fields, outlines, document information and
  XMP metadata. A page with images, a page whose content yields no text, text that comes out
  garbled, or embedded files make the extraction incomplete.
- PNG/JPEG: the picture is never decoded; a reviewer must look at it. Its text metadata
  (PNG text chunks, JPEG comments, EXIF text tags, XMP) is read.
- XLSX number cells are read as Excel shows them ("1.3812345678E10" as 13812345678).

`complete` is false whenever something a reader could see was not read as text; such a file
is published as an original only after a reviewer checked it by eye.

This module imports neither Django nor the project's settings, so the child starts fast;
limits come from the parent (settings ``GONGKAI_EXTRACT_*``).
"""

from __future__ import annotations

import io
import json
import os
import posixpath
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

#: Reasons for refusing a file (the parent turns them into a sentence).
DAMAGED = "damaged"
NOT_OFFICE = "not_office"
ENCRYPTED = "encrypted"
UNSAFE_XML = "unsafe_xml"
TOO_MANY_MEMBERS = "members"
MEMBER_TOO_LARGE = "member_size"
TOO_LARGE_INFLATED = "total_size"
RATIO = "ratio"
TOO_MUCH_TEXT = "chars"
TOO_MANY_PAGES = "pages"
TOO_DEEP = "nested"
MEMORY = "memory"
TIME = "time"

IMAGE_KINDS = ("png", "jpg")
MB = 1024 * 1024

#: Content types of the main part that make a package a Word or an Excel file. Macro-enabled
#: and template packages are not accepted: served as .docx/.xlsx they would not open anyway.
_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
}


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 512
    seconds: int = 20
    max_members: int = 2_000
    max_member_bytes: int = 64 * MB
    max_total_bytes: int = 128 * MB
    #: Compression ratio allowed for a member above `ratio_floor_bytes` inflated; small parts
    #: of repetitive XML legitimately compress far better.
    max_ratio: int = 100
    ratio_floor_bytes: int = 1 * MB
    max_chars: int = 2_000_000
    max_pages: int = 2_000
    max_depth: int = 2


@dataclass
class Part:
    name: str
    text: str


@dataclass
class Extraction:
    kind: str
    parts: list[Part] = field(default_factory=list)
    #: What a reader could see but was not read as text (a picture, a page without text...).
    unread: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.unread

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.parts)


class Refused(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail


# --- the parent side ----------------------------------------------------------------------


def extract(
    kind: str, content: bytes, limits: Limits | None = None, *, python: str = ""
) -> Extraction:
    """Text of `content` (detected as `kind`: pdf, png, jpg, or "zip" for a Word or Excel
    candidate), read in a child process within `limits`. Raises `Refused`. `python` is the
    interpreter to run the child (default: this one; under an embedding server such as
    uWSGI `sys.executable` is not a Python)."""
    limits = limits or Limits()
    root = str(Path(__file__).resolve().parents[2])
    env = {
        "PYTHONPATH": root,
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
    }
    command = [python or sys.executable, "-m", __name__, kind, json.dumps(asdict(limits))]
    try:
        # stderr is dropped: a malformed PDF can make the parser log without end, and the
        # parent must not buffer it. What went wrong comes back in the JSON.
        done = subprocess.run(
            command,
            input=content,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            timeout=limits.seconds,
            env=env,
            cwd=root,
            close_fds=True,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:  # run() has killed the child
        raise Refused(TIME) from exc
    try:
        result = json.loads(done.stdout or b"null")
    except ValueError:
        result = None
    if not isinstance(result, dict):
        # Killed by a signal (SIGXCPU at the CPU limit, SIGKILL/SIGSEGV when memory ran out
        # in native code) or died writing: the file asked for more than it may have.
        raise Refused(TIME if done.returncode == -24 else MEMORY, f"exit {done.returncode}")
    if not result.get("ok"):
        raise Refused(str(result.get("reason") or DAMAGED), str(result.get("detail") or ""))
    return Extraction(
        str(result["kind"]),
        [Part(str(name), str(text)) for name, text in result["parts"]],
        [str(u) for u in result["unread"]],
    )


# --- the child side -----------------------------------------------------------------------


def _confine(limits: Limits) -> None:
    import resource

    memory = limits.memory_mb * MB
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # SIGXCPU at the soft limit ends the process; the hard limit is the backstop.
    resource.setrlimit(resource.RLIMIT_CPU, (limits.seconds, limits.seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # the child writes no files
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main(argv: list[str]) -> int:
    kind, limits = argv[1], Limits(**json.loads(argv[2]))
    _confine(limits)
    content = sys.stdin.buffer.read()
    try:
        found = _extract_here(kind, content, limits, depth=0)
        out: dict[str, Any] = {
            "ok": True,
            "kind": found.kind,
            "parts": [(storable(p.name), storable(p.text)) for p in found.parts],
            "unread": [storable(u) for u in found.unread],
        }
        del found
    except Refused as exc:
        out = {"ok": False, "reason": exc.reason, "detail": exc.detail}
    except MemoryError:
        out = {"ok": False, "reason": MEMORY}
    except RecursionError:
        out = {"ok": False, "reason": TOO_DEEP}
    except Exception as exc:  # any parser failure on a hostile file is a damaged file
        out = {"ok": False, "reason": DAMAGED, "detail": f"{type(exc).__name__}: {exc}"[:300]}
    # UTF-8, not \\u escapes: Chinese text is half the size for the parent to read.
    sys.stdout.buffer.write(json.dumps(out, ensure_ascii=False).encode("utf-8"))
    sys.stdout.flush()
    return 0


def storable(text: str) -> str:
    """Text every database stores: no NUL (PostgreSQL refuses it in text), no unpaired
    surrogate (a PDF string can decode to one)."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _extract_here(kind: str, content: bytes, limits: Limits, *, depth: int) -> Extraction:
    if kind == "pdf":
        return _pdf(content, limits, depth)
    if kind == "zip":
        return _ooxml(content, limits, depth)
    if kind in IMAGE_KINDS:
        return _image(kind, content, limits)
    raise Refused(NOT_OFFICE)


class _Budget:
    """Characters extracted so far, across every part and embedded file."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise Refused(TOO_MUCH_TEXT)


#: The one budget of a child process (it reads one file, with whatever it embeds).
_BUDGET: list[_Budget] = []


def _budget(limits: Limits) -> _Budget:
    if not _BUDGET:
        _BUDGET.append(_Budget(limits.max_chars))
    return _BUDGET[0]


# --- XML ----------------------------------------------------------------------------------

#: Elements whose text runs are one line: a paragraph (w:p, a:p), a shared or inline string,
#: a comment's text. A number split across runs ("1101" in one run, the rest in the next) is
#: read as the reader sees it, whole.
_BLOCKS = frozenset({"p", "si", "is", "text", "txbxContent"})
#: Inside a block, what a reader sees as white space.
_BREAKS = {"tab": "\t", "br": "\n", "cr": "\n", "noBreakHyphen": "-", "softHyphen": ""}
#: Attributes a reader sees: (element or "*", attribute), local names.
_VISIBLE_ATTRIBUTES = frozenset(
    {
        ("*", "name"),  # sheet, defined and custom-property names
        ("*", "descr"),  # alt text of pictures and shapes
        ("*", "title"),
        ("*", "tooltip"),
        ("*", "author"),  # comment and tracked-change authors
        ("*", "display"),
        ("*", "prompt"),  # data-validation prompts and errors
        ("*", "promptTitle"),
        ("*", "error"),
        ("*", "errorTitle"),
        ("*", "string"),  # WordArt
        ("*", "instr"),  # simple fields
        ("*", "displayName"),
        ("*", "caption"),
        ("*", "userName"),
        ("listEntry", "val"),
        ("listItem", "displayText"),
        ("listItem", "value"),
        ("alias", "val"),
        ("s", "v"),  # pivot-cache items
        ("n", "v"),
        ("d", "v"),
        ("e", "v"),
    }
)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


class _TextTarget:
    """A streaming parser target: text in document order, one line per paragraph or value."""

    def __init__(self, budget: _Budget, *, sheet: bool = False) -> None:
        self.lines: list[str] = []
        self.buffer: list[str] = []
        self.blocks = 0
        self.skip = 0
        self.sheet = sheet
        self.shared_cell = False
        self.number_cell = False
        self.stack: list[tuple[str, bool]] = []
        self.budget = budget

    def _flush(self) -> None:
        line = "".join(self.buffer).strip()
        self.buffer = []
        if line:
            self.lines.append(line)

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        local = _local(tag)
        if not self.blocks:
            self._flush()
        for key, value in attrib.items():
            attribute = _local(key)
            if value.strip() and (
                ("*", attribute) in _VISIBLE_ATTRIBUTES or (local, attribute) in _VISIBLE_ATTRIBUTES
            ):
                self.budget.take(len(value))
                self.lines.append(value.strip())
        if local == "Relationship" and attrib.get("TargetMode") == "External":
            self.lines.append(attrib.get("Target", ""))  # a link the reader can follow
        skipped = False
        if self.sheet and local == "c":
            # A cell of type "s" holds an index into the shared strings, not what is shown;
            # the string itself is read from sharedStrings.xml.
            self.shared_cell = attrib.get("t") == "s"
            self.number_cell = attrib.get("t", "n") == "n"
        elif self.sheet and local == "v" and self.shared_cell:
            skipped = True
            self.skip += 1
        if local in _BLOCKS:
            self.blocks += 1
        elif self.blocks and local in _BREAKS:
            self.buffer.append(_BREAKS[local])
        self.stack.append((local, skipped))

    def data(self, text: str) -> None:
        if self.skip:
            return
        self.budget.take(len(text))
        self.buffer.append(text)

    def end(self, tag: str) -> None:
        local, skipped = self.stack.pop()
        if skipped:
            self.skip -= 1
        if self.sheet and local == "v" and self.number_cell:
            self.buffer = [_as_shown("".join(self.buffer))]
        if local in _BLOCKS:
            self.blocks -= 1
        if not self.blocks:
            self._flush()

    def close(self) -> str:
        self._flush()
        return "\n".join(line for line in self.lines if line)


def _as_shown(value: str) -> str:
    """A number cell as Excel shows it in General format: "1.3812345678E10" is read as
    13812345678, so writing a number in exponent form hides nothing."""
    from decimal import Decimal, InvalidOperation

    try:
        number = Decimal(value.strip())
    except (InvalidOperation, ValueError):
        return value
    if number.is_finite() and abs(number) < 10**20 and number == number.to_integral_value():
        return str(int(number))
    return value


def xml_text(stream: IO[bytes], budget: _Budget, *, sheet: bool = False) -> str:
    """Visible text of an XML document, streamed: memory grows with the text, not the tree."""
    import defusedxml
    from defusedxml.ElementTree import DefusedXMLParser

    target = _TextTarget(budget, sheet=sheet)
    parser = DefusedXMLParser(target=target, forbid_dtd=True)
    try:
        while chunk := stream.read(64 * 1024):
            parser.feed(chunk)
        parser.close()
    except defusedxml.DefusedXmlException as exc:
        raise Refused(UNSAFE_XML, type(exc).__name__) from exc
    return target.close()


# --- OOXML (DOCX, XLSX) -------------------------------------------------------------------

#: Parts that are never shown to a reader (printer settings, fonts); everything else that is
#: not XML and not an embedded document counts as unread.
_INVISIBLE = ("printerSettings", "/fonts/", ".odttf", ".fntdata", "customXml/itemProps")


#: Parts a reader rarely looks at, read after the others (but read all the same).
_BACKSTAGE = (
    "docProps/",
    "theme/",
    "styles",
    "settings.xml",
    "fontTable.xml",
    "numbering.xml",
    "calcChain.xml",
    ".rels",
)


def _check_package(archive: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo]:
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise Refused(TOO_MANY_MEMBERS, str(len(members)))
    total = 0
    for info in members:
        if info.flag_bits & 0x1:
            raise Refused(ENCRYPTED, info.filename)
        if info.file_size > limits.max_member_bytes:
            raise Refused(MEMBER_TOO_LARGE, info.filename)
        if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(
            1, info.compress_size
        ):
            raise Refused(RATIO, info.filename)
        total += info.file_size
    if total > limits.max_total_bytes:
        raise Refused(TOO_LARGE_INFLATED, str(total))
    return members


def _content_types(
    archive: zipfile.ZipFile, budget: _Budget
) -> tuple[dict[str, str], dict[str, str]]:
    """([Content_Types].xml defaults by extension, overrides by part name)."""
    from defusedxml.ElementTree import fromstring

    try:
        raw = archive.read("[Content_Types].xml")
    except KeyError as exc:
        raise Refused(NOT_OFFICE, "no [Content_Types].xml") from exc
    import defusedxml

    try:
        root = fromstring(raw, forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        raise Refused(UNSAFE_XML, "[Content_Types].xml") from exc
    defaults, overrides = {}, {}
    for element in root:
        local = _local(element.tag)
        if local == "Default":
            defaults[element.get("Extension", "").lower()] = element.get("ContentType", "")
        elif local == "Override":
            overrides[element.get("PartName", "").lstrip("/")] = element.get("ContentType", "")
    return defaults, overrides


def _ooxml(content: bytes, limits: Limits, depth: int) -> Extraction:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise Refused(DAMAGED, "zip") from exc
    budget = _budget(limits)
    with archive:
        members = _check_package(archive, limits)
        defaults, overrides = _content_types(archive, budget)
        main = [(name, _MAIN_TYPES[t]) for name, t in overrides.items() if t in _MAIN_TYPES]
        if len(main) != 1:
            raise Refused(NOT_OFFICE)
        main_part, kind = main[0]
        found = Extraction(kind)

        def content_type(name: str) -> str:
            if name in overrides:
                return overrides[name]
            return defaults.get(posixpath.splitext(name)[1].lstrip(".").lower(), "")

        # The main part first, then what a reader reads, then styles and properties.
        ordered = sorted(
            members,
            key=lambda i: (i.filename != main_part, any(m in i.filename for m in _BACKSTAGE)),
        )
        for info in ordered:
            name = info.filename
            if info.is_dir() or name == "[Content_Types].xml":
                continue
            ctype = content_type(name)
            is_xml = ctype.endswith("xml") or name.lower().endswith((".xml", ".rels", ".vml"))
            if is_xml:
                sheet = "spreadsheetml.worksheet" in ctype or "/worksheets/" in name
                try:
                    with archive.open(info) as stream:
                        text = xml_text(stream, budget, sheet=sheet)
                except Refused:
                    raise
                except Exception as exc:
                    if name.lower().endswith(".vml"):
                        # Legacy VML is often not well-formed XML; what it shows (comment
                        # boxes) is also in comments.xml, but say that it was not read.
                        found.unread.append(name)
                        continue
                    raise Refused(DAMAGED, name) from exc
                if text:
                    found.parts.append(Part(name, text))
                continue
            if any(marker in name for marker in _INVISIBLE):
                continue
            with archive.open(info) as stream:
                data = stream.read(limits.max_member_bytes + 1)
            if ctype.startswith(("text/html", "text/plain")) or name.lower().endswith(
                (".htm", ".html", ".txt")
            ):
                # An imported chunk (altChunk) Word shows as part of the document; its
                # markup is left for the scan, which reads HTML as a reader sees it.
                text = _decode(data)
                budget.take(len(text))
                found.parts.append(Part(name, text))
                continue
            inner = _sniff(data)
            if inner is not None and inner not in IMAGE_KINDS:
                if depth >= limits.max_depth:
                    raise Refused(TOO_DEEP, name)
                nested = _extract_here(inner, data, limits, depth=depth + 1)
                found.parts += [Part(f"{name}/{p.name}", p.text) for p in nested.parts]
                found.unread += [f"{name}/{u}" for u in nested.unread]
            else:
                found.unread.append(name)
        return found


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding != "utf-16" or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return text
    return data.decode("latin-1")


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if data.startswith(b"\x89PNG"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    return None


# --- pictures ---------------------------------------------------------------------------

_XMP_PREFIX = b"http://ns.adobe.com/xap/1.0/\x00"


def _inflate(data: bytes, budget: _Budget) -> bytes:
    """zlib data inflated no further than the text budget allows."""
    import zlib

    room = max(0, budget.limit - budget.used) + 1
    out = zlib.decompressobj().decompress(data, room)
    if len(out) >= room:
        raise Refused(TOO_MUCH_TEXT)
    return out


#: EXIF tags whose bytes are text in UTF-16 (Windows' title, comment, author, keywords,
#: subject) or a character-code-prefixed comment.
_EXIF_UTF16 = frozenset({0x9C9B, 0x9C9C, 0x9C9D, 0x9C9E, 0x9C9F})
_EXIF_USER_COMMENT = 0x9286
_EXIF_POINTERS = frozenset({0x8769, 0x8825, 0xA005})  # Exif, GPS, interoperability IFDs


def _exif_text(tiff: bytes) -> list[str]:
    """Text tags of an EXIF block (a TIFF structure): every ASCII value (description,
    artist, copyright, make...), the user comment and the Windows XP text tags. Each IFD
    is visited once, so a loop of offsets ends."""
    import struct

    if tiff[:2] not in (b"II", b"MM"):
        return []
    order = "<" if tiff[:2] == b"II" else ">"
    out: list[str] = []
    seen: set[int] = set()
    pending = [struct.unpack(order + "I", tiff[4:8])[0]] if len(tiff) >= 8 else []
    while pending and len(seen) < 16:
        offset = pending.pop()
        if offset in seen or offset + 2 > len(tiff):
            continue
        seen.add(offset)
        (count,) = struct.unpack(order + "H", tiff[offset : offset + 2])
        for index in range(min(count, 512)):
            at = offset + 2 + 12 * index
            if at + 12 > len(tiff):
                break
            tag, kind, n = struct.unpack(order + "HHI", tiff[at : at + 8])
            sizes = {1: 1, 2: 1, 7: 1, 4: 4}
            length = n * sizes.get(kind, 0)
            if tag in _EXIF_POINTERS and kind == 4:
                pending.append(struct.unpack(order + "I", tiff[at + 8 : at + 12])[0])
                continue
            if kind not in (1, 2, 7) or not length:
                continue
            start = at + 8 if length <= 4 else struct.unpack(order + "I", tiff[at + 8 : at + 12])[0]
            raw = tiff[start : start + length]
            if tag in _EXIF_UTF16:
                out.append(raw.decode("utf-16-le", "replace").rstrip("\x00"))
            elif tag == _EXIF_USER_COMMENT:
                code, body = raw[:8], raw[8:]
                encoding = "utf-16-be" if order == ">" else "utf-16-le"
                out.append(
                    body.decode(encoding if code.startswith(b"UNICODE") else "utf-8", "replace")
                )
            elif kind == 2:
                out.append(_decode(raw.rstrip(b"\x00")))
        if offset + 2 + 12 * count + 4 <= len(tiff):
            (following,) = struct.unpack(
                order + "I", tiff[offset + 2 + 12 * count : offset + 6 + 12 * count]
            )
            if following:
                pending.append(following)
    return [text.strip() for text in out if text.strip()]


def _image(kind: str, content: bytes, limits: Limits) -> Extraction:
    """The picture itself is for a reviewer's eyes; its text metadata (PNG text chunks,
    JPEG comments, EXIF text tags, XMP), which image viewers show, is read like any other
    text."""
    import struct

    budget = _budget(limits)
    found = Extraction(kind, [], ["image"])
    texts: list[str] = []
    xmp: list[bytes] = []
    if kind == "png":
        at = 8
        while at + 8 <= len(content):
            length, chunk = struct.unpack(">I4s", content[at : at + 8])
            data = content[at + 8 : at + 8 + length]
            at += 12 + length
            key, _, rest = data.partition(b"\x00")
            if chunk == b"tEXt":
                texts.append(f"{key.decode('latin-1')}: {rest.decode('latin-1')}")
            elif chunk == b"zTXt" and rest:
                texts.append(
                    f"{key.decode('latin-1')}: {_inflate(rest[1:], budget).decode('latin-1')}"
                )
            elif chunk == b"iTXt" and len(rest) >= 2:
                compressed, body = rest[0], rest[2:]
                _language, _, body = body.partition(b"\x00")
                _translated, _, body = body.partition(b"\x00")
                body = _inflate(body, budget) if compressed else body
                if key == b"XML:com.adobe.xmp":
                    xmp.append(body)
                else:
                    texts.append(f"{key.decode('latin-1')}: {body.decode('utf-8', 'replace')}")
            elif chunk == b"eXIf":
                texts += _exif_text(data)
            elif chunk == b"IEND":
                break
    else:
        at = 2
        while at + 4 <= len(content) and content[at] == 0xFF:
            marker = content[at + 1]
            if marker == 0xDA:  # start of scan: the picture data follows, no more metadata
                break
            (length,) = struct.unpack(">H", content[at + 2 : at + 4])
            data = content[at + 4 : at + 2 + length]
            at += 2 + length
            if marker == 0xFE:
                texts.append(_decode(data))
            elif marker == 0xE1 and data.startswith(_XMP_PREFIX):
                xmp.append(data[len(_XMP_PREFIX) :])
            elif marker == 0xE1 and data.startswith(b"Exif\x00\x00"):
                texts += _exif_text(data[6:])
    for text in texts:
        budget.take(len(text))
    if texts:
        found.parts.append(Part("image metadata", "\n".join(texts)))
    for packet in xmp:
        text = xml_text(io.BytesIO(packet), budget)
        if text:
            found.parts.append(Part("image metadata (XMP)", text))
    return found


# --- PDF ----------------------------------------------------------------------------------

_PDF_TEXT_KEYS = ("/Contents", "/T", "/TU", "/Subj", "/RC", "/V", "/DV", "/CA", "/TM")


def _pdf_strings(value: Any, depth: int = 0) -> Iterator[str]:
    """Strings inside a PDF value (text, or lists of text, as in a choice field's /Opt)."""
    from pypdf.generic import (
        ArrayObject,
        ByteStringObject,
        IndirectObject,
        NameObject,
        TextStringObject,
    )

    if depth > 8:
        return
    if isinstance(value, IndirectObject):
        value = value.get_object()
    if isinstance(value, (TextStringObject, str)) and not isinstance(value, NameObject):
        yield str(value)
    elif isinstance(value, ByteStringObject):
        yield bytes(value).decode("latin-1")
    elif isinstance(value, ArrayObject):
        for item in value:
            yield from _pdf_strings(item, depth + 1)


def _garbled(text: str) -> bool:
    """Text from a font without a Unicode map comes out as replacement or private-use
    characters: a reader sees glyphs the scan cannot."""
    visible = [c for c in text if not c.isspace()]
    if not visible:
        return False
    bad = sum(1 for c in visible if c == "\ufffd" or 0xE000 <= ord(c) <= 0xF8FF or ord(c) < 32)
    return bad * 5 > len(visible)


def _lines(lines: Iterable[str]) -> str:
    return "\n".join(
        line.strip() for chunk in lines if chunk for line in chunk.splitlines() if line.strip()
    )


def _pdf(content: bytes, limits: Limits, depth: int) -> Extraction:
    import logging

    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject

    logging.disable(logging.CRITICAL)
    budget = _budget(limits)
    found = Extraction("pdf")

    def add(name: str, lines: Iterable[str]) -> None:
        text = _lines(lines)
        if text:
            budget.take(len(text))
            found.parts.append(Part(name, text))

    reader = PdfReader(io.BytesIO(content), strict=False)
    if reader.is_encrypted:
        try:
            if not reader.decrypt(""):
                raise Refused(ENCRYPTED)
        except Refused:
            raise
        except Exception as exc:
            raise Refused(ENCRYPTED) from exc
    pages = len(reader.pages)
    if pages > limits.max_pages:
        raise Refused(TOO_MANY_PAGES, str(pages))
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text() or ""
        add(f"page {number}", [text])
        if _garbled(text):
            found.unread.append(f"page {number}: garbled")
        try:
            images = len(page.images)
        except Exception:
            images = 1  # could not even list them: someone must look
        if images:
            found.unread.append(f"page {number}: images")
        elif not text.strip() and page.get_contents() is not None:
            found.unread.append(f"page {number}: no text")
        notes: list[str] = []
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if not isinstance(annotation, DictionaryObject):
                continue
            for key in _PDF_TEXT_KEYS:
                notes += _pdf_strings(annotation.get(key))
            if annotation.get("/Subtype") == "/FileAttachment":
                spec = annotation.get("/FS")
                spec = spec.get_object() if spec is not None else None
                if isinstance(spec, DictionaryObject):
                    notes += _pdf_strings(spec.get("/UF") or spec.get("/F"))
                found.unread.append(f"page {number}: attached file")
        add(f"page {number} annotations", notes)

    info: dict[Any, Any] = dict(reader.metadata or {})
    add(
        "metadata",
        (f"{str(k).lstrip('/')}: {' '.join(_pdf_strings(v))}" for k, v in info.items()),
    )
    root = reader.trailer["/Root"].get_object()
    assert isinstance(root, DictionaryObject)
    stream = root.get("/Metadata")
    if stream is not None:
        xmp = stream.get_object().get_data()
        add("metadata (XMP)", [xml_text(io.BytesIO(xmp), budget)])

    fields: list[str] = []
    for name, data in (reader.get_fields() or {}).items():
        fields.append(str(name))
        for key in ("/V", "/DV", "/TU", "/Opt"):
            fields += _pdf_strings(data.get(key))
    add("form fields", fields)

    titles: list[str] = []

    def walk(items: Any, level: int) -> None:
        if level > 16:
            return
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                titles.append(str(getattr(item, "title", "") or ""))

    try:
        walk(reader.outline, 0)
    except Exception:
        found.unread.append("outline")
    add("outline", titles)

    names = root.get("/Names")
    names = names.get_object() if names is not None else None
    if isinstance(names, DictionaryObject) and "/EmbeddedFiles" in names:
        attached = list(reader.attachments)
        add("attached files", attached)
        found.unread += [f"attached file {name}" for name in attached] or ["attached files"]
    _earlier_versions(content, found, add)
    return found


def _earlier_versions(content: bytes, found: Extraction, add: Any) -> None:
    """A PDF changed by an incremental update still carries every earlier version, and any
    reader with the file can open them: text "removed" that way is still in the original.
    Each earlier version is read like the last one (where it reads on its own: the first
    section of a linearized file does not, and holds nothing new)."""
    import re

    from pypdf import PdfReader

    ends = [m.end() for m in re.finditer(rb"%%EOF", content)][:-1][:8]
    shown = {p.text for p in found.parts}
    for version, end in enumerate(ends, start=1):
        try:
            reader = PdfReader(io.BytesIO(content[:end]), strict=False)
            texts = [page.extract_text() or "" for page in reader.pages]
        except Exception:
            continue
        for number, text in enumerate(texts, start=1):
            if _lines([text]) and _lines([text]) not in shown:
                add(f"earlier version {version} page {number}", [text])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
