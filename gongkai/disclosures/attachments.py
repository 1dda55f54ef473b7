"""Attachments: checked by their bytes (not their name), bounded in size, stored through
Django's storage API, hashed into the ledger, and read into a text preview so the privacy
scan and masking cover them too.

A file whose text holds personal numbers that would be masked is never served as the
original to the public: the page shows its masked text preview instead. Secret markings in
an attachment block submission like those in the body.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from gongkai import permissions
from gongkai.disclosures import events, scanning
from gongkai.disclosures.models import Attachment, Disclosure, State

#: What may be attached, by detected type: the extension a download gets and its MIME type.
ALLOWED = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
PREVIEW_CHARS = 20_000

TOO_LARGE = _("“%(name)s” is larger than %(limit)d MB.")
EMPTY = _("“%(name)s” is empty.")
NOT_ALLOWED_TYPE = _("“%(name)s” is not a PDF, PNG, JPEG, Excel (.xlsx) or Word (.docx) file.")
UNREADABLE = _("“%(name)s” could not be read; it may be damaged.")
TOO_MANY = _("A disclosure can carry at most %(max)d attachments.")
NOT_EDITABLE = _("Attachments can only be changed while the disclosure is a draft or returned.")
NOT_YOURS = _("You may not change the attachments of %(org)s.")
MAX_ATTACHMENTS = 20


def detect(content: bytes) -> str | None:
    kind = filetype.guess(content)
    return kind.extension if kind is not None and kind.extension in ALLOWED else None


def extract_text(kind: str, content: bytes) -> str:
    """Plain text of a file, for the scan and the masked preview ("" for images)."""
    if kind == "pdf":
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(content))
        return "\n".join((page.extract_text() or "") for page in reader.pages)[:PREVIEW_CHARS]
    if kind == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        lines = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                cells = [str(c) for c in row if c is not None]
                if cells:
                    lines.append("\t".join(cells))
        return "\n".join(lines)[:PREVIEW_CHARS]
    if kind == "docx":
        import re

        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            xml = archive.read("word/document.xml").decode("utf-8", errors="replace")
        xml = re.sub(r"</w:p>", "\n", xml)
        return re.sub(r"<[^>]+>", "", xml)[:PREVIEW_CHARS]
    return ""


@transaction.atomic
def attach(disclosure: Disclosure, upload: UploadedFile, *, actor: Any) -> Attachment:
    org = disclosure.organization
    if not permissions.can_draft(actor, org):
        raise PermissionDenied(NOT_YOURS % {"org": org.name})
    if disclosure.state not in (State.DRAFT, State.RETURNED):
        raise ValidationError(NOT_EDITABLE)
    if disclosure.attachments.filter(removed=False).count() >= MAX_ATTACHMENTS:
        raise ValidationError(TOO_MANY % {"max": MAX_ATTACHMENTS})
    name = (upload.name or "file")[-120:]
    limit = settings.GONGKAI_MAX_ATTACHMENT_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(TOO_LARGE % {"name": name, "limit": max(1, limit // (1024 * 1024))})
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise ValidationError(TOO_LARGE % {"name": name, "limit": max(1, limit // (1024 * 1024))})
    if not content:
        raise ValidationError(EMPTY % {"name": name})
    kind = detect(content)
    if kind is None:
        raise ValidationError(NOT_ALLOWED_TYPE % {"name": name})
    try:
        text = extract_text(kind, content)
    except Exception as exc:  # a damaged file of an allowed type: say so, never a 500
        raise ValidationError(UNREADABLE % {"name": name}) from exc
    digest = hashlib.sha256(content).hexdigest()
    attachment = Attachment(
        disclosure=disclosure,
        name=name,
        kind=kind,
        size=len(content),
        sha256=digest,
        text_preview=text,
        uploaded_by=actor,
    )
    # Stored under its digest: the name a clerk typed never reaches the file system.
    attachment.file.save(f"{digest[:2]}/{digest}.{kind}", ContentFile(content), save=False)
    attachment.save()
    events.record(
        disclosure,
        events.EventKind.ATTACHMENT_ADDED,
        actor=actor,
        at=attachment.uploaded_at,
        detail={"name": name, "attachment": attachment.pk},
    )
    return attachment


@transaction.atomic
def remove(attachment: Attachment, *, actor: Any) -> None:
    disclosure = attachment.disclosure
    if not permissions.can_draft(actor, disclosure.organization):
        raise PermissionDenied(NOT_YOURS % {"org": disclosure.organization.name})
    if disclosure.state not in (State.DRAFT, State.RETURNED):
        raise ValidationError(NOT_EDITABLE)
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


def findings(attachment: Attachment) -> list[scanning.Finding]:
    return scanning.scan(attachment.text_preview)


def original_is_public(disclosure: Disclosure, attachment: Attachment) -> bool:
    """The original file may be served only when its text holds nothing that would be masked."""
    kept = set(disclosure.mask_exceptions or ())
    return not any(
        f.kind in scanning.PERSONAL_KINDS and f.kind not in kept for f in findings(attachment)
    )
