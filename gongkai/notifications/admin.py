from __future__ import annotations

from django.contrib import admin

from gongkai.notifications.models import Delivery, Notification


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = [
        "channel",
        "address",
        "state",
        "attempts",
        "last_error",
        "created_at",
        "last_attempt_at",
        "sent_at",
    ]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["subject", "recipient", "kind", "organization", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["subject", "key", "recipient__username", "recipient__display_name"]
    raw_id_fields = ["recipient", "organization"]
    readonly_fields = ["key", "created_at"]
    date_hierarchy = "created_at"
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["notification", "channel", "state", "attempts", "created_at", "sent_at"]
    list_filter = ["channel", "state"]
    raw_id_fields = ["notification"]
    readonly_fields = ["created_at", "last_attempt_at", "sent_at"]
