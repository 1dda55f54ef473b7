from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongkai.organizations.models import Organization, Role
from gongkai.organizations.services import create_organization, move_organization


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "kind", "reaches_subtree", "title"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "setting", "parent", "is_pilot", "is_active"]
    list_filter = ["kind", "setting", "is_pilot", "is_active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "depth"]
    inlines = [RoleInline]

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        # The tree path is allocated by the services, never typed in.
        if not change:
            fields = {f: form.cleaned_data[f] for f in form.cleaned_data if f != "parent"}
            created = create_organization(parent=form.cleaned_data.get("parent"), **fields)
            obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth
            obj._state.adding = False
            return
        new_parent = form.cleaned_data.get("parent")
        old = Organization.objects.get(pk=obj.pk)
        obj.path, obj.depth = old.path, old.depth
        obj.parent = old.parent
        obj.save()
        if (new_parent.pk if new_parent else None) != old.parent_id:
            move_organization(obj, new_parent=new_parent)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "kind", "reaches_subtree", "title"]
    list_filter = ["kind", "reaches_subtree"]
    search_fields = [
        "user__username",
        "user__display_name",
        "organization__name",
        "organization__code",
    ]
    autocomplete_fields = ["user", "organization"]
