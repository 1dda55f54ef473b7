"""Console pages of the disclosure workflow: drafting from the item's form (for one of its
obligations, or none), and the review screen. Every move goes through
gongkai.disclosures.workflow. The to-do list is in `compliance`."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongkai import permissions, validation
from gongkai.console import disclosure_forms as dforms
from gongkai.console.disclosure_forms import DraftForm
from gongkai.console.views import compliance
from gongkai.console.views.base import console_view, context
from gongkai.disclosures import attachments, scanning, schedule_warnings, workflow
from gongkai.disclosures.models import PUBLIC_STATES, Disclosure, State
from gongkai.ledger import log as ledger
from gongkai.organizations.models import Role
from gongkai.portal.content import content_context
from gongkai.portal.diff import revision_diff
from gongkai.supervision import log as supervision_log
from gongkai.web.views import refusal_text

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


def _schema(disclosure_or_item: Any) -> dict[str, Any]:
    return (getattr(disclosure_or_item, "form", None) or {}) if disclosure_or_item else {}


@console_view
def draft(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Start a draft for a catalog item, or edit a draft or returned disclosure."""
    user: Any = request.user
    org = request.org  # type: ignore[attr-defined]
    disclosure = _disclosure(request, pk) if pk else None
    # Drafting for an obligation (the to-do list's 起草): its organization, item and key.
    obligation = compliance.obligation_for_draft(request) if disclosure is None else None
    if disclosure is not None:
        org = disclosure.organization
        item: Any = disclosure.item
    else:
        if obligation is not None:
            org = obligation.organization
        if org is None:
            raise Http404
        try:
            _catalog, effective = workflow.effective_item(
                org,
                obligation.item_key
                if obligation is not None
                else request.GET.get("item", "") or request.POST.get("item", ""),
            )
        except ValidationError as exc:
            messages.error(request, refusal_text(exc))
            return redirect("console:todo")
        item = effective
    if not permissions.can_draft(user, org):
        raise PermissionDenied
    # A draft keeps the form its item had when it was made (the rules snapshot).
    schema = (disclosure.rule("form") or {}) if disclosure is not None else _schema(item)
    if disclosure is not None:
        initial = DraftForm.initial_for(disclosure, schema)
    else:
        initial = {"title": item.value("name"), "channels": list(item.value("channels") or [])}
        if obligation is not None:
            initial["period_key"] = compliance.worklists.chain_base(obligation)
    keys = compliance.period_keys(org, item.key, disclosure.period_key if disclosure else "")
    form = DraftForm(request.POST or None, schema=schema, initial=initial, period_keys=keys.choices)
    if request.method == "POST" and form.is_valid():
        saved = _save_draft(request, form, disclosure, org, item, keys.labels)
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
            obligation=obligation,
        ),
    )


def _save_draft(
    request: HttpRequest,
    form: DraftForm,
    disclosure: Disclosure | None,
    org: Any,
    item: Any,
    period_labels: dict[str, str],
) -> HttpResponse | None:
    """Write a valid draft form; None when the workflow refused (the errors are on the form)."""
    user: Any = request.user
    data = form.cleaned_data
    period_key = data["period_key"]
    # No period typed: the obligation's own label (an event's title, a plan's stage).
    period = data["period"] or period_labels.get(period_key, "")[: validation.PERIOD_MAX]
    try:
        if disclosure is None:
            disclosure = workflow.create_disclosure(
                org,
                actor=user,
                item_key=item.key,
                title=data["title"],
                body=data["body"],
                data=form.data_values,
                period=period,
                event_date=data["event_date"],
                beyond_authority=data["beyond_authority"],
                channels=data["channels"],
                period_key=period_key,
            )
        else:
            workflow.edit_draft(
                disclosure,
                actor=user,
                title=data["title"],
                body=data["body"],
                data=form.data_values,
                channels=data["channels"],
                period=period,
                event_date=data["event_date"],
                period_key=period_key,
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


@console_view
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    disclosure = _disclosure(request, pk)
    # A supervisor's read is logged on every page that shows the record (gongkai.supervision).
    supervision_log.console_read(
        request.user, disclosure.organization, "disclosure", object_id=pk, label=disclosure.title
    )
    return _detail(request, disclosure)


def _detail(
    request: HttpRequest,
    disclosure: Disclosure,
    *,
    posted: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user: Any = request.user
    revisions = list(disclosure.revisions.order_by("number"))
    # Side by side, as the public page would show each revision (portal.diff).
    diff = revision_diff(disclosure, revisions[-2], revisions[-1]) if len(revisions) >= 2 else None
    findings = workflow.findings(disclosure)
    # The public page's own content block for the newest revision (portal.content).
    preview = content_context(disclosure, revisions[-1]) if revisions else None
    consultation_days = workflow.consultation_bounds(disclosure.rules or {})
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
            date_warnings=schedule_warnings.warnings(disclosure),
            files=_files(request, disclosure),
            schema=disclosure.rule("form") or {},
            consultation_days=consultation_days,
            scheduled=disclosure.is_scheduled(),
            handling_open=disclosure.state not in PUBLIC_STATES,
            uncleared=workflow.uncleared_markings(disclosure),
            ledger_entries=ledger.sealed_view(disclosure),
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
            # Empty means the item's own length; the workflow holds it to the item's bounds.
            disclosure,
            actor=user,
            days=got["days"],
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
            secret_clearance=got["secret_clearance"],
            # After publication a handling changes only with a correction and its reason.
            handlings={
                o.pk: validation.check_text(
                    request.POST[f"handling_{o.pk}"], max_length=validation.REASON_MAX
                )
                for o in disclosure.opinions.all()
                if f"handling_{o.pk}" in request.POST
                and request.POST[f"handling_{o.pk}"].strip() != o.handling
            }
            or None,
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


def _files(request: HttpRequest, disclosure: Disclosure) -> list[dict[str, Any]]:
    """Each file as the reviewer must judge it: what could not be read as text, what the
    scan found and where, whether the public will get the original, and the masked text
    the public gets otherwise."""
    reviewer = permissions.can_review(request.user, disclosure.organization) or (
        permissions.can_review_as_superior(request.user, disclosure.organization)
    )
    return [
        {
            "file": a,
            "unread": a.unread or [],
            "findings": [
                (
                    attachments.part_label(part)
                    if part != attachments.FILE_NAME
                    else _("file name"),
                    f,
                )
                for part, f in attachments.located_findings(a)
            ],
            "public_name": attachments.published_name(disclosure, a),
            "original_public": attachments.original_is_public(disclosure, a),
            "public_parts": attachments.published_parts(disclosure, a),
            "can_check": reviewer
            and attachments.needs_visual_check(a)
            and disclosure.state in attachments.REVIEW_STATES,
        }
        for a in disclosure.attachments.filter(removed=False).select_related("checked_by")
    ]


@console_view
def attachment_original(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """The original file for the staff who may see the disclosure in the console: the
    reviewer must be able to look at a picture or a scan before recording the check."""
    disclosure = _disclosure(request, pk)
    attachment = disclosure.attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=attachment.kind not in ("png", "jpg"),  # a picture opens in the tab
        filename=attachments.download_name(disclosure, attachment),
        content_type=attachments.ALLOWED[attachment.kind],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    # A streaming response; console_view only passes it through.
    return cast(HttpResponse, response)


@console_view
def check_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """A reviewer records that a file which cannot be read as text was checked by eye."""
    disclosure = _disclosure(request, pk)
    attachment = disclosure.attachments.filter(pk=attachment_pk, removed=False).first()
    if attachment is None or request.method != "POST":
        raise Http404
    try:
        attachments.record_visual_check(attachment, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(
            request, _("“%(name)s” is recorded as checked by eye.") % {"name": attachment.name}
        )
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
