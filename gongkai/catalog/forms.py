"""One form decides whether an item is well made: the console editor uses it, and so does
every row of a YAML or Excel import, so both give the same messages."""

from __future__ import annotations

from typing import Any

import yaml
from django import forms
from django.utils.translation import gettext_lazy as _

from gongkai.catalog.forms_schema import normalise_form_schema, validate_form_schema
from gongkai.catalog.models import Channel, DeadlineBasis, Period, Scope, Timing
from gongkai.web.yaml_errors import yaml_error_text

PERIOD_REQUIRED = _("A periodic item needs a period (monthly, quarterly, half-yearly or yearly).")
PERIOD_ONLY_PERIODIC = _("Only periodic items have a period.")
BASIS_REQUIRED = _("Say from when the deadline is counted.")
DAYS_REQUIRED = _("Give the number of working days, or clear how the deadline is counted.")
PERIOD_END_ONLY_PERIODIC = _("“after the period ends” applies to periodic items only.")
PARTY_FIRST_NEEDS_WIDER_SCOPE = _(
    "“Party first” needs a scope wider than the party (inside the unit or to society)."
)
LAG_ONLY_PARTY_FIRST = _("A lag is only used with “party first”.")
CONSULTATION_DAYS_REQUIRED = _("Give the consultation period in working days.")
CONSULTATION_DAYS_ONLY_IF_REQUIRED = _("A consultation period needs “consultation required”.")
FORM_NOT_YAML = _("The structured form is not valid YAML/JSON: %(error)s")

BLANK: list[tuple[str, Any]] = [("", "—")]


class ItemForm(forms.Form):
    category_key = forms.ChoiceField(label=_("Category"), choices=())
    name = forms.CharField(label=_("Item"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=Scope.choices, initial=Scope.PUBLIC)
    party_first = forms.BooleanField(
        label=_("Inside the party first, the public later"), required=False
    )
    party_first_lag_days = forms.IntegerField(
        label=_("Public after (working days)"), min_value=0, max_value=60, required=False
    )
    timing = forms.ChoiceField(label=_("Timing"), choices=Timing.choices)
    period = forms.ChoiceField(label=_("Period"), choices=BLANK + Period.choices, required=False)
    deadline_days = forms.IntegerField(
        label=_("Deadline (working days)"), min_value=0, max_value=365, required=False
    )
    deadline_basis = forms.ChoiceField(
        label=_("Deadline counted"), choices=BLANK + DeadlineBasis.choices, required=False
    )
    min_publicity_days = forms.IntegerField(
        label=_("Minimum publicity period (working days)"),
        min_value=0,
        max_value=365,
        required=False,
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    responsible_unit = forms.CharField(label=_("Responsible unit"), max_length=100, required=False)
    major_matter = forms.BooleanField(label=_("Major matter (三重一大)"), required=False)
    consultation_required = forms.BooleanField(label=_("Consultation required"), required=False)
    consultation_days = forms.IntegerField(
        label=_("Consultation period (working days)"), min_value=1, max_value=60, required=False
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    form = forms.CharField(
        label=_("Structured form (YAML)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_("Optional: “fields” and “columns”, each with key, label, type."),
    )
    locked = forms.BooleanField(label=_("Locked for subordinates"), required=False)

    def __init__(
        self,
        *args: Any,
        categories: list[tuple[str, str]] | None = None,
        restrict_to: tuple[str, ...] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if categories is None:
            # Imports take the category from the file's structure.
            del self.fields["category_key"]
        else:
            self.fields["category_key"].choices = categories  # type: ignore[attr-defined]
        if restrict_to is not None:
            # An inherited item: only the attributes a subordinate may override are editable.
            for name, field in self.fields.items():
                if name not in restrict_to:
                    field.disabled = True

    def clean_form(self) -> dict[str, Any] | None:
        raw = self.cleaned_data.get("form")
        if isinstance(raw, str):
            if not raw.strip():
                return None
            try:
                raw = yaml.safe_load(raw)
            except yaml.YAMLError as exc:
                raise forms.ValidationError(
                    FORM_NOT_YAML, params={"error": yaml_error_text(exc)}
                ) from exc
        problems = validate_form_schema(raw)
        if problems:
            raise forms.ValidationError(problems)
        return normalise_form_schema(raw)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        timing, period = data.get("timing"), data.get("period")
        if timing == Timing.PERIODIC and not period:
            self.add_error("period", PERIOD_REQUIRED)
        if timing and timing != Timing.PERIODIC and period:
            self.add_error("period", PERIOD_ONLY_PERIODIC)
        days, basis = data.get("deadline_days"), data.get("deadline_basis")
        if days is not None and not basis:
            self.add_error("deadline_basis", BASIS_REQUIRED)
        if basis and days is None:
            self.add_error("deadline_days", DAYS_REQUIRED)
        if basis == DeadlineBasis.PERIOD_END and timing and timing != Timing.PERIODIC:
            self.add_error("deadline_basis", PERIOD_END_ONLY_PERIODIC)
        if data.get("party_first") and data.get("scope") == Scope.PARTY:
            self.add_error("party_first", PARTY_FIRST_NEEDS_WIDER_SCOPE)
        if not data.get("party_first") and data.get("party_first_lag_days"):
            self.add_error("party_first_lag_days", LAG_ONLY_PARTY_FIRST)
        consult_days = data.get("consultation_days")
        if data.get("consultation_required") and consult_days is None:
            self.add_error("consultation_days", CONSULTATION_DAYS_REQUIRED)
        if not data.get("consultation_required") and consult_days is not None:
            self.add_error("consultation_days", CONSULTATION_DAYS_ONLY_IF_REQUIRED)
        return data

    def item_values(self) -> dict[str, Any]:
        """Cleaned values in the shape the services store."""
        data = dict(self.cleaned_data)
        data["party_first_lag_days"] = data.get("party_first_lag_days") or 0
        for name in ("period", "deadline_basis"):
            data[name] = data.get(name) or ""
        return data

    @staticmethod
    def initial_from(values: dict[str, Any]) -> dict[str, Any]:
        initial = dict(values)
        if initial.get("form"):
            initial["form"] = yaml.safe_dump(initial["form"], allow_unicode=True, sort_keys=False)
        return initial


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Category"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DropForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class PublishForm(forms.Form):
    note = forms.CharField(
        label=_("What changed"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. added the pilot items")}),
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("YAML or Excel file"))
