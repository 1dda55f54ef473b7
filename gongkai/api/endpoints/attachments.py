"""A draft's files: attach and remove, through `gongkai.disclosures.attachments`, which checks
the person, the state, the type (by content) and the size. Published files are read through
the disclosure endpoints; the originals download from the portal."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import File, Router, Status, UploadedFile

from gongkai.api import auth, fields
from gongkai.api.endpoints.disclosures import working_copy
from gongkai.api.errors import responses
from gongkai.api.schemas import WorkingOut, working_out
from gongkai.disclosures import attachments

router = Router(tags=["workflow"], auth=auth.STAFF)


@router.post(
    "/{int:id}/attachments",
    response={201: WorkingOut, **responses(400, 401, 403, 404, 422)},
    summary="Attach a file to a draft (PDF, PNG, JPEG, .xlsx, .docx)",
)
def attach(request: HttpRequest, id: fields.Id, file: File[UploadedFile]) -> Any:
    user = auth.caller(request)
    d = working_copy(request, id)
    attachments.attach(d, file, actor=user)
    return Status(201, working_out(d, user))


@router.delete(
    "/{int:id}/attachments/{int:attachment_id}",
    response={200: WorkingOut, **responses(400, 401, 403, 404, 422)},
    summary="Remove a file from a draft",
)
def remove_attachment(request: HttpRequest, id: fields.Id, attachment_id: fields.Id) -> Any:
    user = auth.caller(request)
    d = working_copy(request, id)
    attachment = d.attachments.filter(pk=attachment_id, removed=False).first()
    if attachment is None:
        raise Http404
    attachments.remove(attachment, actor=user)
    return working_out(d, user)


@router.post(
    "/{int:id}/attachments/{int:attachment_id}/checked",
    response={200: WorkingOut, **responses(400, 401, 403, 404, 422)},
    summary="Record that a file which cannot be read as text was checked by eye (a reviewer)",
)
def check_attachment(request: HttpRequest, id: fields.Id, attachment_id: fields.Id) -> Any:
    user = auth.caller(request)
    d = working_copy(request, id)
    attachment = d.attachments.filter(pk=attachment_id, removed=False).first()
    if attachment is None:
        raise Http404
    attachments.record_visual_check(attachment, actor=user)
    d.refresh_from_db()
    return working_out(d, user)
