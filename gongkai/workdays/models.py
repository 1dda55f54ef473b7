"""The administrator's side of the working-day calendar.

The `chinese-calendar` package knows the State Council's holiday schedule for the years it
ships with. These tables add what it does not know yet (next year's schedule, published each
November or December) and local adjustments; a row here always wins over the package. The
rules that read them live in services.py.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ALERT_BANNER = _(
    "Deadlines reaching into %(year)d are provisional (asked %(times)d times): the working-day "
    "calendar has no holidays for that year yet. An administrator should enter them and mark "
    "the year complete."
)


class CalendarDay(models.Model):
    """One date whose status the administrator fixes, whatever the package says."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (day off)")
        WORKDAY = "workday", _("Working day (e.g. a make-up working day)")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(
        _("name"), max_length=50, blank=True, help_text=_("e.g. 春节, 国庆节, 春节调休")
    )
    note = models.CharField(
        _("note"),
        max_length=200,
        blank=True,
        help_text=_(
            "Where the adjustment comes from, e.g. the number of the State Council notice."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("holiday or make-up working day")
        verbose_name_plural = _("holidays and make-up working days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}".rstrip()

    @property
    def is_working(self) -> bool:
        return self.kind == self.Kind.WORKDAY


class CalendarYear(models.Model):
    """An administrator's statement that the table holds a year's full schedule."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    complete = models.BooleanField(
        _("complete"),
        default=False,
        help_text=_(
            "Tick once every holiday and make-up working day of this year is entered: dates "
            "of the year then count as known, and every other Monday to Friday is a working day."
        ),
    )
    note = models.CharField(
        _("note"),
        max_length=200,
        blank=True,
        help_text=_("e.g. the State Council notice the schedule was taken from."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        if self.complete:
            # The year is known from now on, so nobody is waiting for it any more.
            CalendarAlert.objects.open().filter(year=self.year).update(resolved_at=timezone.now())


class CalendarAlertQuerySet(models.QuerySet["CalendarAlert"]):
    def open(self) -> CalendarAlertQuerySet:
        return self.filter(resolved_at__isnull=True)


class CalendarAlert(models.Model):
    """Someone needed a year the calendar does not know; the answer they got was provisional.

    At most one open alert per year (a partial unique index); asking again bumps the counter.
    """

    year = models.PositiveSmallIntegerField(_("missing year"))
    first_asked_at = models.DateTimeField(_("first asked"), default=timezone.now)
    last_asked_at = models.DateTimeField(_("last asked"), default=timezone.now)
    times_asked = models.PositiveIntegerField(_("times asked"), default=1)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    objects = CalendarAlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("missing calendar data alert")
        verbose_name_plural = _("missing calendar data alerts")
        # Open alerts first on every database (PostgreSQL sorts NULLs last by default).
        ordering = [F("resolved_at").asc(nulls_first=True), "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["year"],
                condition=Q(resolved_at__isnull=True),
                name="workdays_one_open_alert_per_year",
            )
        ]

    def __str__(self) -> str:
        return str(self.year)

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def message(self) -> str:
        """The sentence the console shows in its banner."""
        return ALERT_BANNER % {"year": self.year, "times": self.times_asked}
