"""Forms of the supervision pages. They bound what they accept (gongkai.validation) and leave
the rules to `workflow`, which checks again, so the API is held to the same."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from gongkai.catalog.models import Scope
from gongkai.console.disclosure_forms import BoundedDateField, _text_field
from gongkai.supervision.files import MAX_FILES
from gongkai.supervision.models import (
    DEFAULT_DEADLINE_DAYS,
    DESCRIPTION_MAX,
    MAX_DEADLINE_DAYS,
    Category,
    Measure,
    RecordScope,
)

FILES_HELP = _("Photos (PNG, JPEG) or PDF, Word and Excel files; at most %(max)d at once.")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data[: MAX_FILES + 1]]
        return [super().clean(data, initial)] if data else []


def _days_field(**kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Working days to rectify"),
        min_value=1,
        max_value=MAX_DEADLINE_DAYS,
        initial=DEFAULT_DEADLINE_DAYS,
        **kwargs,
    )


class FindingForm(forms.Form):
    category = forms.ChoiceField(label=_("What it is about"), choices=Category.choices)
    description = _text_field(
        DESCRIPTION_MAX, required=True, label=_("What was found"), widget=forms.Textarea
    )
    deadline_days = _days_field(
        help_text=_("Counted in working days on the Chinese calendar, from today.")
    )
    uploads = MultipleFileField(
        label=_("Evidence (photos or files)"), help_text=FILES_HELP % {"max": MAX_FILES}
    )


class RectifyForm(forms.Form):
    text = _text_field(
        DESCRIPTION_MAX, required=True, label=_("What was done"), widget=forms.Textarea
    )
    uploads = MultipleFileField(
        label=_("Evidence of the rectification (e.g. a photo of the corrected board)"),
        help_text=FILES_HELP % {"max": MAX_FILES},
    )


class ConfirmForm(forms.Form):
    note = _text_field(DESCRIPTION_MAX, label=_("Remark (optional)"))


class ReopenForm(forms.Form):
    reason = _text_field(
        DESCRIPTION_MAX, required=True, label=_("Why it is reopened"), widget=forms.Textarea
    )
    deadline_days = _days_field(required=False)


class PublishForm(forms.Form):
    scope = forms.ChoiceField(label=_("Publish to"), choices=Scope.choices)


class AccountabilityForm(forms.Form):
    organization: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None,  # type: ignore[arg-type]
        label=_("Organization concerned"),
    )
    person_name = _text_field(50, required=True, label=_("Person held responsible"))
    person_position = _text_field(100, required=True, label=_("Position"))
    measure = forms.ChoiceField(label=_("Measure"), choices=Measure.choices)
    facts = _text_field(DESCRIPTION_MAX, required=True, label=_("For what"), widget=forms.Textarea)
    decision_date = BoundedDateField(label=_("Decided on"))
    scope = forms.ChoiceField(label=_("Who may see the record"), choices=RecordScope.choices)
    findings: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        queryset=None,  # type: ignore[arg-type]
        required=False,
        label=_("Findings"),
        widget=forms.CheckboxSelectMultiple,
    )
    obligations: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        queryset=None,  # type: ignore[arg-type]
        required=False,
        label=_("Overdue obligations"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, organizations: Any, findings: Any, obligations: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        self.fields["findings"].queryset = findings  # type: ignore[attr-defined]
        self.fields["obligations"].queryset = obligations  # type: ignore[attr-defined]
        findings_field = cast(Any, self.fields["findings"])
        findings_field.label_from_instance = lambda f: (
            f"{f.organization.name}：{f.description[:40]}（{f.get_state_display()}）"
        )
        obligations_field = cast(Any, self.fields["obligations"])
        obligations_field.label_from_instance = lambda o: (
            f"{o.organization.name}：{o.name} {o.period_label}（{o.get_state_display()}）"
        )
