"""Summaries and plans are made and moved through the console (documents.produce,
assessment.*); the admin only shows them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongkai.reports.models import AssessmentPlan, Report


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(ReadOnly):
    list_display = ["title", "organization", "kind", "status", "created_by", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "organization__name", "organization__code"]


@admin.register(AssessmentPlan)
class AssessmentPlanAdmin(ReadOnly):
    list_display = ["title", "organization", "reach", "status", "public_summary", "created_at"]
    list_filter = ["status", "reach"]
    search_fields = ["title", "organization__name", "organization__code"]
