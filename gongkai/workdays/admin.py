from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from gongkai.workdays.models import CalendarAlert, CalendarDay, CalendarYear


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name", "note", "updated_at"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name", "note"]
    ordering = ["-date"]

    @admin.display(description=_("weekday"))
    def weekday(self, obj: CalendarDay) -> str:
        return formats.date_format(obj.date, "l")


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "complete", "holidays_entered", "workdays_entered", "note"]
    list_filter = ["complete"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarYear]:
        # The counts come with the page's one query instead of two queries per row.
        return (
            super()
            .get_queryset(request)
            .annotate(
                holiday_count=_days_entered(CalendarDay.Kind.HOLIDAY),
                workday_count=_days_entered(CalendarDay.Kind.WORKDAY),
            )
        )

    @admin.display(description=_("holidays entered"), ordering="holiday_count")
    def holidays_entered(self, obj: CalendarYear) -> int:
        return obj.holiday_count  # type: ignore[attr-defined]

    @admin.display(description=_("working days entered"), ordering="workday_count")
    def workdays_entered(self, obj: CalendarYear) -> int:
        return obj.workday_count  # type: ignore[attr-defined]


def _days_entered(kind: str) -> Coalesce:
    per_year = (
        CalendarDay.objects.filter(date__year=OuterRef("year"), kind=kind)
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(per_year), 0)


@admin.register(CalendarAlert)
class CalendarAlertAdmin(admin.ModelAdmin):
    """Read-only: alerts are opened by deadline() and resolved when the year becomes known."""

    list_display = ["year", "is_open_display", "times_asked", "first_asked_at", "last_asked_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["year", "times_asked", "first_asked_at", "last_asked_at", "resolved_at"]

    @admin.display(description=_("open"), boolean=True)
    def is_open_display(self, obj: CalendarAlert) -> bool:
        return obj.is_open

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: CalendarAlert | None = None) -> bool:
        return False
