"""Public pages: the request form, the acknowledgement, the tracking page, and a member's own
requests. Nothing here ever shows the applicant's details (only `services.public_view`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from gongkai.guard import limits
from gongkai.inforequests import services
from gongkai.inforequests.forms import RequestForm, TrackForm
from gongkai.inforequests.models import Channel, InformationRequest
from gongkai.organizations.models import Organization
from gongkai.validation import text_problem

RECEIPT_KEY = "inforequest_receipt"
NOT_FOUND = gettext_lazy("No request has this tracking code. Please check it against your receipt.")


def _organization(code: str) -> Organization:
    if text_problem(code) or len(code) > 32:
        raise Http404
    return get_object_or_404(Organization, code=code, is_active=True)


@never_cache
def apply(request: HttpRequest, code: str) -> HttpResponse:
    org = _organization(code)
    user: Any = request.user
    template = "inforequests/public/apply.html"
    if request.method != "POST":
        initial = {"name": user.display_name, "email": user.email} if user.is_authenticated else {}
        return render(request, template, {"org": org, "form": RequestForm(initial=initial)})
    form = RequestForm(request.POST)
    context: dict[str, Any] = {"org": org, "form": form}
    verdict = limits.check(request, "request", organization=org)
    if not verdict.allowed:
        return limits.refused(request, verdict, template, context)
    if form.is_valid():
        data = form.cleaned_data
        try:
            made = services.receive(
                org,
                services.Application.from_data(data),
                channel=Channel.ONLINE,
                account=user,
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            request.session[RECEIPT_KEY] = made.pk
            return redirect("inforequests:receipt")
    return render(request, template, context, status=400)


@require_safe
@never_cache
def receipt(request: HttpRequest) -> HttpResponse:
    """The acknowledgement, once, in the session that sent the request."""
    pk = request.session.get(RECEIPT_KEY)
    made = (
        InformationRequest.objects.select_related("organization").filter(pk=int(pk)).first()
        if isinstance(pk, int)
        else None
    )
    if made is None:
        return redirect("inforequests:track")
    return render(request, "inforequests/public/receipt.html", {"r": services.public_view(made)})


@require_safe
@never_cache
def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.GET or None)
    found: dict[str, Any] | None = None
    error = ""
    status = 200
    if request.GET:
        verdict = limits.check(request, "track")
        if not verdict.allowed:
            return limits.refused(
                request, verdict, "inforequests/public/track.html", {"form": form}
            )
        made = services.find_by_code(form.data.get("code", "")) if form.is_valid() else None
        if made is None:
            error, status = str(NOT_FOUND), 404
        else:
            found = services.public_view(made)
    return render(
        request,
        "inforequests/public/track.html",
        {"form": form, "r": found, "error": error},
        status=status,
    )


@require_safe
@never_cache
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    own = (
        InformationRequest.objects.filter(applicant_account=user)
        .select_related("organization", "referred_to")
        .order_by("-received_on", "-pk")[:100]
    )
    return render(
        request, "inforequests/public/mine.html", {"rows": [services.public_view(r) for r in own]}
    )
