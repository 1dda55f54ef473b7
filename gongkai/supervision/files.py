"""Evidence files of findings: checked by the disclosures' rules (gongkai.disclosures.
attachments): by their bytes, not their name, bounded in size, read by the sandboxed reader
(which refuses damaged, encrypted and bomb-like files), stored under their digest."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

from gongkai.disclosures import attachments, extraction
from gongkai.supervision.models import Finding, FindingAttachment

MAX_FILES = 10
TOO_MANY = _("At most %(max)d files can be added at once.")


@dataclass(frozen=True)
class Checked:
    name: str
    kind: str
    content: bytes


def check(upload: Any) -> Checked:
    """Read and check one upload; a ValidationError in Chinese naming the file otherwise.
    Run outside any transaction: the reader may take up to its time limit."""
    name = attachments.clean_name(getattr(upload, "name", None))
    limit = settings.GONGKAI_MAX_ATTACHMENT_BYTES
    too_large = attachments.TOO_LARGE % {"name": name, "limit": max(1, limit // (1024 * 1024))}
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
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
    return Checked(name=name, kind=found.kind, content=content)


def check_all(uploads: Any) -> list[Checked]:
    uploads = [u for u in uploads or () if u is not None]
    if len(uploads) > MAX_FILES:
        raise ValidationError(TOO_MANY % {"max": MAX_FILES})
    return [check(u) for u in uploads]


def store(finding: Finding, checked: Checked, *, purpose: str, actor: Any) -> FindingAttachment:
    """Inside the caller's transaction."""
    digest = hashlib.sha256(checked.content).hexdigest()
    row = FindingAttachment(
        finding=finding,
        purpose=purpose,
        name=checked.name,
        kind=checked.kind,
        size=len(checked.content),
        sha256=digest,
        uploaded_by=actor,
    )
    # Under its digest: the name a person typed never reaches the file system.
    row.file.save(f"{digest[:2]}/{digest}.{checked.kind}", ContentFile(checked.content), save=False)
    row.save()
    return row


def content_type(row: FindingAttachment) -> str:
    return attachments.ALLOWED.get(row.kind, "application/octet-stream")
