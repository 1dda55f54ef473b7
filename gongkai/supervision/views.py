"""Console pages of supervision (mounted under /console/supervision/ by gongkai/console/
urls.py), with the console's layout, switcher and menu.

The records pages are read-only for everyone (`require_safe`: a POST is refused with 405,
and they carry no action buttons); every one of them writes a row to the view log first.
Findings and accountability records change only through `workflow`.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from gongkai import permissions
from gongkai.compliance.models import Obligation
from gongkai.compliance.models import State as ObligationState
from gongkai.console.views.base import console_view, context
from gongkai.disclosures.models import Disclosure, Opinion, State
from gongkai.organizations.models import Organization, Role
from gongkai.supervision import log, visibility, workflow
from gongkai.supervision.files import content_type
from gongkai.supervision.forms import (
    AccountabilityForm,
    ConfirmForm,
    FindingForm,
    PublishForm,
    RectifyForm,
    ReopenForm,
)
from gongkai.supervision.models import (
    OWED_STATES,
    AccountabilityRecord,
    Finding,
    FindingAttachment,
    FindingState,
    Inspection,
    SupervisionGroup,
    SupervisionView,
)
from gongkai.validation import text_problem

LIST_LIMIT = 200
ACTION_FORMS = {
    "rectified": RectifyForm,
    "confirmed": ConfirmForm,
    "reopened": ReopenForm,
    "published": PublishForm,
}


def _org(code: str) -> Organization:
    if text_problem(code):  # a NUL would make PostgreSQL raise instead of matching nothing
        raise Http404
    return get_object_or_404(Organization.objects.select_related("parent"), code=code)


def _supervised(request: HttpRequest, org: Organization) -> None:
    if not permissions.can_read_supervised(request.user, org):
        raise PermissionDenied(_("You are not assigned to supervise %(org)s.") % {"org": org.name})


def supervised_organizations(user: Any) -> Any:
    """The organizations the person reads as a supervisor: `can_read_supervised` as a queryset."""
    paths = [
        r.organization.path for r in user.roles_cached if r.kind == Role.Kind.DISCIPLINE_SECRETARY
    ]
    return permissions.organizations_where(user, {Role.Kind.SUPERVISOR}) | (
        Organization.objects.within_any(paths)
    )


@console_view
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    on = workflow.today()
    assigned = supervised_organizations(user)
    orgs = list(assigned.order_by("path")[: LIST_LIMIT + 1])
    overdue = (
        Obligation.objects.filter(
            state=ObligationState.OVERDUE, organization__in=assigned.values("pk")
        )
        .select_related("organization")
        .order_by("due_date", "path")[:LIST_LIMIT]
        if orgs
        else []
    )
    owed = (
        Finding.objects.filter(visibility.handling_condition(user))
        .filter(state__in=(*OWED_STATES, FindingState.RECTIFIED))
        .select_related("organization")
        .order_by("due_date", "pk")[:LIST_LIMIT]
    )
    groups = SupervisionGroup.objects.filter(members=cast(Any, user)).prefetch_related(
        "organizations", "inspections"
    )
    return render(
        request,
        "supervision/console/home.html",
        context(
            request,
            "supervision",
            organizations=orgs[:LIST_LIMIT],
            more_organizations=len(orgs) > LIST_LIMIT,
            overdue=overdue,
            findings=[(f, f.is_overdue(on)) for f in owed],
            groups=groups,
        ),
    )


@console_view
@require_safe
def records(request: HttpRequest, code: str) -> HttpResponse:
    """An organization's records as a supervisor reads them: read only, logged."""
    org = _org(code)
    _supervised(request, org)
    log.record(request.user, org, SupervisionView.What.RECORDS, object_id=org.pk, label=org.name)
    disclosures = (
        Disclosure.objects.filter(organization=org)
        .exclude(state=State.DRAFT)
        .select_related("item")
        .order_by("-updated_at", "-pk")[:LIST_LIMIT]
    )
    obligations = Obligation.objects.filter(organization=org).order_by("-due_date", "pk")[
        :LIST_LIMIT
    ]
    opinions = (
        Opinion.objects.filter(disclosure__organization=org)
        .exclude(disclosure__state=State.DRAFT)
        .select_related("disclosure")
        .order_by("-received_at", "-pk")[:LIST_LIMIT]
    )
    return render(
        request,
        "supervision/console/records.html",
        context(
            request,
            "supervision",
            target=org,
            disclosures=disclosures,
            obligations=obligations,
            opinions=opinions,
            can_file=permissions.can_file_finding(request.user, org),
            can_see_log=permissions.can_see_view_log(request.user, org),
        ),
    )


@console_view
@require_safe
def disclosure(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        Disclosure.objects.select_related("organization", "item").exclude(state=State.DRAFT),
        pk=pk,
    )
    _supervised(request, item.organization)
    log.record(
        request.user,
        item.organization,
        SupervisionView.What.DISCLOSURE,
        object_id=item.pk,
        label=item.title,
    )
    return render(
        request,
        "supervision/console/disclosure.html",
        context(
            request,
            "supervision",
            d=item,
            revisions=item.revisions.order_by("-number"),
            events=item.events.select_related("actor").order_by("at", "pk"),
            opinions=item.opinions.order_by("received_at", "pk"),
            can_file=permissions.can_file_finding(request.user, item.organization),
        ),
    )


@console_view
@require_safe
def view_log(request: HttpRequest, code: str) -> HttpResponse:
    org = _org(code)
    if not permissions.can_see_view_log(request.user, org):
        raise PermissionDenied(
            _(
                "Only the principal, the leading-group office and the discipline committee read this log."
            )
        )
    return render(
        request,
        "supervision/console/view_log.html",
        context(request, "view_log", target=org, views=log.of(org)[:500]),
    )


# --- findings --------------------------------------------------------------------------------


@console_view
@require_safe
def findings(request: HttpRequest) -> HttpResponse:
    on = workflow.today()
    state = request.GET.get("state", "")
    qs = Finding.objects.filter(visibility.handling_condition(request.user)).select_related(
        "organization", "filed_by"
    )
    if state in FindingState.values:
        qs = qs.filter(state=state)
    elif state == "overdue":
        qs = qs.overdue(on)
    rows = [(f, f.is_overdue(on)) for f in qs.order_by("-filed_at", "-pk")[:LIST_LIMIT]]
    return render(
        request,
        "supervision/console/findings.html",
        context(
            request,
            "findings",
            rows=rows,
            state=state,
            states=[("", _("All")), ("overdue", _("Overdue")), *FindingState.choices],
        ),
    )


def _pick(model: Any, org: Organization, raw: str | None) -> Any:
    if not raw or not raw.isdigit() or len(raw) > 18:
        return None
    return model.objects.filter(organization=org, pk=int(raw)).first()


@console_view
def finding_new(request: HttpRequest, code: str) -> HttpResponse:
    org = _org(code)
    if not permissions.can_file_finding(request.user, org):
        raise PermissionDenied(workflow.NOT_A_SUPERVISOR % {"org": org.name})
    about_disclosure = _pick(Disclosure, org, request.GET.get("disclosure"))
    about_obligation = _pick(Obligation, org, request.GET.get("obligation"))
    form = FindingForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = workflow.file_finding(
                org,
                actor=request.user,
                category=data["category"],
                description=data["description"],
                deadline_days=data["deadline_days"],
                disclosure=about_disclosure,
                obligation=about_obligation,
                inspection=_current_inspection(request.user, org),
                uploads=data["uploads"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The finding was filed; the organization has been told."))
            return redirect("console:supervision_finding", pk=made.pk)
    return render(
        request,
        "supervision/console/finding_new.html",
        context(
            request,
            "findings",
            target=org,
            form=form,
            about_disclosure=about_disclosure,
            about_obligation=about_obligation,
        ),
    )


def _current_inspection(user: Any, org: Organization) -> Any:
    """The latest round of a group the person sits in that checks `org`, if any."""
    return (
        Inspection.objects.filter(group__members=user, group__organizations=org)
        .order_by("-started_on", "-pk")
        .first()
    )


def _finding(request: HttpRequest, pk: int) -> Finding:
    found = get_object_or_404(
        Finding.objects.select_related(
            "organization", "filed_by", "disclosure", "obligation", "inspection__group"
        ),
        pk=pk,
    )
    if not visibility.can_handle_finding(request.user, found.organization):
        raise Http404
    return found


@console_view
@require_safe
def finding(request: HttpRequest, pk: int) -> HttpResponse:
    found = _finding(request, pk)
    return _finding_page(request, found, {})


def _finding_page(
    request: HttpRequest, found: Finding, bound: dict[str, Any], status: int = 200
) -> HttpResponse:
    on = workflow.today()
    allowed = workflow.allowed_actions(found, request.user)
    forms_ = {action: bound.get(action) or ACTION_FORMS[action]() for action in allowed}
    return render(
        request,
        "supervision/console/finding.html",
        context(
            request,
            "findings",
            f=found,
            overdue=found.is_overdue(on),
            evidence=found.attachments.filter(purpose=FindingAttachment.Purpose.EVIDENCE),
            proof=found.attachments.filter(purpose=FindingAttachment.Purpose.RECTIFICATION),
            events=found.events.select_related("actor"),
            forms=forms_,
            records=found.records.filter(visibility.record_condition(request.user)),
            can_record=_may_record(request.user, found),
        ),
        status=status,
    )


@console_view
@require_POST
def finding_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    found = _finding(request, pk)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404
    form = form_class(request.POST, request.FILES or None)
    if not form.is_valid():
        return _finding_page(request, found, {action: form}, status=400)
    data = form.cleaned_data
    try:
        if action == "rectified":
            workflow.rectify(found, actor=request.user, text=data["text"], uploads=data["uploads"])
        elif action == "confirmed":
            workflow.confirm(found, actor=request.user, note=data["note"])
        elif action == "reopened":
            workflow.reopen(
                found,
                actor=request.user,
                reason=data["reason"],
                deadline_days=data.get("deadline_days"),
            )
        else:
            workflow.publish(found, actor=request.user, scope=data["scope"])
    except ValidationError as exc:
        form.add_error(None, exc)
        return _finding_page(request, found, {action: form}, status=400)
    messages.success(request, _("Done."))
    return redirect("console:supervision_finding", pk=found.pk)


@console_view
@require_safe
def finding_file(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    found = _finding(request, pk)
    row = get_object_or_404(FindingAttachment, finding=found, pk=file_pk)
    response = FileResponse(
        row.file.open("rb"), as_attachment=False, filename=row.name, content_type=content_type(row)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return cast(HttpResponse, response)


# --- accountability --------------------------------------------------------------------------


def _may_record(user: Any, found: Finding) -> bool:
    deciding = _deciding(user, found.organization)
    return deciding is not None and permissions.can_decide_accountability(
        user, deciding, found.organization
    )


def _deciding(user: Any, request_org: Organization | None) -> Organization | None:
    """Where the person decides as the discipline committee: the current organization if
    they are its discipline secretary, else the first where they are."""
    mine = [r.organization for r in user.roles_cached if r.kind == Role.Kind.DISCIPLINE_SECRETARY]
    if request_org is not None and request_org in mine:
        return request_org
    return min(mine, key=lambda o: o.path) if mine else None


@console_view
@require_safe
def accountability(request: HttpRequest) -> HttpResponse:
    rows = (
        AccountabilityRecord.objects.visible_to(request.user)
        .select_related("organization", "deciding_organization")
        .order_by("-decision_date", "-pk")[:LIST_LIMIT]
    )
    deciding = _deciding(request.user, getattr(request, "org", None))
    return render(
        request,
        "supervision/console/accountability.html",
        context(request, "accountability", rows=rows, can_record=deciding is not None),
    )


@console_view
def accountability_new(request: HttpRequest) -> HttpResponse:
    deciding = _deciding(request.user, getattr(request, "org", None))
    if deciding is None:
        raise PermissionDenied(workflow.NOT_DISCIPLINE % {"org": _("any organization")})
    subtree = Organization.objects.subtree(deciding)
    # From a finding's page: the finding and its organization filled in.
    about = None
    raw = request.GET.get("finding", "")
    if raw.isdigit() and len(raw) < 19:
        about = Finding.objects.filter(pk=int(raw), organization__in=subtree.values("pk")).first()
    initial = {"findings": [about.pk], "organization": about.organization_id} if about else {}
    form = AccountabilityForm(
        request.POST or None,
        initial=initial,
        organizations=subtree.order_by("path"),
        findings=Finding.objects.filter(organization__in=subtree.values("pk"))
        .select_related("organization")
        .order_by("-filed_at")[:LIST_LIMIT]
        if request.method != "POST"
        else Finding.objects.filter(organization__in=subtree.values("pk")).select_related(
            "organization"
        ),
        obligations=Obligation.objects.filter(
            Q(state=ObligationState.OVERDUE) | Q(state=ObligationState.LATE),
            organization__in=subtree.values("pk"),
        )
        .select_related("organization", "event", "plan")
        .order_by("-due_date"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = workflow.record_accountability(
                data["organization"],
                actor=request.user,
                deciding=deciding,
                person_name=data["person_name"],
                person_position=data["person_position"],
                measure=data["measure"],
                facts=data["facts"],
                decision_date=data["decision_date"],
                scope=data["scope"],
                findings=data["findings"],
                obligations=data["obligations"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The accountability record was saved."))
            return redirect("console:supervision_accountability_record", pk=made.pk)
    if request.method != "POST":
        form.fields["obligations"].queryset = form.fields["obligations"].queryset[:LIST_LIMIT]  # type: ignore[attr-defined]
    return render(
        request,
        "supervision/console/accountability_new.html",
        context(request, "accountability", form=form, deciding=deciding),
    )


@console_view
@require_safe
def accountability_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(
        AccountabilityRecord.objects.select_related(
            "organization", "deciding_organization", "decided_by"
        ),
        pk=pk,
    )
    if not visibility.can_see_record(request.user, record):
        raise Http404
    return render(
        request,
        "supervision/console/accountability_record.html",
        context(
            request,
            "accountability",
            r=record,
            facts=workflow.published_facts(record),
            findings=record.findings.filter(visibility.handling_condition(request.user)),
            obligations=record.obligations.select_related("organization"),
        ),
    )
