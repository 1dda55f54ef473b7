"""Files the public attaches (to an opinion, an information request): checked the way a
clerk's disclosure attachments are (gongkai.disclosures.attachments), with a smaller bound.

`check(upload)` reads at most the limit plus one byte, refuses an empty file, decides the
type by the bytes (PDF, PNG, JPEG, Word .docx, Excel .xlsx; the name and the browser's claim
count for nothing), reads the file as text in the sandboxed child process
(gongkai.disclosures.extraction: memory, time, zip-bomb and XML bounds) and scans its name
and every part for personal numbers and secret markings (gongkai.disclosures.scanning).
Refusals are ValidationErrors with the disclosures' Chinese sentences naming the file.

The result (`Checked`) holds what the caller stores: the bytes, the detected kind, the
SHA-256, the text read and the findings. A file from the public is shown to the handling
staff only; nothing of it reaches a public page unless staff publish it through the
disclosure workflow, where it is checked again as an attachment.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from gongkai.disclosures import attachments, extraction, scanning

#: Largest file from the public, by default (bytes); never more than the clerks' limit.
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
#: Files one submission may carry.
DEFAULT_MAX_FILES = 3

TOO_MANY_FILES = _("At most %(max)d files can be sent at once.")


@dataclass(frozen=True)
class Checked:
    name: str
    kind: str
    content: bytes
    sha256: str
    text: str
    complete: bool
    findings: list[scanning.Finding] = field(default_factory=list)

    @property
    def content_type(self) -> str:
        return attachments.ALLOWED[self.kind]


def max_bytes() -> int:
    configured = int(getattr(settings, "GUARD_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))
    return min(configured, int(settings.GONGKAI_MAX_ATTACHMENT_BYTES))


def check(upload: UploadedFile, *, limit: int | None = None) -> Checked:
    """One file, checked; `limit` in bytes (the public's bound by default; a clerk's or a
    supervisor's evidence file is bounded like a disclosure attachment)."""
    name = attachments.clean_name(upload.name)
    limit = max_bytes() if limit is None else limit
    too_large = attachments.TOO_LARGE % {"name": name, "limit": max(1, limit // (1024 * 1024))}
    if upload.size is not None and upload.size > limit:
        raise ValidationError(too_large)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise ValidationError(too_large)
    if not content:
        raise ValidationError(attachments.EMPTY % {"name": name})
    kind = attachments.detect(content)
    if kind is None:
        raise ValidationError(attachments.NOT_ALLOWED_TYPE % {"name": name})
    bounds = attachments.limits()
    try:
        found = extraction.extract(kind, content, bounds, python=settings.GONGKAI_EXTRACT_PYTHON)
    except extraction.Refused as exc:
        raise attachments.refusal(exc, name, bounds) from exc
    if found.kind not in attachments.ALLOWED:
        raise ValidationError(attachments.NOT_ALLOWED_TYPE % {"name": name})
    findings = scanning.scan(name)
    for part in found.parts:
        findings += scanning.scan(part.text)
    return Checked(
        name=name,
        kind=found.kind,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        text=extraction.storable(found.text),
        complete=found.complete,
        findings=findings,
    )


def check_all(
    uploads: Sequence[UploadedFile],
    *,
    max_files: int = DEFAULT_MAX_FILES,
    limit: int | None = None,
) -> list[Checked]:
    """Every file of one submission, or the first refusal."""
    if len(uploads) > max_files:
        raise ValidationError(TOO_MANY_FILES % {"max": max_files})
    return [check(u, limit=limit) for u in uploads]
