from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongkai.ledger.models import LedgerEntry


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: entries are only ever appended by the workflow, and never changed."""

    list_display = ["sequence", "at", "action", "organization", "disclosure", "entry_hash"]
    list_filter = ["action"]
    search_fields = ["entry_hash", "content_hash", "organization__code", "disclosure__title"]
    list_select_related = ["organization", "disclosure"]
    readonly_fields = [f.name for f in LedgerEntry._meta.fields]
    ordering = ["-sequence"]
    show_full_result_count = False  # no COUNT(*) over a million rows on every page

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
