from __future__ import annotations

from django.contrib import admin

from gongkai.inforequests.models import InformationRequestPolicy


@admin.register(InformationRequestPolicy)
class InformationRequestPolicyAdmin(admin.ModelAdmin):
    """An organization's own periods (without a row: the regulation's 20/20/7/15)."""

    list_display = [
        "organization",
        "answer_days",
        "max_extension_days",
        "supplement_notice_days",
        "third_party_days",
    ]
    raw_id_fields = ["organization"]
    search_fields = ["organization__name", "organization__code"]
