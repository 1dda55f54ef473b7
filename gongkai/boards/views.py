"""The board PDFs on the portal: the public board (built as an anonymous reader sees the
organization, whoever asks) and the members' activity-room board (members and staff of the
organization only; a 404 for everyone else, never cached)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.http import require_safe

from gongkai import permissions
from gongkai.boards import content, render
from gongkai.boards.models import Variant
from gongkai.organizations.models import Organization
from gongkai.validation import text_problem


def organization_or_404(code: str) -> Organization:
    if text_problem(code) or len(code) > 32:
        raise Http404
    return get_object_or_404(Organization, code=code, is_active=True)


def pdf_response(board: content.Board) -> HttpResponse:
    response = HttpResponse(render.pdf(board), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{render.filename(board)}"'
    return response


@require_safe
def public_board(request: HttpRequest, code: str) -> HttpResponse:
    org = organization_or_404(code)
    board = content.build(
        org, variant=Variant.PUBLIC, size=request.GET.get("size", "")[:4].upper(), request=request
    )
    response = pdf_response(board)
    # Public data only, but not worth a shared cache's invalidation: each reader's own copy.
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_safe
def inside_board(request: HttpRequest, code: str) -> HttpResponse:
    org = organization_or_404(code)
    if not permissions.can_read_party_internal(request.user, org):
        raise Http404
    board = content.build(
        org,
        variant=Variant.INSIDE,
        size=request.GET.get("size", "")[:4].upper(),
        user=request.user,
        request=request,
    )
    response = pdf_response(board)
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    return response
