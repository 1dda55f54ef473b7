"""Administrators set an organization's answer deadline and escalation delay (AnswerRule);
organizations without one inherit their nearest superior's, else the settings' default."""

from django.contrib import admin

from gongkai.engagement.models import AnswerRule


@admin.register(AnswerRule)
class AnswerRuleAdmin(admin.ModelAdmin[AnswerRule]):
    list_display = ("organization", "answer_days", "escalate_after_days")
    autocomplete_fields = ("organization",)
    search_fields = ("organization__name", "organization__code")
