from __future__ import annotations

from django.apps import apps
from django.contrib import admin

from gongkai.notifications.models import Delivery, Notification

# The queue's own rows (django-tasks-db's task results, django-rq's dashboard) are machinery
# with English names and nothing a person acts on: an administrator reads the deliveries
# below. (Those apps come earlier in INSTALLED_APPS, so they have registered by now.)
_MACHINERY = [
    ("django_tasks_db", "django_tasks_database", "DBTaskResult"),
    ("django_rq", "django_rq", "Dashboard"),
]
for app, label, name in _MACHINERY:
    if apps.is_installed(app) and admin.site.is_registered(model := apps.get_model(label, name)):
        admin.site.unregister(model)


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
