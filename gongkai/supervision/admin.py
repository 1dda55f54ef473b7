"""Administrators appoint supervision groups (members, the organizations they check) and
open inspection rounds here; findings and accountability records change only through
`workflow` (the console and the API), and the view log is never edited: both are read only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongkai.supervision.models import (
    AccountabilityRecord,
    Finding,
    Inspection,
    SupervisionGroup,
    SupervisionView,
)


class InspectionInline(admin.TabularInline):
    model = Inspection
    extra = 0


@admin.register(SupervisionGroup)
class SupervisionGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "created_at"]
    autocomplete_fields = ["organization"]
    filter_horizontal = ["members", "organizations"]
    inlines = [InspectionInline]


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Finding)
class FindingAdmin(ReadOnly):
    list_display = ["organization", "category", "state", "due_date", "filed_at"]
    list_filter = ["state", "category"]


@admin.register(AccountabilityRecord)
class AccountabilityRecordAdmin(ReadOnly):
    list_display = ["person_name", "organization", "measure", "scope", "decision_date"]
    list_filter = ["measure", "scope"]


@admin.register(SupervisionView)
class SupervisionViewAdmin(ReadOnly):
    list_display = ["at", "viewer", "organization", "what", "label", "surface"]
    list_filter = ["what", "surface"]
