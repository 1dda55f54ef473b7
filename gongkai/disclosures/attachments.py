"""Attachments: checked by their bytes (not their name), bounded in size, read as text in a
sandboxed child process (`gongkai.disclosures.extraction`), stored through Django's storage
API and hashed into the ledger.

Everything a reader could see in the file is scanned, part by part, and so is its name:
`findings(attachment)` returns all of it and `workflow.findings(disclosure)` adds it to the
disclosure's scan. The original file reaches readers only when `original_is_public` says so:

- its whole content was read as text and holds no finding (no personal number outside the
  kinds a reviewer decided must show, and no secret marking), or
- it cannot be (wholly) read as text (a picture, a scan, a PDF page with images) and a
  reviewer recorded that they checked it by eye, and what was read holds no finding.

Otherwise readers get the masked text rendering (`published_parts`). The file name is shown
masked everywhere it is published (`published_name`), also as the name of a download.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongkai import permissions
from gongkai.disclosures import events, extraction, scanning
from gongkai.disclosures.models import Attachment, Disclosure, State
from gongkai.disclosures.visibility import published_text

#: What may be attached, by detected type: the extension a download gets and its MIME type.
ALLOWED = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
MAX_ATTACHMENTS = 20
NAME_CHARS = 120
#: The part name under which a finding in the file name is shown.
FILE_NAME = "file name"

TOO_LARGE = _("“%(name)s” is larger than %(limit)d MB.")
EMPTY = _("“%(name)s” is empty.")
NOT_ALLOWED_TYPE = _("“%(name)s” is not a PDF, PNG, JPEG, Excel (.xlsx) or Word (.docx) file.")
UNREADABLE = _("“%(name)s” could not be read; it may be damaged.")
ENCRYPTED = _("“%(name)s” is protected by a password; attach it without the password.")
UNSAFE_XML = _(
    "“%(name)s” was refused: it holds XML declarations (a DTD or entities) that Word and "
    "Excel files never need."
)
BOMB = _(
    "“%(name)s” was refused: unpacked it is far larger than the file, or has too many parts "
    "(at most %(members)d parts and %(total)d MB unpacked)."
)
TOO_MUCH_TEXT = _(
    "“%(name)s” holds more than %(limit)d characters of text; split it into smaller files."
)
TOO_MANY_PAGES = _("“%(name)s” has more than %(limit)d pages; split it into smaller files.")
TOO_DEEP = _("“%(name)s” was refused: it nests documents inside documents too deeply.")
NEEDS_MEMORY = _(
    "“%(name)s” was refused: reading it needs more than %(limit)d MB of memory. Save it "
    "again in a simpler form, or split it."
)
NEEDS_TIME = _(
    "“%(name)s” was refused: it could not be read within %(limit)d seconds. Save it again "
    "in a simpler form, or split it."
)
TOO_MANY = _("A disclosure can carry at most %(max)d attachments.")
NOT_EDITABLE = _("Attachments can only be changed while the disclosure is a draft or returned.")
NOT_YOURS = _("You may not change the attachments of %(org)s.")
NOT_A_REVIEWER = _("Only a reviewer of %(org)s can record that a file was checked by eye.")
NOT_IN_REVIEW = _("A file can be checked by eye only while the disclosure is under review.")
NOTHING_TO_CHECK = _("“%(name)s” was read completely as text; there is nothing to check by eye.")

PAGE = _("page %(n)s")
ANNOTATIONS = _("annotations")

#: States in which a reviewer looks at the files before they are published.
REVIEW_STATES = (
    State.SUBMITTED,
    State.CONSULTATION,
    State.REVIEWED,
    State.SUPERIOR_REVIEW,
    State.APPROVED,
)


def limits() -> extraction.Limits:
    return extraction.Limits(
        memory_mb=settings.GONGKAI_EXTRACT_MEMORY_MB, seconds=settings.GONGKAI_EXTRACT_SECONDS
    )


def detect(content: bytes) -> str | None:
    """The kind of file by its bytes: pdf, png, jpg, or "zip" for a Word or Excel candidate
    (which one, the sandbox decides from the package's declared main part)."""
    if content.startswith(b"PK\x03\x04"):
        return "zip"
    kind = filetype.guess(content)
    return kind.extension if kind is not None and kind.extension in ("pdf", "png", "jpg") else None


def clean_name(raw: str | None) -> str:
    """The name as typed, without directories, control characters or unpaired surrogates
    (which no database stores), at most NAME_CHARS characters, keeping the extension."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = name.encode("utf-8", "replace").decode("utf-8")
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = name.strip() or "file"
    return name[-NAME_CHARS:]


def refusal(exc: extraction.Refused, name: str, bounds: extraction.Limits) -> ValidationError:
    """The Chinese sentence for a file the sandbox refused, naming the file and the bound."""
    reason = exc.reason
    if reason == extraction.NOT_OFFICE:
        return ValidationError(NOT_ALLOWED_TYPE % {"name": name})
    if reason == extraction.ENCRYPTED:
        return ValidationError(ENCRYPTED % {"name": name})
    if reason == extraction.UNSAFE_XML:
        return ValidationError(UNSAFE_XML % {"name": name})
    if reason in (
        extraction.TOO_MANY_MEMBERS,
        extraction.MEMBER_TOO_LARGE,
        extraction.TOO_LARGE_INFLATED,
        extraction.RATIO,
    ):
        return ValidationError(
            BOMB
            % {
                "name": name,
                "members": bounds.max_members,
                "total": bounds.max_total_bytes // extraction.MB,
            }
        )
    if reason == extraction.TOO_MUCH_TEXT:
        return ValidationError(TOO_MUCH_TEXT % {"name": name, "limit": bounds.max_chars})
    if reason == extraction.TOO_MANY_PAGES:
        return ValidationError(TOO_MANY_PAGES % {"name": name, "limit": bounds.max_pages})
    if reason == extraction.TOO_DEEP:
        return ValidationError(TOO_DEEP % {"name": name})
    if reason == extraction.MEMORY:
        return ValidationError(NEEDS_MEMORY % {"name": name, "limit": bounds.memory_mb})
    if reason == extraction.TIME:
        return ValidationError(NEEDS_TIME % {"name": name, "limit": bounds.seconds})
    return ValidationError(UNREADABLE % {"name": name})


def _check_editable(disclosure: Disclosure, actor: Any) -> None:
    org = disclosure.organization
    if not permissions.can_draft(actor, org):
        raise PermissionDenied(NOT_YOURS % {"org": org.name})
    if disclosure.state not in (State.DRAFT, State.RETURNED):
        raise ValidationError(NOT_EDITABLE)


def attach(disclosure: Disclosure, upload: UploadedFile, *, actor: Any) -> Attachment:
    """Read, check and store one file. Refusals are ValidationErrors naming the file; the
    draft and its other files are untouched by a refusal."""
    _check_editable(disclosure, actor)
    if disclosure.attachments.filter(removed=False).count() >= MAX_ATTACHMENTS:
        raise ValidationError(TOO_MANY % {"max": MAX_ATTACHMENTS})
    name = clean_name(upload.name)
    limit = settings.GONGKAI_MAX_ATTACHMENT_BYTES
    too_large = TOO_LARGE % {"name": name, "limit": max(1, limit // (1024 * 1024))}
    if upload.size is not None and upload.size > limit:
        raise ValidationError(too_large)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise ValidationError(too_large)
    if not content:
        raise ValidationError(EMPTY % {"name": name})
    kind = detect(content)
    if kind is None:
        raise ValidationError(NOT_ALLOWED_TYPE % {"name": name})
    bounds = limits()
    # Read outside any transaction: the child may take up to its time limit, and no lock
    # may be held meanwhile.
    try:
        found = extraction.extract(kind, content, bounds, python=settings.GONGKAI_EXTRACT_PYTHON)
    except extraction.Refused as exc:
        raise refusal(exc, name, bounds) from exc
    if found.kind not in ALLOWED:
        raise ValidationError(NOT_ALLOWED_TYPE % {"name": name})
    text, parts = _join(found.parts)
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        # Checked again inside the transaction: the disclosure may have moved meanwhile.
        disclosure = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
        _check_editable(disclosure, actor)
        attachment = Attachment(
            disclosure=disclosure,
            name=name,
            kind=found.kind,
            size=len(content),
            sha256=digest,
            text=text,
            parts=parts,
            complete=found.complete,
            unread=found.unread,
            uploaded_by=actor,
        )
        # Stored under its digest: the name a clerk typed never reaches the file system.
        attachment.file.save(
            f"{digest[:2]}/{digest}.{found.kind}", ContentFile(content), save=False
        )
        attachment.save()
        events.record(
            disclosure,
            events.EventKind.ATTACHMENT_ADDED,
            actor=actor,
            at=attachment.uploaded_at,
            detail={"name": name, "attachment": attachment.pk},
        )
    return attachment


def _join(parts: list[extraction.Part]) -> tuple[str, list[dict[str, Any]]]:
    """All parts as one text, a blank line between two, and where each sits in it."""
    chunks: list[str] = []
    index: list[dict[str, Any]] = []
    at = 0
    for part in parts:
        if chunks:
            chunks.append("\n\n")
            at += 2
        chunks.append(part.text)
        index.append({"name": part.name, "start": at, "end": at + len(part.text)})
        at += len(part.text)
    return "".join(chunks), index


@transaction.atomic
def remove(attachment: Attachment, *, actor: Any) -> None:
    disclosure = attachment.disclosure
    _check_editable(disclosure, actor)
    events.record(
        disclosure,
        events.EventKind.ATTACHMENT_REMOVED,
        actor=actor,
        detail={"name": attachment.name, "attachment": attachment.pk},
    )
    if attachment.revisions.exists():
        attachment.removed = True  # it belongs to a recorded revision: keep the bytes
        attachment.save(update_fields=["removed"])
    else:
        stored = attachment.file
        attachment.delete()
        # The bytes go only once the row is gone for good: a rollback keeps both.
        transaction.on_commit(lambda: stored.delete(save=False))


@transaction.atomic
def record_visual_check(attachment: Attachment, *, actor: Any) -> Attachment:
    """A reviewer records that they looked at a file that cannot be (wholly) read as text
    and found nothing that may not be published: its original may then be served (if what
    was read holds no finding)."""
    # Read again and locked: the disclosure may have moved since the page was shown.
    disclosure = Disclosure.objects.select_for_update().get(pk=attachment.disclosure_id)
    if not (
        permissions.can_review(actor, disclosure.organization)
        or permissions.can_review_as_superior(actor, disclosure.organization)
    ):
        raise PermissionDenied(NOT_A_REVIEWER % {"org": disclosure.organization.name})
    if disclosure.state not in REVIEW_STATES:
        raise ValidationError(NOT_IN_REVIEW)
    if attachment.complete:
        raise ValidationError(NOTHING_TO_CHECK % {"name": attachment.name})
    attachment.checked_by = actor
    attachment.checked_at = timezone.now()
    attachment.save(update_fields=["checked_by", "checked_at"])
    events.record(
        disclosure,
        events.EventKind.ATTACHMENT_CHECKED,
        actor=actor,
        detail={"name": attachment.name, "attachment": attachment.pk},
    )
    return attachment


# --- the scan and what readers get ------------------------------------------------------------


def located_findings(attachment: Attachment) -> list[tuple[str, scanning.Finding]]:
    """Every finding in the file name and in each part, with the part it sits in. Each part
    is scanned on its own, so no number is made of the end of one part and the start of the
    next. Cached on the instance: a page asks several times."""
    cached = getattr(attachment, "_located_findings", None)
    if cached is None:
        cached = [(FILE_NAME, f) for f in scanning.scan(attachment.name)]
        for name, text in attachment.part_texts():
            cached += [(name, f) for f in scanning.scan(text)]
        attachment._located_findings = cached  # type: ignore[attr-defined]
    return list(cached)


def findings(attachment: Attachment) -> list[scanning.Finding]:
    """Everything the scan finds in the attachment: its name and every part it was read from."""
    return [finding for _part, finding in located_findings(attachment)]


def original_is_public(disclosure: Disclosure, attachment: Attachment) -> bool:
    """Whether the original file may reach a reader (who may see the disclosure: that is
    the visibility rule's question, asked separately)."""
    if not attachment.complete and attachment.checked_at is None:
        return False
    kept = set(disclosure.mask_exceptions or ())
    return not any(
        f.kind == scanning.SECRET or (f.kind in scanning.PERSONAL_KINDS and f.kind not in kept)
        for f in findings(attachment)
    )


def needs_visual_check(attachment: Attachment) -> bool:
    return not attachment.complete and attachment.checked_at is None


def published_name(disclosure: Disclosure, attachment: Attachment) -> str:
    return published_text(disclosure, attachment.name)


def download_name(disclosure: Disclosure, attachment: Attachment) -> str:
    """The masked name, with the extension of the detected type."""
    name = published_name(disclosure, attachment)
    return name if name.lower().endswith("." + attachment.kind) else f"{name}.{attachment.kind}"


def published_parts(disclosure: Disclosure, attachment: Attachment) -> list[tuple[str, str]]:
    """The masked text rendering: (part label, masked text) for every part."""
    return [
        (part_label(name), published_text(disclosure, text))
        for name, text in attachment.part_texts()
    ]


def part_label(name: str) -> str:
    """A reader's name for a part ("page 3", "word/footer1.xml"): the Chinese word for the
    kind of part, with its technical name so a reviewer can find it."""
    lowered = name.lower()
    page = re.fullmatch(r"page (\d+)( annotations)?", name)
    if page:
        on_page = str(PAGE % {"n": page.group(1)})
        return f"{on_page}（{ANNOTATIONS}）" if page.group(2) else on_page
    for marker, label in _PART_LABELS:
        if marker in lowered:
            return f"{label}（{name}）"
    return name


_PART_LABELS = (
    ("earlier version", _("an earlier version of the file")),
    ("annotations", ANNOTATIONS),
    ("image metadata", _("picture properties")),
    ("metadata", _("document properties")),
    ("form fields", _("form fields")),
    ("outline", _("bookmarks")),
    ("attached files", _("attached files")),
    ("docprops/", _("document properties")),
    ("header", _("header")),
    ("footer", _("footer")),
    ("footnotes", _("footnotes")),
    ("endnotes", _("endnotes")),
    ("comment", _("comments")),
    ("glossary", _("glossary")),
    ("worksheets/", _("sheet")),
    ("sharedstrings", _("cell text")),
    ("workbook.xml", _("sheet names and defined names")),
    ("document", _("main text")),
)
