"""Console pages of the disclosure workflow: the to-do lists, drafting from the item's form,
and the review screen. Every move goes through gongkai.disclosures.workflow."""

from __future__ import annotations

import difflib
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongkai import permissions
from gongkai.catalog.effective import effective_catalog
from gongkai.catalog.models import Catalog
from gongkai.console import disclosure_forms as dforms
from gongkai.console.disclosure_forms import DraftForm
from gongkai.console.views.base import console_view, context
from gongkai.core.views import refusal_text
from gongkai.disclosures import attachments, scanning, workflow
from gongkai.disclosures.models import Disclosure, State
from gongkai.disclosures.visibility import published_content
from gongkai.organizations.models import Role

Kind = Role.Kind


def _disclosure(request: HttpRequest, pk: int) -> Disclosure:
    disclosure = (
        Disclosure.objects.select_related(
            "organization", "organization__parent", "item", "published_revision"
        )
        .filter(pk=pk)
        .first()
    )
    if disclosure is None or not permissions.can_view_in_console(
        request.user, disclosure.organization
    ):
        raise Http404
    return disclosure


@console_view
def todo(request: HttpRequest) -> HttpResponse:
    """我的待办: what each of the person's roles asks of them now."""
    user: Any = request.user
    base = Disclosure.objects.select_related("organization", "item").order_by("-updated_at")
    drafting = permissions.organizations_where(user, {Kind.CLERK}).values("pk")
    reviewing = permissions.organizations_where(user, permissions.REVIEW_KINDS).values("pk")
    lists = [
        (_("Returned to you"), base.filter(organization__in=drafting, state=State.RETURNED)),
        (_("Drafts"), base.filter(organization__in=drafting, state=State.DRAFT)),
        (_("Approved, to publish"), base.filter(organization__in=drafting, state=State.APPROVED)),
        (_("In consultation"), base.filter(organization__in=drafting, state=State.CONSULTATION)),
        (
            _("To review"),
            base.filter(organization__in=reviewing, state__in=[State.SUBMITTED, State.REVIEWED]),
        ),
        (
            _("To review as the superior"),
            base.filter(organization__parent__in=reviewing, state=State.SUPERIOR_REVIEW),
        ),
    ]
    org = request.org  # type: ignore[attr-defined]
    items = []
    if org is not None and permissions.can_draft(user, org):
        catalog = Catalog.objects.filter(organization=org, version__gt=0).first()
        if catalog is not None:
            items = effective_catalog(catalog).categories
    return render(
        request,
        "console/disclosures/todo.html",
        context(
            request, "todo", lists=[(title, list(qs[:50])) for title, qs in lists], categories=items
        ),
    )


def _schema(disclosure_or_item: Any) -> dict[str, Any]:
    return (getattr(disclosure_or_item, "form", None) or {}) if disclosure_or_item else {}


@console_view
def draft(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Start a draft for a catalog item, or edit a draft or returned disclosure."""
    user: Any = request.user
    org = request.org  # type: ignore[attr-defined]
    disclosure = _disclosure(request, pk) if pk else None
    if disclosure is not None:
        org = disclosure.organization
        item: Any = disclosure.item
    else:
        if org is None:
            raise Http404
        try:
            _catalog, effective = workflow.effective_item(
                org, request.GET.get("item", "") or request.POST.get("item", "")
            )
        except ValidationError as exc:
            messages.error(request, refusal_text(exc))
            return redirect("console:todo")
        item = effective
    if not permissions.can_draft(user, org):
        raise PermissionDenied
    schema = _schema(item)
    if disclosure is not None:
        initial = DraftForm.initial_for(disclosure, schema)
    else:
        initial = {"title": item.value("name"), "channels": list(item.value("channels") or [])}
    form = DraftForm(request.POST or None, schema=schema, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = _save_draft(request, form, disclosure, org, item)
        if saved is not None:
            return saved
    returned = (
        disclosure.events.filter(action=workflow.Action.RETURN).order_by("-at", "-pk").first()
        if disclosure is not None
        else None
    )
    return render(
        request,
        "console/disclosures/draft.html",
        context(
            request,
            "todo",
            disclosure=disclosure,
            item=item,
            schema=schema,
            form=form,
            errors=form.error_summary() if form.is_bound else [],
            grid=form.table_check if form.is_bound and form.table_check else None,
            returned=returned,
        ),
    )


def _save_draft(
    request: HttpRequest, form: DraftForm, disclosure: Disclosure | None, org: Any, item: Any
) -> HttpResponse | None:
    """Write a valid draft form; None when the workflow refused (the errors are on the form)."""
    user: Any = request.user
    data = form.cleaned_data
    try:
        if disclosure is None:
            disclosure = workflow.create_disclosure(
                org,
                actor=user,
                item_key=item.key,
                title=data["title"],
                body=data["body"],
                data=form.data_values,
                period=data["period"],
                event_date=data["event_date"],
                beyond_authority=data["beyond_authority"],
                channels=data["channels"],
            )
        else:
            workflow.edit_draft(
                disclosure,
                actor=user,
                title=data["title"],
                body=data["body"],
                data=form.data_values,
                channels=data["channels"],
                period=data["period"],
                event_date=data["event_date"],
            )
    except ValidationError as exc:
        _errors_onto(form, exc)
        return None
    if request.POST.get("then") == "submit":
        try:
            workflow.submit(disclosure, actor=user)
            messages.success(request, _("Submitted for review."))
        except ValidationError as exc:
            messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("The draft is saved."))
    return redirect("console:disclosure", disclosure.pk)


def _errors_onto(form: Any, exc: ValidationError) -> None:
    """A domain refusal shown at the form's fields where it names one, else at the top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = name if name in form.fields else None
            form.add_error(target, [m for e in errors for m in e.messages])
    else:
        form.add_error(None, exc.messages)


def _diff(before: str, after: str) -> list[tuple[str, str]]:
    out = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("? "):
            continue
        out.append(({"+ ": "added", "- ": "removed"}.get(line[:2], "same"), line[2:]))
    return out


@console_view
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _disclosure(request, pk))


def _detail(
    request: HttpRequest,
    disclosure: Disclosure,
    *,
    posted: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user: Any = request.user
    revisions = list(disclosure.revisions.order_by("number"))
    diff = []
    if len(revisions) >= 2:
        a, b = revisions[-2], revisions[-1]
        diff = _diff(f"{a.title}\n{a.body}\n{a.data}", f"{b.title}\n{b.body}\n{b.data}")
    findings = workflow.findings(disclosure)
    preview = published_content(disclosure, revisions[-1]) if revisions else None
    found_kinds = sorted({f.kind for f in findings if f.kind in scanning.PERSONAL_KINDS})
    response = render(
        request,
        "console/disclosures/detail.html",
        context(
            request,
            "todo",
            d=disclosure,
            revisions=revisions,
            diff=diff,
            findings=findings,
            preview=preview,
            found_kinds=[(k, scanning.KIND_LABELS[k]) for k in found_kinds],
            actions=workflow.allowed_actions(user, disclosure),
            checklist=workflow.SECRECY_CHECKLIST.items(),
            events=disclosure.events.select_related("actor").order_by("at", "pk"),
            opinions=disclosure.opinions.order_by("received_at", "pk"),
            files=disclosure.attachments.filter(removed=False),
            schema=_schema(disclosure.item),
            posted=posted or {},
            can_edit=disclosure.state in (State.DRAFT, State.RETURNED)
            and permissions.can_draft(user, disclosure.organization),
        ),
    )
    response.status_code = status
    return response


@console_view
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Perform one move; on refusal show the page again with the message and what was typed."""
    if request.method != "POST":
        return redirect("console:disclosure", pk)
    disclosure = _disclosure(request, pk)
    user: Any = request.user
    forms_by_action: dict[str, type[Any]] = {
        "open_consultation": dforms.ConsultationForm,
        "review": dforms.ReviewForm,
        "return": dforms.ReasonForm,
        "withdraw": dforms.ReasonForm,
        "publish": dforms.PublishForm,
        "correct": dforms.CorrectionForm,
    }
    form = forms_by_action.get(action, dforms.NoInputForm)(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(dforms.form_errors(form)))
        return _detail(request, disclosure, posted=request.POST.dict(), status=400)
    got = form.cleaned_data
    moves = {
        "submit": lambda: workflow.submit(disclosure, actor=user),
        "open_consultation": lambda: workflow.open_consultation(
            disclosure, actor=user, days=got["days"] or 5
        ),
        "close_consultation": lambda: workflow.close_consultation(disclosure, actor=user),
        "review": lambda: workflow.review(
            disclosure,
            actor=user,
            checklist=form.checklist(),
            mask_exceptions=form.mask_exceptions(),
            secret_clearance=got["secret_clearance"],
        ),
        "approve": lambda: workflow.approve(disclosure, actor=user),
        "superior_approve": lambda: workflow.superior_approve(disclosure, actor=user),
        "return": lambda: workflow.return_to_clerk(disclosure, actor=user, reason=got["reason"]),
        "publish": lambda: workflow.publish(
            disclosure, actor=user, publish_from=got["publish_from"]
        ),
        "archive": lambda: workflow.archive(disclosure, actor=user),
        "end_publicity": lambda: workflow.end_publicity(disclosure, actor=user),
        "withdraw": lambda: workflow.withdraw(disclosure, actor=user, reason=got["reason"]),
        "correct": lambda: workflow.correct(
            disclosure,
            actor=user,
            reason=got["reason"],
            title=got["title"],
            body=got["body"],
        ),
    }
    if action not in moves:
        raise Http404
    try:
        moves[action]()
    except (ValidationError, PermissionDenied) as exc:
        text = refusal_text(exc)
        messages.error(request, text)
        return _detail(request, _disclosure(request, pk), posted=request.POST.dict(), status=400)
    messages.success(request, _("Done: %(action)s.") % {"action": workflow.Action(action).label})
    return redirect("console:disclosure", pk)


@console_view
def handle_opinion(request: HttpRequest, pk: int, opinion_pk: int) -> HttpResponse:
    disclosure = _disclosure(request, pk)
    opinion = disclosure.opinions.filter(pk=opinion_pk).first()
    if opinion is None or request.method != "POST":
        raise Http404
    form = dforms.HandlingForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(dforms.form_errors(form)))
        return redirect("console:disclosure", pk)
    try:
        workflow.handle_opinion(opinion, actor=request.user, handling=form.cleaned_data["handling"])
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    return redirect("console:disclosure", pk)


@console_view
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    disclosure = _disclosure(request, pk)
    if request.method != "POST":
        return redirect("console:disclosure", pk)
    files = request.FILES.getlist("files")
    if not files:
        messages.error(request, _("Choose one or more files first."))
    for upload_file in files:
        try:
            attachments.attach(disclosure, upload_file, actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(request, _("“%(name)s” is attached.") % {"name": upload_file.name})
    return redirect("console:disclosure", pk)


@console_view
def remove_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    disclosure = _disclosure(request, pk)
    attachment = disclosure.attachments.filter(pk=attachment_pk, removed=False).first()
    if attachment is None or request.method != "POST":
        raise Http404
    try:
        attachments.remove(attachment, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    return redirect("console:disclosure", pk)
