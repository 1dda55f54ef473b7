from django.contrib import admin

from gongkai.topics.models import TopicRequest, TopicSettings


@admin.register(TopicSettings)
class TopicSettingsAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("organization", "answer_days")
    autocomplete_fields = ("organization",)


@admin.register(TopicRequest)
class TopicRequestAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "organization", "state", "outcome", "support_count", "due_date")
    list_filter = ("state", "outcome")
    readonly_fields = ("support_count",)
    raw_id_fields = ("organization", "proposer", "answered_by", "disclosure", "merged_into")
