"""Evidence files of findings: checked by the disclosures' rules (gongkai.disclosures.
attachments): by their bytes, not their name, bounded in size, read by the sandboxed reader
(which refuses damaged, encrypted and bomb-like files), stored under their digest. The check
is the public uploads' (gongkai.guard.uploads) with the clerks' size bound."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

from gongkai.disclosures import attachments
from gongkai.guard import uploads
from gongkai.guard.uploads import Checked
from gongkai.supervision.models import Finding, FindingAttachment

MAX_FILES = 10
TOO_MANY = _("At most %(max)d files can be added at once.")


def check(upload: Any) -> Checked:
    """Read and check one upload (gongkai.guard.uploads, bounded like a disclosure
    attachment); a ValidationError in Chinese naming the file otherwise. Run outside any
    transaction: the reader may take up to its time limit."""
    return uploads.check(upload, limit=settings.GONGKAI_MAX_ATTACHMENT_BYTES)


def check_all(files: Any) -> list[Checked]:
    given = [u for u in files or () if u is not None]
    if len(given) > MAX_FILES:
        raise ValidationError(TOO_MANY % {"max": MAX_FILES})
    return [check(u) for u in given]


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
