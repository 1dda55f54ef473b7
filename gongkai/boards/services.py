"""Recording that a board was posted (张贴), and what the other pages ask about postings."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gongkai.boards.content import Board
from gongkai.boards.models import Posting, Variant
from gongkai.disclosures.models import Disclosure
from gongkai.guard import uploads
from gongkai.guard.uploads import Checked

#: A posting's photo is a picture: the board as it hangs.
PHOTO_KINDS = ("png", "jpg")
NOT_A_PHOTO = _("“%(name)s” is not a photo: attach a PNG or JPEG picture of the posted board.")


def check_photo(upload: Any) -> Checked:
    """The photo checked like supervision evidence (gongkai.guard.uploads, the clerks' size
    bound), and a picture. Run outside any transaction: the reader may take its time."""
    checked = uploads.check(upload, limit=settings.GONGKAI_MAX_ATTACHMENT_BYTES)
    if checked.kind not in PHOTO_KINDS:
        raise ValidationError(NOT_A_PHOTO % {"name": checked.name})
    return checked


def record_posting(
    board: Board, *, posted_on: dt.date, photo: Checked, actor: Any, note: str = ""
) -> Posting:
    """The board as built now was posted on `posted_on`: store the photo under its digest
    and which disclosures were on it."""
    digest = hashlib.sha256(photo.content).hexdigest()
    with transaction.atomic():
        posting = Posting(
            organization=board.organization,
            variant=board.variant,
            size=board.size,
            posted_on=posted_on,
            note=note,
            photo_name=photo.name,
            photo_kind=photo.kind,
            photo_sha256=digest,
            recorded_by=actor,
        )
        posting.photo.save(
            f"{digest[:2]}/{digest}.{photo.kind}", ContentFile(photo.content), save=False
        )
        posting.save()
        posting.disclosures.set(board.disclosure_ids)
    return posting


def postings_for(
    disclosure: Disclosure | int, *, include_inside: bool = False
) -> QuerySet[Posting]:
    """The recorded postings of boards that carried `disclosure`, newest first: evidence that
    the 公开栏 channel was used ("已张贴于公开栏 (日期)"). The members' activity-room board
    counts only when asked (`include_inside`, for readers inside)."""
    rows = Posting.objects.filter(disclosures=disclosure)
    if not include_inside:
        rows = rows.filter(variant=Variant.PUBLIC)
    return rows.only("pk", "organization_id", "variant", "size", "posted_on").order_by(
        "-posted_on", "-pk"
    )
