"""The board in the console: the clerk previews what the board carries now, downloads it at
each size, and records that it was posted (date and photo); the office that sets the board
for its subtree edits the spec."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from gongkai import permissions
from gongkai.boards import content, services
from gongkai.boards import spec as specs
from gongkai.boards.forms import PostingForm, SpecForm
from gongkai.boards.models import BoardSpec, Posting, Size, Variant
from gongkai.boards.views import pdf_response
from gongkai.catalog.effective import applicable_catalog
from gongkai.catalog.models import Domain
from gongkai.console.views.base import console_view, context, org_or_404
from gongkai.disclosures.attachments import ALLOWED
from gongkai.organizations.models import Organization


def can_see_postings(user: Any, org: Organization) -> bool:
    """Staff of the organization (and of superiors reaching it) and its supervisors."""
    return permissions.can_view_in_console(user, org) or permissions.can_read_supervised(user, org)


def can_record_posting(user: Any, org: Organization) -> bool:
    return permissions.can_draft(user, org) or permissions.can_manage_organization(user, org)


@console_view
def board(request: HttpRequest, code: str) -> HttpResponse:
    org = org_or_404(request, code)
    size = request.GET.get("size", "")[:4].upper()
    preview = content.build(org, variant=Variant.PUBLIC, size=size or None, request=request)
    may_record = can_record_posting(request.user, org)
    form = PostingForm(
        request.POST or None, request.FILES or None, initial={"size": preview.spec.size}
    )
    status = 200
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied
        inside = permissions.can_read_party_internal(request.user, org)
        if form.is_valid() and form.cleaned_data["variant"] == Variant.INSIDE and not inside:
            form.add_error(
                "variant",
                _("Only members and staff of the organization print its activity-room board."),
            )
        if form.is_valid():
            variant = form.cleaned_data["variant"]
            posted = content.build(
                org,
                variant=variant,
                size=form.cleaned_data["size"],
                user=request.user,
                request=request,
            )
            services.record_posting(
                posted,
                posted_on=form.cleaned_data["posted_on"],
                photo=form.cleaned_data["photo"],
                actor=request.user,
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("The posting has been recorded."))
            return redirect("boards_console:board", org.code)
        status = 400
    return render(
        request,
        "boards/console/board.html",
        context(
            request,
            "board",
            subject=org,
            board=preview,
            sizes=Size.choices,
            form=form,
            may_record=may_record,
            inside=permissions.can_read_party_internal(request.user, org),
            may_set_spec=specs.can_set_spec(request.user, org),
            postings=Posting.objects.filter(organization=org)
            .select_related("recorded_by")
            .prefetch_related("disclosures")[:50],
        ),
        status=status,
    )


@console_view
def board_pdf(request: HttpRequest, code: str) -> HttpResponse:
    org = org_or_404(request, code)
    variant = request.GET.get("variant", Variant.PUBLIC)
    if variant == Variant.INSIDE and not permissions.can_read_party_internal(request.user, org):
        raise Http404
    board = content.build(
        org,
        variant=Variant.INSIDE if variant == Variant.INSIDE else Variant.PUBLIC,
        size=request.GET.get("size", "")[:4].upper(),
        user=request.user,
        request=request,
    )
    response = pdf_response(board)
    response["Content-Disposition"] = response["Content-Disposition"].replace(
        "inline", "attachment"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@console_view
def posting_photo(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    org = org_or_404(request, code)
    if not can_see_postings(request.user, org):
        raise PermissionDenied
    posting = get_object_or_404(Posting, pk=pk, organization=org)
    response: HttpResponse = FileResponse(  # type: ignore[assignment]  # a streaming response
        posting.photo.open("rb"), content_type=ALLOWED.get(posting.photo_kind, "image/png")
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@console_view
def spec_edit(request: HttpRequest, code: str) -> HttpResponse:
    org = org_or_404(request, code)
    above = specs.covering_spec_above(org)
    if not permissions.can_manage_organization(request.user, org) or above is not None:
        if above is not None:
            raise PermissionDenied(str(specs.COVERED_ABOVE % {"name": above.organization.name}))
        raise PermissionDenied
    applicable = applicable_catalog(org)
    categories = applicable.categories if applicable is not None else []
    own = BoardSpec.objects.filter(organization=org).first()
    form = SpecForm(
        request.POST or None,
        instance=own or BoardSpec(organization=org),
        categories=categories,
    )
    if request.method == "POST" and form.is_valid():
        spec = form.save(commit=False)
        spec.updated_by = request.user  # type: ignore[assignment]  # signed in
        spec.save()
        messages.success(request, _("The board specification has been saved."))
        return redirect("boards_console:board", org.code)
    return render(
        request,
        "boards/console/spec.html",
        context(
            request,
            "board",
            subject=org,
            form=form,
            categories=[
                (c, Domain(c.domain).label if c.domain in Domain.values else c.domain)
                for c in categories
            ],
            below=org.children.count(),
        ),
        status=400 if request.method == "POST" else 200,
    )
