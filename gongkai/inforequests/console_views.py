"""Console pages of information requests: the handling list (overdue first), one request with
every step's form, the letters, the superior's filing list (备案) and the yearly statistics.
Every change goes through gongkai.inforequests.services; who sees what is asked of
gongkai.permissions."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from gongkai import permissions
from gongkai.console.views.base import console_view, context
from gongkai.disclosures.models import Disclosure
from gongkai.guard import tracking
from gongkai.inforequests import annual, clock, documents, forms, services
from gongkai.inforequests.models import InformationRequest, InformationRequestPolicy, State
from gongkai.organizations.models import Organization
from gongkai.validation import text_problem
from gongkai.web.views import refusal_text

PAGE = 200
FORMS: dict[str, type[Any]] = {
    "supplement": forms.SupplementForm,
    "supplement_received": forms.NoteForm,
    "third_party": forms.ThirdPartyForm,
    "third_party_answered": forms.NoteForm,
    "extend": forms.ExtendForm,
    "decide": forms.DecisionForm,
    "confirm": forms.NoteForm,
    "return": forms.ReasonForm,
    "appeal": forms.AppealForm,
}
#: Which actions each state offers (services.ALLOWED is the rule; this only picks forms).
OFFERED = {
    State.HANDLING: ("supplement", "third_party", "extend", "decide"),
    State.SUPPLEMENT: ("supplement_received", "decide"),
    State.THIRD_PARTY: ("third_party_answered", "extend", "decide"),
    State.CONFIRMATION: ("confirm", "return"),
    State.ANSWERED: ("appeal",),
}
SUPERIOR_ACTIONS = {"confirm", "return"}


def _rows(qs: QuerySet[InformationRequest]) -> list[dict[str, Any]]:
    on = services.today()
    out = []
    rows = list(qs.select_related("organization").prefetch_related("steps")[:PAGE])
    # One query for the periods of every organization listed (most have none: the defaults).
    policies = {
        p.organization_id: p.as_policy()
        for p in InformationRequestPolicy.objects.filter(
            organization__in={r.organization_id for r in rows}
        )
    }
    for r in rows:
        out.append(
            {
                "r": r,
                "code": tracking.display(r.tracking_code),
                "status": services.status(
                    r, on, policies.get(r.organization_id, clock.DEFAULT_POLICY)
                ),
                "steps": list(r.steps.all()),
                "letters": [(kind, documents.TITLES[kind]) for kind in documents.available(r)],
            }
        )
    return out


def _ordered(qs: QuerySet[InformationRequest]) -> QuerySet[InformationRequest]:
    # Open before answered; among open ones the earliest deadline (so the overdue) first,
    # stopped clocks (no deadline) after them.
    return qs.order_by(
        F("decided_on").desc(nulls_first=True), F("due_on").asc(nulls_last=True), "-pk"
    )


@require_safe
@console_view
def listing(request: HttpRequest) -> HttpResponse:
    orgs = permissions.request_handling_organizations(request.user)
    qs = _ordered(InformationRequest.objects.filter(organization__in=orgs))
    return render(
        request,
        "inforequests/console/list.html",
        context(request, "requests", rows=_rows(qs), filings=False),
    )


@require_safe
@console_view
def filings(request: HttpRequest) -> HttpResponse:
    """备案: the requests of the organizations below, with their steps and letters."""
    orgs = permissions.request_filing_organizations(request.user)
    qs = _ordered(InformationRequest.objects.filter(organization__in=orgs))
    return render(
        request,
        "inforequests/console/list.html",
        context(request, "request_filings", rows=_rows(qs), filings=True),
    )


@console_view
def record(request: HttpRequest) -> HttpResponse:
    """Enter a request that came by letter or in person, for the current organization."""
    org = getattr(request, "org", None)
    if org is None or not permissions.can_handle_requests(request.user, org):
        raise PermissionDenied(services.NOT_HANDLING_STAFF)
    form = forms.StaffRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = services.receive(
                org,
                services.Application.from_data(data),
                channel=data["channel"],
                received_on=data["received_on"],
                actor=request.user,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Recorded."))
            return redirect("inforequests_console:detail", made.pk)
    return render(
        request,
        "inforequests/console/record.html",
        context(request, "requests", form=form),
        status=400 if form.errors else 200,
    )


def _request(request: HttpRequest, pk: int) -> InformationRequest:
    found = (
        InformationRequest.objects.select_related(
            "organization", "organization__parent", "referred_to", "applicant_account"
        )
        .filter(pk=pk)
        .first()
    )
    if found is None or not permissions.can_see_applicant(request.user, found.organization):
        raise Http404
    return found


def _detail_context(
    request: HttpRequest, r: InformationRequest, bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    user = request.user
    may_handle = permissions.can_handle_requests(user, r.organization)
    may_confirm = permissions.can_confirm_request_refusal(user, r.organization)
    actions = []
    for name in OFFERED[State(r.state)]:
        allowed = may_confirm if name in SUPERIOR_ACTIONS else may_handle
        if allowed:
            form = (bound or {}).get(name) or FORMS[name]()
            actions.append({"name": name, "label": ACTION_LABELS[name], "form": form})
    return context(
        request,
        "requests",
        r=r,
        code=tracking.display(r.tracking_code),
        status=services.status(r),
        steps=r.steps.select_related("actor").order_by("on", "pk"),
        letters=[(kind, documents.TITLES[kind]) for kind in documents.available(r)],
        actions=actions,
    )


ACTION_LABELS = {
    "supplement": gettext_lazy("Send the notice to complete (the clock stops)"),
    "supplement_received": gettext_lazy("The completed request arrived (counting restarts)"),
    "third_party": gettext_lazy("Consult a third party (the clock stops)"),
    "third_party_answered": gettext_lazy("The third party answered"),
    "extend": gettext_lazy("Extend the reply period (once)"),
    "decide": gettext_lazy("Answer"),
    "confirm": gettext_lazy("Confirm the refusal (superior's leading group)"),
    "return": gettext_lazy("Return to the handling staff"),
    "appeal": gettext_lazy("Record an administrative review or litigation"),
}


@require_safe
@console_view
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    r = _request(request, pk)
    return render(request, "inforequests/console/detail.html", _detail_context(request, r))


def _organization_by_code(code: str) -> Organization | None:
    if not code or text_problem(code):
        return None
    return Organization.objects.filter(code=code).first()


def _perform(name: str, r: InformationRequest, user: Any, data: dict[str, Any]) -> None:
    on: dt.date | None = data.get("on")
    if name == "supplement":
        services.request_supplement(r, actor=user, reason=data["reason"], on=on)
    elif name == "supplement_received":
        services.receive_supplement(r, actor=user, note=data["note"], on=on)
    elif name == "third_party":
        services.ask_third_party(
            r, actor=user, third_party=data["third_party"], reason=data["reason"], on=on
        )
    elif name == "third_party_answered":
        services.third_party_answered(r, actor=user, note=data["note"], on=on)
    elif name == "extend":
        services.extend(r, actor=user, days=data["days"], reason=data["reason"], on=on)
    elif name == "decide":
        referred = _organization_by_code(data["referred_to"])
        if data["referred_to"] and referred is None:
            raise ValidationError(
                _("No organization has the code “%(code)s”.") % {"code": data["referred_to"][:32]}
            )
        disclosure = None
        if data["disclosure"]:
            disclosure = Disclosure.objects.filter(pk=data["disclosure"]).first()
            if disclosure is None:
                raise ValidationError(_("No disclosure has this number."))
        services.decide(
            r,
            actor=user,
            decision=services.Decision(
                outcome=data["outcome"],
                reply_text=data["reply_text"],
                refusal_reason=data["refusal_reason"],
                legal_basis=data["legal_basis"],
                disclosure=disclosure,
                referred_to=referred,
            ),
            on=on,
        )
    elif name == "confirm":
        services.confirm(r, actor=user, note=data["note"], on=on)
    elif name == "return":
        services.return_refusal(r, actor=user, reason=data["reason"])
    elif name == "appeal":
        services.record_appeal(
            r, actor=user, appeal=data["appeal"], result=data["result"], note=data["note"]
        )


@require_POST
@console_view
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    r = _request(request, pk)
    if action not in FORMS:
        raise Http404
    form = FORMS[action](request.POST)
    if form.is_valid():
        try:
            _perform(action, r, request.user, form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, _("Recorded."))
            return redirect("inforequests_console:detail", r.pk)
    r.refresh_from_db()
    return render(
        request,
        "inforequests/console/detail.html",
        _detail_context(request, r, {action: form}),
        status=400,
    )


@require_safe
@console_view
def letter(request: HttpRequest, pk: int, kind: str, fmt: str) -> HttpResponse:
    r = _request(request, pk)
    if fmt not in documents.FORMATS or kind not in documents.available(r):
        raise Http404
    body = documents.render(r, kind, fmt)
    types = {
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
    response = HttpResponse(body, content_type=types[fmt])
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(documents.download_name(r, kind, fmt))}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _statistics_scope(request: HttpRequest) -> tuple[annual.Table, list[Organization]]:
    user = request.user
    choices = list(
        (
            permissions.request_handling_organizations(user)
            | permissions.request_filing_organizations(user)
        )
        .distinct()
        .order_by("path")[:500]
    )
    code = request.GET.get("org", "")
    org = _organization_by_code(code) if code else getattr(request, "org", None)
    if org is None or not (
        permissions.can_handle_requests(user, org)
        or permissions.can_see_request_filing(user, org)
        or permissions.can_view_in_console(user, org)
    ):
        raise Http404
    try:
        year = int(request.GET.get("year", "") or services.today().year)
    except ValueError:
        year = services.today().year
    year = min(max(year, 2000), 2099)
    subtree = request.GET.get("subtree", "1") != "0"
    return annual.table(org, year, subtree=subtree), choices


@require_safe
@console_view
def statistics_page(request: HttpRequest) -> HttpResponse:
    t, choices = _statistics_scope(request)
    return render(
        request,
        "inforequests/console/statistics.html",
        context(
            request,
            "request_statistics",
            t=t,
            title=annual.title(t),
            rows=annual.rows(t),
            choices=choices,
            query=request.GET.urlencode(),
        ),
    )


@require_safe
@console_view
def statistics_export(request: HttpRequest) -> HttpResponse:
    t, _choices = _statistics_scope(request)
    response = HttpResponse(
        annual.excel(t),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"{annual.title(t)}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
