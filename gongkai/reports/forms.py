"""The forms of the summary and assessment pages. They parse what was typed; the rules (who,
which criteria, which weights, which scores) live in documents.py and assessment.py, whose
ValidationErrors the forms show at the right place."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gongkai.accounts.models import User
from gongkai.organizations.models import Organization
from gongkai.reports import assessment, windows
from gongkai.reports.models import AssessmentPlan, Criterion
from gongkai.validation import YEAR_MAX, text_problem

MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
BAD_MONTH = _("Enter a month as year and month, e.g. 2026-03.")
MONTHS_REQUIRED = _("Choose the first and the last month.")
NO_SUCH_PERSON = _("No active account has this user name or mobile number.")


class MonthField(forms.CharField):
    """A month typed (or picked with <input type="month">) as 2026-03."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-01"})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=7, **kwargs)

    def clean(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        match = MONTH.match(text.strip())
        if match is None:
            raise ValidationError(BAD_MONTH)
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12 or not windows.YEAR_MIN <= year <= YEAR_MAX:
            raise ValidationError(BAD_MONTH)
        return dt.date(year, month, 1)


class PeriodForm(forms.Form):
    """Half a year, a year, or a run of months."""

    KINDS = [
        ("half_year", _("Half year")),
        ("year", _("Year")),
        ("months", _("Chosen months")),
    ]
    period = forms.ChoiceField(label=_("Period covered"), choices=KINDS, initial="half_year")
    year = forms.IntegerField(
        label=_("Year"), min_value=windows.YEAR_MIN, max_value=YEAR_MAX, required=False
    )
    half = forms.TypedChoiceField(
        label=_("Half"),
        choices=[(1, _("First half (January–June)")), (2, _("Second half (July–December)"))],
        coerce=int,
        required=False,
        initial=1,
    )
    first_month = MonthField(label=_("First month"), required=False)
    last_month = MonthField(label=_("Last month"), required=False)

    def __init__(self, *args: Any, today: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = today or dt.date.today()
        self.fields["year"].initial = today.year if today.month > 6 else today.year - 1
        self.fields["half"].initial = 1 if today.month > 6 else 2

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("period")
        try:
            if kind in ("half_year", "year"):
                year = data.get("year")
                if year is None:
                    if "year" not in self.errors:
                        self.add_error("year", _("Enter the year."))
                    return data
                data["window"] = (
                    windows.half_year(year, data.get("half") or 1)
                    if kind == "half_year"
                    else windows.year(year)
                )
            elif kind == "months":
                first, last = data.get("first_month"), data.get("last_month")
                if first is None or last is None:
                    if not self.errors:
                        raise ValidationError(MONTHS_REQUIRED)
                    return data
                data["window"] = windows.months(first, last)
        except ValidationError as exc:
            self.add_error(None, exc)
        return data


class SummaryForm(PeriodForm):
    pass


class PlanForm(PeriodForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    reach = forms.ChoiceField(
        label=_("Organizations assessed"),
        choices=AssessmentPlan.Reach.choices,
        initial=AssessmentPlan.Reach.CHILDREN,
    )
    public_summary = forms.BooleanField(
        label=_("Show a public summary on the portal once published"), required=False
    )
    field_order = ["title", "reach", "period", "year", "half", "first_month", "last_month"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in [*assessment.MEASURED, *assessment.PANEL]:
            self.fields[f"weight_{kind}"] = forms.IntegerField(
                label=_("Weight of %(criterion)s") % {"criterion": assessment.label(kind)},
                min_value=0,
                max_value=100,
                required=False,
            )
            if kind in assessment.PANEL:
                self.fields[f"max_{kind}"] = forms.IntegerField(
                    label=_("Full marks of %(criterion)s") % {"criterion": assessment.label(kind)},
                    min_value=1,
                    max_value=assessment.MAX_FULL_MARKS,
                    required=False,
                    initial=100,
                )

    @classmethod
    def initial_for(cls, plan: AssessmentPlan) -> dict[str, Any]:
        window_kind = "months"
        if plan.first.month == 1 and plan.last == dt.date(plan.first.year, 12, 31):
            window_kind = "year"
        elif plan.first.year == plan.last.year and (plan.first.month, plan.last.month) in (
            (1, 6),
            (7, 12),
        ):
            window_kind = "half_year"
        initial: dict[str, Any] = {
            "title": plan.title,
            "reach": plan.reach,
            "public_summary": plan.public_summary,
            "period": window_kind,
            "year": plan.first.year,
            "half": 1 if plan.first.month == 1 else 2,
            "first_month": plan.first.strftime("%Y-%m"),
            "last_month": plan.last.strftime("%Y-%m"),
        }
        for c in plan.criteria.all():
            initial[f"weight_{c.kind}"] = c.weight
            initial[f"max_{c.kind}"] = c.max_score
        return initial

    def main_fields(self) -> list[Any]:
        """The plan's own fields (title, reach, period); the criteria have their table."""
        return [self[name] for name in self.fields if not name.startswith(("weight_", "max_"))]

    def criteria_rows(self) -> list[dict[str, Any]]:
        """For the template: each criterion with its fields, and those not available yet."""
        rows = []
        for kind in assessment.ORDER:
            rows.append(
                {
                    "kind": kind,
                    "label": assessment.label(kind),
                    "measured": kind in assessment.MEASURED,
                    "available": kind not in assessment.UNAVAILABLE,
                    "weight": self[f"weight_{kind}"] if f"weight_{kind}" in self.fields else None,
                    "max": self[f"max_{kind}"] if f"max_{kind}" in self.fields else None,
                }
            )
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        specs = []
        for kind in [*assessment.MEASURED, *assessment.PANEL]:
            weight = data.get(f"weight_{kind}")
            if weight:
                specs.append(assessment.Spec(kind, weight, data.get(f"max_{kind}") or 100))
        if any(name.startswith(("weight_", "max_")) for name in self.errors):
            return data
        try:
            data["specs"] = assessment.check_criteria(specs)
        except ValidationError as exc:
            self.add_error(None, exc)
        return data


class AssessorForm(forms.Form):
    login = forms.CharField(
        label=_("User name or mobile number"),
        max_length=150,
        help_text=_("The person needs an account; no organization role is needed to assess."),
    )

    def clean_login(self) -> User:
        login = self.cleaned_data["login"].strip()
        if text_problem(login):
            raise ValidationError(NO_SUCH_PERSON)
        user = (
            User.objects.filter(is_active=True, username=login).first()
            or User.objects.filter(is_active=True, mobile=login).first()
        )
        if user is None:
            raise ValidationError(NO_SUCH_PERSON)
        return user


class ScoreForm(forms.Form):
    """One field per (organization, panel criterion): the assessor's own scores."""

    def __init__(
        self,
        *args: Any,
        organizations: list[Organization],
        criteria: list[Criterion],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organizations, self.criteria = organizations, criteria
        for org in organizations:
            for c in criteria:
                self.fields[self.name(org, c)] = forms.DecimalField(
                    label=f"{org.name} · {c.get_kind_display()}",
                    min_value=Decimal(0),
                    max_value=Decimal(c.max_score),
                    max_digits=5,
                    decimal_places=1,
                    required=False,
                    widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
                )

    @staticmethod
    def name(org: Organization, criterion: Criterion) -> str:
        return f"s_{org.pk}_{criterion.kind}"

    def grid(self) -> list[dict[str, Any]]:
        return [
            {"organization": org, "fields": [self[self.name(org, c)] for c in self.criteria]}
            for org in self.organizations
        ]

    def scores(self) -> dict[tuple[int, str], Decimal | None]:
        return {
            (org.pk, c.kind): self.cleaned_data.get(self.name(org, c))
            for org in self.organizations
            for c in self.criteria
        }
