"""Console pages of work summaries and assessments (mounted under /console/ by
gongkai/console/urls.py). Kept in this app with its templates and translations; they use the
console's layout, switcher and menu (gongkai.console.views.base).

An assessor may hold no staff role at all (a panel of party representatives, say): the
assessment pages let such a person in, and nothing else of the console."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from io import BytesIO
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongkai import permissions
from gongkai.compliance import obligations
from gongkai.console.views.base import NOT_IN_CONSOLE, console_view, context, current_org
from gongkai.reports import access, assessment, documents, exports, tasks
from gongkai.reports.forms import AssessorForm, PlanForm, ScoreForm, SummaryForm
from gongkai.reports.models import AssessmentPlan, Report
from gongkai.reports.summary import rate_text

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _download(content: Any, *, filename: str, fmt: str) -> HttpResponse:
    response = FileResponse(
        content, as_attachment=True, filename=filename, content_type=FORMATS[fmt]
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return cast(HttpResponse, response)


# --- summaries -------------------------------------------------------------------------------


def _managed_org(request: HttpRequest) -> Any:
    org = request.org  # type: ignore[attr-defined]
    if org is None or not access.can_manage(request.user, org):
        raise PermissionDenied(documents.NOT_ALLOWED)
    return org


def _report(request: HttpRequest, pk: int) -> Report:
    report = get_object_or_404(Report.objects.select_related("organization", "created_by"), pk=pk)
    if not access.can_read_report(request.user, report):
        raise Http404
    return report


@console_view
def reports(request: HttpRequest) -> HttpResponse:
    org = _managed_org(request)
    form = SummaryForm(request.POST or None, today=obligations.today())
    if request.method == "POST" and form.is_valid():
        report = documents.create(org, actor=request.user, window=form.cleaned_data["window"])
        # Rendered by the task worker (at once where the queue runs tasks immediately). The
        # row is committed already: requests run in autocommit.
        tasks.render_summary.enqueue(report.pk)
        report.refresh_from_db()
        if report.status == Report.Status.READY:
            messages.success(request, _("The summary is ready to download."))
        elif report.status == Report.Status.PENDING:
            messages.info(
                request, _("The summary is being produced; reload this page in a moment.")
            )
        else:
            messages.error(
                request, _("The summary could not be produced: %(why)s") % {"why": report.failure}
            )
        return redirect("console:report", pk=report.pk)
    listed = Report.objects.filter(organization=org).select_related("created_by")[:100]
    return render(
        request,
        "reports/console/reports.html",
        context(request, "reports", form=form, reports=listed),
    )


@console_view
def report(request: HttpRequest, pk: int) -> HttpResponse:
    item = _report(request, pk)
    data = item.figures or {}
    return render(
        request,
        "reports/console/report.html",
        context(
            request,
            "reports",
            report=item,
            data=data,
            totals=_rates(data.get("totals", {})),
            subordinates=[_rates(r) for r in data.get("subordinates", [])],
            can_render=access.can_manage(request.user, item.organization),
        ),
    )


def _rates(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "on_time_rate_text": rate_text(row.get("on_time_rate")),
        "coverage_text": rate_text(row.get("coverage")),
    }


@console_view
@require_POST
def report_render(request: HttpRequest, pk: int) -> HttpResponse:
    item = _report(request, pk)
    if not access.can_manage(request.user, item.organization):
        raise PermissionDenied(documents.NOT_ALLOWED)
    done = documents.render_summary(item.pk)
    if done.status == Report.Status.READY:
        messages.success(request, _("The summary was produced again from today's figures."))
    else:
        messages.error(
            request, _("The summary could not be produced: %(why)s") % {"why": done.failure}
        )
    return redirect("console:report", pk=item.pk)


@console_view
def report_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    item = _report(request, pk)
    field = {"docx": item.docx, "pdf": item.pdf}.get(fmt)
    if field is None or not field.name or item.status != Report.Status.READY:
        raise Http404
    return _download(field.open("rb"), filename=documents.download_name(item, fmt), fmt=fmt)


# --- assessments -----------------------------------------------------------------------------


def assessment_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, and either staff (the console) or an assessor of some plan."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        staff = permissions.can_use_console(request.user)
        if not staff and not access.has_assessor_seat(request.user):
            raise PermissionDenied(NOT_IN_CONSOLE)
        request.org = current_org(request) if staff else None  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def _plan(request: HttpRequest, pk: int) -> AssessmentPlan:
    plan = get_object_or_404(AssessmentPlan.objects.select_related("organization"), pk=pk)
    if not access.can_view_plan(request.user, plan):
        raise Http404
    return plan


@assessment_view
def assessments(request: HttpRequest) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    plans = access.plans_for(request.user).select_related("organization")[:200]
    return render(
        request,
        "reports/console/assessments.html",
        context(
            request,
            "assessments",
            plans=plans,
            can_define=org is not None and access.can_manage(request.user, org),
        ),
    )


@console_view
def assessment_new(request: HttpRequest) -> HttpResponse:
    org = _managed_org(request)
    form = PlanForm(request.POST or None, today=obligations.today())
    if request.method == "POST" and form.is_valid():
        try:
            plan = assessment.create_plan(
                org,
                actor=request.user,
                title=form.cleaned_data["title"],
                window=form.cleaned_data["window"],
                criteria=form.cleaned_data["specs"],
                reach=form.cleaned_data["reach"],
                public_summary=form.cleaned_data["public_summary"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The plan is saved. Add its assessors, then open scoring."))
            return redirect("console:assessment", pk=plan.pk)
    return render(
        request,
        "reports/console/plan_form.html",
        context(request, "assessments", form=form, plan=None, why=assessment.UNAVAILABLE_REASON),
    )


@console_view
def assessment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    if not access.can_manage_plan(request.user, plan):
        raise PermissionDenied(assessment.NOT_ALLOWED)
    if plan.status != AssessmentPlan.Status.DRAFT:
        messages.error(request, str(assessment.WRONG_STATE % {"state": plan.get_status_display()}))
        return redirect("console:assessment", pk=plan.pk)
    form = PlanForm(request.POST or None, initial=PlanForm.initial_for(plan))
    if request.method == "POST" and form.is_valid():
        try:
            assessment.change_plan(
                plan,
                actor=request.user,
                title=form.cleaned_data["title"],
                window=form.cleaned_data["window"],
                criteria=form.cleaned_data["specs"],
                reach=form.cleaned_data["reach"],
                public_summary=form.cleaned_data["public_summary"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The plan is saved."))
            return redirect("console:assessment", pk=plan.pk)
    return render(
        request,
        "reports/console/plan_form.html",
        context(request, "assessments", form=form, plan=plan, why=assessment.UNAVAILABLE_REASON),
    )


@assessment_view
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    user = request.user
    manage = access.can_manage_plan(user, plan)
    return render(
        request,
        "reports/console/assessment.html",
        context(
            request,
            "assessments",
            plan=plan,
            result=assessment.result(plan),
            criteria=list(plan.criteria.all()),
            assessors=list(plan.assessors.select_related("user")),
            can_manage=manage,
            can_score=access.can_score(user, plan),
            can_open=assessment.can_move(user, plan, "open"),
            can_publish=assessment.can_move(user, plan, "publish"),
            assessor_form=AssessorForm() if manage and plan.status != "published" else None,
            events=plan.events.select_related("actor")[:50] if manage else [],
        ),
    )


@assessment_view
@require_POST
def assessment_assessor_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = AssessorForm(request.POST)
    if form.is_valid():
        try:
            assessment.add_assessor(plan, actor=request.user, user=form.cleaned_data["login"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("The assessor is added."))
    else:
        messages.error(
            request, "；".join(str(e) for errors in form.errors.values() for e in errors)
        )
    return redirect("console:assessment", pk=plan.pk)


@assessment_view
@require_POST
def assessment_assessor_remove(request: HttpRequest, pk: int, seat: int) -> HttpResponse:
    plan = _plan(request, pk)
    found = plan.assessors.filter(pk=seat).select_related("user").first()
    if found is None:
        raise Http404
    try:
        assessment.remove_assessor(plan, actor=request.user, user=found.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("The assessor is removed."))
    return redirect("console:assessment", pk=plan.pk)


@assessment_view
@require_POST
def assessment_move(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    plan = _plan(request, pk)
    if action not in assessment.MOVES:
        raise Http404
    try:
        if action == "open":
            assessment.open_scoring(plan, actor=request.user)
            messages.success(request, _("Scoring is open: the assessors can enter their scores."))
        else:
            assessment.publish(plan, actor=request.user)
            messages.success(request, _("The result is published."))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("console:assessment", pk=plan.pk)


@assessment_view
def assessment_score(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    if not access.can_score(request.user, plan):
        raise PermissionDenied(assessment.NOT_AN_ASSESSOR)
    user: Any = request.user  # signed in: assessment_view checked
    seat = plan.assessors.get(user=user)
    criteria = list(plan.criteria.filter(kind__in=assessment.PANEL))
    orgs = assessment.assessed(plan)
    mine = {
        (s.organization_id, s.criterion.kind): s.score
        for s in seat.scores.select_related("criterion")
    }
    initial = {ScoreForm.name(o, c): mine.get((o.pk, c.kind)) for o in orgs for c in criteria}
    form = ScoreForm(request.POST or None, initial=initial, organizations=orgs, criteria=criteria)
    if request.method == "POST" and form.is_valid():
        try:
            changed = assessment.enter_scores(plan, actor=request.user, scores=form.scores())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(n)d scores saved.") % {"n": changed})
            return redirect("console:assessment", pk=plan.pk)
    return render(
        request,
        "reports/console/score.html",
        context(request, "assessments", plan=plan, form=form, criteria=criteria),
    )


@assessment_view
def assessment_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    plan = _plan(request, pk)
    data = assessment.result(plan)
    if fmt == "xlsx":
        content = exports.xlsx(plan, data)
    elif fmt == "pdf":
        content = exports.pdf(plan, data)
    else:
        raise Http404

    return _download(BytesIO(content), filename=exports.download_name(plan, fmt), fmt=fmt)
