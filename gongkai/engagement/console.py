"""Console pages of opinions: the list of what the person handles (filtered by organization,
state, overdue) and one opinion with its triage, assignment, answer, publication and history.
Only the handling staff (permissions.can_handle_opinions) see an opinion, and its sender."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from gongkai import permissions
from gongkai.accounts.models import User
from gongkai.console.views.base import console_view, context
from gongkai.disclosures import attachments as disclosure_files
from gongkai.engagement import services
from gongkai.engagement.forms import AnswerForm, AssignForm, PassOnForm, PublishForm, TriageForm
from gongkai.engagement.models import OPEN_STATES, Opinion, OpinionAttachment, State
from gongkai.organizations.models import Organization, Role
from gongkai.validation import text_problem

PAGE_SIZE = 50


def _opinion(request: HttpRequest, pk: int) -> Opinion:
    opinion = (
        Opinion.objects.select_related(
            "organization", "responsible", "responsible__parent", "assigned_to", "disclosure"
        )
        .filter(pk=pk)
        .first()
    )
    if opinion is None or not permissions.can_handle_opinions(request.user, opinion.responsible):
        raise Http404
    return opinion


@console_view
@require_http_methods(["GET", "HEAD"])
def opinion_list(request: HttpRequest) -> HttpResponse:
    orgs = permissions.opinion_organizations(request.user)
    qs = Opinion.objects.filter(responsible__in=orgs.values("pk")).select_related(
        "organization", "responsible", "assigned_to"
    )
    code = request.GET.get("org", "")
    if code and not text_problem(code):
        qs = qs.filter(responsible__code=code)
    state = request.GET.get("state", "")
    if state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif state in State.values:
        qs = qs.filter(state=state)
    today = timezone.localdate()
    if request.GET.get("overdue"):
        qs = qs.filter(state__in=OPEN_STATES, due_date__lt=today)
    page = Paginator(qs.order_by("-received_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "engagement/console/list.html",
        context(
            request,
            "opinions",
            page=page,
            today=today,
            states=State.choices,
            chosen_state=state,
            chosen_org=code,
            overdue=bool(request.GET.get("overdue")),
            handled=orgs.order_by("path")[:200],
        ),
    )


def _assignable(opinion: Opinion) -> list[tuple[int, str]]:
    roles = Role.objects.filter(
        organization=opinion.responsible,
        kind__in=services.ASSIGNABLE_ROLES,
        user__is_active=True,
    ).select_related("user")
    people = {r.user_id: r.user.display_name or r.user.username for r in roles}
    return sorted(people.items(), key=lambda p: p[1])


def _units(opinion: Opinion) -> list[tuple[str, str]]:
    """Where the opinion may be passed: the units directly below the handling one, and its
    superior (services.pass_on accepts any unit below)."""
    current = opinion.responsible
    below = Organization.objects.filter(parent=current, is_active=True).order_by("path")[:200]
    units = [(o.code, o.name) for o in below]
    if current.parent_id:
        parent = current.parent
        units.insert(0, (parent.code, parent.name))  # type: ignore[union-attr]
    return units


def _detail(request: HttpRequest, opinion: Opinion, **forms: Any) -> HttpResponse:
    people = _assignable(opinion)
    return render(
        request,
        "engagement/console/detail.html",
        context(
            request,
            "opinions",
            o=opinion,
            events=opinion.events.select_related("actor"),
            files=opinion.attachments.all(),
            overdue=services.is_overdue(opinion, timezone.localdate()),
            triage_form=forms.get("triage") or TriageForm(),
            assign_form=forms.get("assign")
            or AssignForm(
                people=people,
                initial={"assigned_to": opinion.assigned_to_id},
            ),
            answer_form=forms.get("answer") or AnswerForm(initial={"answer": opinion.answer}),
            publish_form=forms.get("publish") or PublishForm(initial={"scope": opinion.echo_scope}),
            pass_form=forms.get("pass_on") or PassOnForm(units=_units(opinion), prefix="pass"),
        ),
        status=400 if forms else 200,
    )


@console_view
@require_http_methods(["GET", "HEAD"])
def opinion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _opinion(request, pk))


def _form_error(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(
                name if name in form.fields else None, [m for e in errors for m in e.messages]
            )
    else:
        form.add_error(None, exc.messages)


@console_view
@require_POST
def opinion_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    opinion = _opinion(request, pk)
    user = request.user
    form: Any
    if action == "triage":
        form = TriageForm(request.POST)
    elif action == "assign":
        form = AssignForm(request.POST, people=_assignable(opinion))
    elif action == "answer":
        form = AnswerForm(request.POST)
    elif action == "pass_on":
        form = PassOnForm(request.POST, units=_units(opinion), prefix="pass")
    elif action in ("publish", "unpublish"):
        form = PublishForm(request.POST) if action == "publish" else None
    else:
        raise Http404
    if form is not None and not form.is_valid():
        return _detail(request, opinion, **{"publish" if action == "publish" else action: form})
    try:
        if action == "triage":
            services.triage(opinion, actor=user, **form.cleaned_data)
            done = _("Triage recorded.")
        elif action == "assign":
            services.assign(
                opinion,
                actor=user,
                to=User.objects.filter(pk=form.cleaned_data["assigned_to"]).first(),
            )
            done = _("Assigned.")
        elif action == "answer":
            services.answer(opinion, actor=user, text=form.cleaned_data["answer"])
            done = _("Answer recorded; the sender can read it with the tracking code.")
        elif action == "pass_on":
            services.pass_on(
                opinion,
                actor=user,
                to=Organization.objects.get(code=form.cleaned_data["to"]),
                reason=form.cleaned_data["reason"],
            )
            done = _("Passed to the other unit.")
        elif action == "publish":
            services.publish(opinion, actor=user, scope=form.cleaned_data["scope"])
            done = _("Published on the echo wall.")
        else:
            services.unpublish(opinion, actor=user)
            done = _("Taken off the echo wall.")
    except PermissionDenied:
        raise
    except ValidationError as exc:
        if form is None:
            messages.error(request, " ".join(exc.messages))
            return redirect("engagement_console:detail", pk=opinion.pk)
        _form_error(form, exc)
        return _detail(request, opinion, **{action: form})
    messages.success(request, done)
    return redirect("engagement_console:detail", pk=opinion.pk)


@console_view
@require_safe
def opinion_file(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    """A file sent with the opinion, for the handling staff only (404 to anyone else, like the
    opinion itself): always a download, never shown inline, its type never sniffed."""
    opinion = _opinion(request, pk)
    row = get_object_or_404(OpinionAttachment, opinion=opinion, pk=file_pk)
    return file_response(row)


def file_response(row: OpinionAttachment) -> HttpResponse:
    response = FileResponse(
        row.file.open("rb"),
        as_attachment=True,
        filename=row.name,
        content_type=disclosure_files.ALLOWED.get(row.kind, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return cast(HttpResponse, response)
