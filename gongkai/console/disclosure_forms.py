"""Forms of the disclosure pages in the console: drafting and editing, and the small forms of
the workflow moves (publish, correct, open a consultation, a reason, a review, a handling).

Each form bounds what it accepts with the domain's limits (gongkai.validation) and the
workflow then checks the same limits again, so the API, imports and commands are held to
them too. A refused form is shown again with every value as typed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongkai import validation
from gongkai.catalog.models import Channel
from gongkai.disclosures import data as structured
from gongkai.disclosures import scanning, workflow

TITLE_REQUIRED = _("Give the disclosure a title.")
TABLE_HAS_PROBLEMS = _("The table has %(count)d problem(s); the cells are marked below.")
DAYS_OUT_OF_RANGE = _("Between %(min)d and %(max)d working days.")
DATE_INVALID = _("Enter a real date, e.g. 2026-06-30.")
MOMENT_INVALID = _("Enter a real date and time, e.g. 2026-06-30 09:00.")
NO_OBLIGATION = _("None (not for a period or event the catalog asks for)")

CONSULTATION_DAYS_MIN, CONSULTATION_DAYS_MAX = 1, 60


def _text_field(max_length: int | None, *, required: bool = False, **kwargs: Any) -> Any:
    return forms.CharField(
        max_length=max_length,
        required=required,
        validators=[validation.validate_plain_text],
        **kwargs,
    )


def _check(validator: Any) -> Any:
    """A domain check (raising ValidationError) as a form-field validator."""

    def run(value: Any) -> None:
        validator(value)

    return run


class BoundedDateField(forms.DateField):
    default_error_messages = {"invalid": DATE_INVALID}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(**kwargs)
        self.validators.append(_check(validation.check_date))

    def to_python(self, value: Any) -> dt.date | None:
        try:
            return super().to_python(value)
        except (OverflowError, ValueError):
            raise forms.ValidationError(DATE_INVALID, code="invalid") from None


class MomentField(forms.DateTimeField):
    """A publication time: what a datetime-local input sends, read as local time."""

    default_error_messages = {"invalid": MOMENT_INVALID}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.DateTimeInput(attrs={"type": "datetime-local"}))
        super().__init__(**kwargs)
        self.validators.append(_check(validation.check_moment))

    def to_python(self, value: Any) -> dt.datetime | None:
        try:
            return super().to_python(value)
        except (OverflowError, ValueError):
            raise forms.ValidationError(MOMENT_INVALID, code="invalid") from None


class DraftForm(forms.Form):
    """Title, period or event, body, the item's structured fields and table, channels.

    `schema` is the item's structured form: each field becomes a form field named
    field_<key>, and a table becomes one text box of pasted rows, checked cell by cell.
    After `is_valid()`, `data_values` holds the structured data and `table_check` the grid
    to show back with every bad cell marked."""

    title = _text_field(
        validation.TITLE_MAX,
        required=True,
        label=_("Title"),
        error_messages={"required": TITLE_REQUIRED},
    )
    period = _text_field(
        validation.PERIOD_MAX,
        label=_("Period or event"),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. first half of 2026")}),
    )
    event_date = BoundedDateField(label=_("Date of the event"), required=False)
    #: The obligation it fulfils, by its structured key: chosen among the item's open
    #: obligations (the choices are set per form), or none.
    period_key = forms.ChoiceField(label=_("Obligation it fulfils"), required=False)
    body = _text_field(
        validation.BODY_MAX,
        label=_("Body"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    table = _text_field(
        validation.TABLE_TEXT_MAX,
        label=_("Table"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "class": "tsv"}),
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels actually used"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    beyond_authority = forms.BooleanField(
        label=_("Beyond this organization's authority (goes to the superior for review)"),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        schema: dict[str, Any] | None = None,
        period_keys: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period_key"].choices = [("", NO_OBLIGATION), *(period_keys or [])]  # type: ignore[attr-defined]
        self.schema = schema or {}
        self.schema_fields: list[tuple[str, dict[str, Any]]] = []
        for spec in self.schema.get("fields", []):
            name = f"field_{spec['key']}"
            if spec.get("type") == "choice":
                field: forms.Field = forms.ChoiceField(
                    choices=[("", "")] + [(c, c) for c in spec.get("choices", [])],
                    required=bool(spec.get("required")),
                )
            else:
                field = _text_field(
                    2000 if spec.get("type") == "longtext" else 300,
                    required=bool(spec.get("required")),
                )
            field.label = spec["label"]
            self.fields[name] = field
            self.schema_fields.append((name, spec))
        if not self.schema.get("columns"):
            del self.fields["table"]
        self.data_values: dict[str, Any] = {}
        self.table_check: structured.TableCheck | None = None

    def main_fields(self) -> list[Any]:
        return [self[name] for name in ("title", "period_key", "period", "event_date", "body")]

    def structured_fields(self) -> list[Any]:
        return [self[name] for name, _spec in self.schema_fields]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        values: dict[str, Any] = {}
        for name, spec in self.schema_fields:
            text = cleaned.get(name)
            if name in self.errors or not text:
                continue
            value, problem = structured.clean_value(spec["type"], text, spec.get("choices", []))
            if problem:
                self.add_error(name, problem)
            values[spec["key"]] = value
        if self.schema.get("columns") and "table" not in self.errors:
            self.table_check = structured.check_table(self.schema, cleaned.get("table", ""))
            values["rows"] = self.table_check.rows
            bad = self.table_check.errors
            marked = any(
                row_problem or any(cell.problem for cell in cells)
                for _number, cells, row_problem in self.table_check.grid
            )
            if bad and marked:
                self.add_error("table", TABLE_HAS_PROBLEMS % {"count": len(bad)})
            elif bad:  # a problem of the whole table (too many rows): no cell to mark
                self.add_error("table", bad)
        self.data_values = values
        if not self.errors:
            try:
                validation.check_disclosure_content(data=values)
            except forms.ValidationError as exc:
                self.add_error(None, exc.messages)
        return cleaned

    def error_summary(self) -> list[str]:
        """Every problem in one list, for the box at the top: fields by label, and each bad
        cell of the table by row and column."""
        out: list[str] = [str(e) for e in self.non_field_errors()]
        for name, errors in self.errors.items():
            if name == "__all__":
                continue
            if name == "table" and self.table_check and self.table_check.errors:
                out += self.table_check.errors
                continue
            label = self.fields[name].label if name in self.fields else name
            out += [str(validation.FIELD_PROBLEM % {"label": label, "problem": e}) for e in errors]
        return out

    @staticmethod
    def initial_for(disclosure: Any, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "title": disclosure.title,
            "body": disclosure.body,
            "period": disclosure.period,
            "event_date": disclosure.event_date,
            "period_key": disclosure.period_key,
            "channels": disclosure.channels,
            "table": structured.table_as_text(schema, disclosure.data.get("rows", [])),
            **{
                f"field_{k}": ("是" if v else "否") if isinstance(v, bool) else v
                for k, v in disclosure.data.items()
                if k != "rows"
            },
        }


# --- the workflow moves ------------------------------------------------------------------------


class NoInputForm(forms.Form):
    """A move that takes nothing but the button."""


class ReasonForm(forms.Form):
    """A return, a withdrawal: the workflow says whether a reason is required."""

    reason = _text_field(validation.REASON_MAX, label=_("Reason (stays on record)"))


class HandlingForm(forms.Form):
    handling = _text_field(validation.REASON_MAX, label=_("How it was handled"))


class PublishForm(forms.Form):
    publish_from = MomentField(label=_("Publish at (empty: now)"), required=False)


class ConsultationForm(forms.Form):
    days = forms.IntegerField(
        label=_("Working days"),
        required=False,
        min_value=CONSULTATION_DAYS_MIN,
        max_value=CONSULTATION_DAYS_MAX,
    )


class CorrectionForm(forms.Form):
    title = _text_field(
        validation.TITLE_MAX,
        required=True,
        label=_("Title"),
        error_messages={"required": TITLE_REQUIRED},
    )
    body = _text_field(validation.BODY_MAX, label=_("Body"), strip=False)
    reason = _text_field(validation.REASON_MAX, label=_("Reason for the correction"))
    secret_clearance = _text_field(
        validation.REASON_MAX,
        label=_("Clearance of a secret marking (only if the scan found one)"),
    )


class ReviewForm(forms.Form):
    secret_clearance = _text_field(
        validation.REASON_MAX,
        label=_("Clearance of a secret marking (only if the scan found one)"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in workflow.SECRECY_CHECKLIST.items():
            self.fields[f"check_{key}"] = forms.BooleanField(label=label, required=False)
        for kind in scanning.PERSONAL_KINDS:
            self.fields[f"keep_{kind}"] = _text_field(
                validation.REASON_MAX, label=scanning.KIND_LABELS[kind]
            )

    def checklist(self) -> dict[str, bool]:
        return {
            key: bool(self.cleaned_data.get(f"check_{key}")) for key in workflow.SECRECY_CHECKLIST
        }

    def mask_exceptions(self) -> dict[str, str]:
        return {
            kind: self.cleaned_data[f"keep_{kind}"]
            for kind in scanning.PERSONAL_KINDS
            if self.cleaned_data.get(f"keep_{kind}")
        }


def form_errors(form: forms.Form) -> list[str]:
    """A refused form's problems as sentences, each with its field's label."""
    out = [str(e) for e in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name == "__all__":
            continue
        label = form.fields[name].label if name in form.fields else name
        out += [str(validation.FIELD_PROBLEM % {"label": label, "problem": e}) for e in errors]
    return out
