from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongkai import permissions
from gongkai.catalog import applicability, exchange, services
from gongkai.catalog.builtin import builtin_templates
from gongkai.catalog.effective import OVERRIDABLE, effective_catalog
from gongkai.catalog.forms import (
    CategoryForm,
    DropForm,
    ImportForm,
    ItemEditForm,
    ItemForm,
    PublishForm,
    SchemaEditor,
)
from gongkai.catalog.models import ITEM_FIELDS, Catalog, CatalogVersion
from gongkai.console.views.base import console_view, context
from gongkai.web.views import refusal_text


def _catalog(request: HttpRequest) -> Catalog | None:
    org = request.org  # type: ignore[attr-defined]
    if org is None:
        return None
    return (
        Catalog.objects.select_related("organization", "parent__organization")
        .filter(organization=org)
        .first()
    )


def _editable_catalog(request: HttpRequest) -> Catalog:
    catalog = _catalog(request)
    if catalog is None:
        raise Http404
    if not permissions.can_edit_catalog(request.user, catalog.organization):
        raise PermissionDenied
    return catalog


@console_view
def browse(request: HttpRequest) -> HttpResponse:
    catalog = _catalog(request)
    org = request.org  # type: ignore[attr-defined]
    can_edit = org is not None and permissions.can_edit_catalog(request.user, org)
    extra: dict[str, Any] = {"catalog": catalog, "can_edit": can_edit}
    if catalog is not None:
        show_draft = can_edit and request.GET.get("view") != "published"
        version = catalog.draft_version if show_draft else catalog.version
        full = effective_catalog(catalog, version)
        extra.update(
            # The items for this organization and those below it; the superior's items for
            # other organizations (a town committee's own, seen from a village) apart.
            effective=full.within(catalog.organization),
            elsewhere=full.elsewhere(catalog.organization),
            showing_draft=show_draft,
            draft_changes=services.draft_changes(catalog) if can_edit else [],
            publish_form=PublishForm(),
            superior=services.nearest_superior_catalog(org),
        )
    elif org is not None:
        extra["superior"] = services.nearest_superior_catalog(org)
    return render(request, "console/catalog/browse.html", context(request, "catalog", **extra))


@console_view
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    """Open a layer: inherit the superior's catalog, or start empty/from a built-in template."""
    org = request.org  # type: ignore[attr-defined]
    if org is None or not permissions.can_edit_catalog(request.user, org):
        raise PermissionDenied
    template_key = request.POST.get("template", "")
    try:
        if template_key:
            template = builtin_templates().get(template_key)
            if template is None:
                raise Http404
            parsed = exchange.parse_yaml(template.read())
            if parsed.errors:  # a shipped template is tested to parse; never half-load one
                raise ValidationError(parsed.errors)
            catalog = Catalog.objects.filter(organization=org).first() or services.create_catalog(
                org,
                actor=request.user,
                title=parsed.data.get("title", template.title),
                source=template.source,
                inherit=False,
            )
            count = services.load_catalog_data(catalog, actor=request.user, data=parsed.data)
            messages.success(
                request,
                _("%(count)d items of “%(title)s” are in the draft. Review them, then publish.")
                % {"count": count, "title": template.title},
            )
        else:
            services.inherit_catalog(org, actor=request.user)
            messages.success(request, _("The superior's catalog now applies to this organization."))
    except ValidationError as exc:
        messages.error(request, refusal_text(exc))
    return redirect("console:catalog")


def _categories(catalog: Catalog) -> list[tuple[str, str]]:
    return [(c.key, c.name) for c in effective_catalog(catalog, catalog.draft_version).categories]


@console_view
def item_form(request: HttpRequest, key: str | None = None) -> HttpResponse:
    catalog = _editable_catalog(request)
    draft = effective_catalog(catalog, catalog.draft_version)
    target = draft.find(key) if key else None
    if key and target is None:
        raise Http404
    inherited = target is not None and target.inherited_by(catalog)
    if inherited and target is not None and target.locked:
        messages.error(
            request,
            str(
                services.ITEM_LOCKED
                % {"item": target.value("name"), "origin": target.origin.organization.name}
            ),
        )
        return redirect("console:catalog")
    initial = (
        ItemForm.initial_from({name: target.value(name) for name in ITEM_FIELDS})
        if target is not None
        else {"category_key": request.GET.get("category", "")}
    )
    restrict_to = OVERRIDABLE if inherited else None
    schema = target.value("form") if target is not None else None
    form = ItemEditForm(
        request.POST or None,
        initial=initial,
        categories=_categories(catalog),
        restrict_to=restrict_to,
    )
    # The structured form is the superior's on an inherited item: shown, not editable.
    editor = SchemaEditor(request.POST or None, schema=schema, disabled=inherited)
    show_errors = request.method == "POST" and not editor.changed_rows
    if show_errors:
        # Both are checked, so every problem shows at once.
        valid = all([form.is_valid(), inherited or editor.is_valid()])
        if valid:
            values = form.item_values()
            if not inherited:
                values["form"] = editor.schema()
            try:
                services.save_item(catalog, actor=request.user, values=values, key=key)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, _("Saved in the draft. Publish the draft to make it count.")
                )
                return redirect("console:catalog")
    return render(
        request,
        "console/catalog/item_form.html",
        context(
            request,
            "catalog",
            form=form,
            editor=editor,
            show_errors=show_errors,
            error_count=_error_count(form, editor) if show_errors else 0,
            catalog=catalog,
            target=target,
            inherited=inherited,
        ),
    )


def _error_count(form: ItemEditForm, editor: SchemaEditor) -> int:
    count = sum(len(errors) for errors in form.errors.values()) + len(editor.problems)
    if not editor.disabled:
        for formset in editor.formsets.values():
            count += len(formset.non_form_errors())
            for row in formset.forms:
                count += sum(len(errors) for errors in row.errors.values())
    return count


@console_view
def drop(request: HttpRequest, key: str) -> HttpResponse:
    catalog = _editable_catalog(request)
    target = effective_catalog(catalog, catalog.draft_version).find(key)
    if target is None:
        raise Http404
    form = DropForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.drop_item(
                catalog, actor=request.user, key=key, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error("reason", exc)
        else:
            messages.success(
                request, _("“%(item)s” is dropped in the draft.") % {"item": target.value("name")}
            )
            return redirect("console:catalog")
    return render(
        request,
        "console/catalog/drop.html",
        context(
            request, "catalog", form=form, target=target, inherited=target.inherited_by(catalog)
        ),
    )


@console_view
@require_POST
def restore(request: HttpRequest, key: str) -> HttpResponse:
    catalog = _editable_catalog(request)
    try:
        services.restore_item(catalog, actor=request.user, key=key)
        messages.success(request, _("The item is back in the draft."))
    except ValidationError as exc:
        messages.error(request, refusal_text(exc))
    return redirect("console:catalog")


@console_view
def category_form(request: HttpRequest, key: str | None = None) -> HttpResponse:
    catalog = _editable_catalog(request)
    initial = {}
    if key:
        category = next(
            (
                c
                for c in effective_catalog(catalog, catalog.draft_version).categories
                if c.key == key
            ),
            None,
        )
        if category is None:
            raise Http404
        initial = {
            "name": category.name,
            "description": category.description,
            "domain": category.domain,
        }
    form = CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_category(catalog, actor=request.user, key=key, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved in the draft. Publish the draft to make it count."))
            return redirect("console:catalog")
    return render(
        request,
        "console/catalog/category_form.html",
        context(request, "catalog", form=form, key=key),
    )


@console_view
@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    catalog = _editable_catalog(request)
    form = PublishForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        version = services.publish_catalog(catalog, actor=request.user, note=note)
    except ValidationError as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(
            request,
            _("Version %(version)d is published; subordinates see it as a change to accept.")
            % {"version": version.number},
        )
    return redirect("console:catalog")


@console_view
@require_POST
def discard(request: HttpRequest) -> HttpResponse:
    catalog = _editable_catalog(request)
    services.discard_draft(catalog, actor=request.user)
    messages.success(request, _("The draft has been discarded."))
    return redirect("console:catalog")


@console_view
def pending(request: HttpRequest) -> HttpResponse:
    catalog = _catalog(request)
    if catalog is None:
        raise Http404
    return render(
        request,
        "console/catalog/pending.html",
        context(
            request,
            "catalog",
            catalog=catalog,
            changes=services.pending_changes(catalog),
            can_edit=permissions.can_edit_catalog(request.user, catalog.organization),
        ),
    )


@console_view
@require_POST
def accept(request: HttpRequest) -> HttpResponse:
    catalog = _editable_catalog(request)
    try:
        version = services.accept_parent_change(catalog, actor=request.user)
    except ValidationError as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(
            request,
            _("Accepted; this catalog is now at version %(version)d.")
            % {"version": version.number},
        )
    return redirect("console:catalog")


@console_view
def versions(request: HttpRequest) -> HttpResponse:
    catalog = _catalog(request)
    rows = (
        CatalogVersion.objects.filter(catalog=catalog)
        .select_related("published_by")
        .order_by("-number")
        if catalog
        else []
    )
    return render(
        request,
        "console/catalog/versions.html",
        context(request, "versions", catalog=catalog, rows=rows),
    )


@console_view
def subordinates(request: HttpRequest) -> HttpResponse:
    catalog = _editable_catalog(request)
    layers = (
        Catalog.objects.filter(parent=catalog)
        .select_related("organization")
        .order_by("organization__path")
    )
    missing = (
        catalog.organization.descendants().filter(catalog__isnull=True, is_active=True).count()
    )
    return render(
        request,
        "console/catalog/subordinates.html",
        context(request, "subordinates", catalog=catalog, layers=layers, missing=missing),
    )


@console_view
@require_POST
def push_down(request: HttpRequest) -> HttpResponse:
    catalog = _editable_catalog(request)
    opened = services.push_down(catalog, actor=request.user)
    messages.success(
        request,
        _("%(count)d subordinate organizations now inherit this catalog.") % {"count": opened},
    )
    return redirect("console:catalog_subordinates")


@console_view
def templates(request: HttpRequest) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    if org is None or not permissions.can_edit_catalog(request.user, org):
        raise PermissionDenied
    chosen = request.GET.get("show")
    preview = None
    if chosen in builtin_templates():
        parsed = exchange.parse_yaml(builtin_templates()[chosen].read())
        preview = parsed.data
        for category in preview["categories"]:
            for item in category["items"]:
                item["applies_label"] = applicability.describe(item.get("applies_to"))
    return render(
        request,
        "console/catalog/templates.html",
        context(
            request,
            "templates",
            templates=builtin_templates().values(),
            preview=preview,
            chosen=chosen,
            catalog=_catalog(request),
        ),
    )


@console_view
def import_catalog(request: HttpRequest) -> HttpResponse:
    catalog = _catalog(request)
    org = request.org  # type: ignore[attr-defined]
    if org is None or not permissions.can_edit_catalog(request.user, org):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        parsed = exchange.parse_upload(upload.name, upload.read(exchange_limit() + 1))
        errors = parsed.errors
        if not errors:
            if catalog is None:
                catalog = services.create_catalog(
                    org,
                    actor=request.user,
                    title=parsed.data.get("title") or org.name,
                    inherit=True,
                )
            count = services.load_catalog_data(catalog, actor=request.user, data=parsed.data)
            messages.success(
                request,
                _("%(count)d items imported into the draft. Review them, then publish.")
                % {"count": count},
            )
            return redirect("console:catalog")
    return render(
        request,
        "console/catalog/import.html",
        context(request, "catalog", form=form, errors=errors, catalog=catalog),
    )


def exchange_limit() -> int:
    from django.conf import settings

    return int(settings.GONGKAI_MAX_IMPORT_BYTES)


def _download(content: bytes | str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@console_view
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    catalog = _catalog(request)
    if catalog is None or catalog.version == 0:
        raise Http404
    effective = effective_catalog(catalog)
    name = f"{catalog.organization.name}-公开目录-v{catalog.version}"
    if fmt == "yaml":
        return _download(
            exchange.export_yaml(effective), f"{name}.yaml", "application/yaml; charset=utf-8"
        )
    return _download(
        exchange.export_excel(effective),
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
