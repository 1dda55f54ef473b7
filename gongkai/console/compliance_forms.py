"""Forms of the compliance pages: filtering an organization's obligations, recording an event,
creating a staged plan, asking for an exemption or deferral and deciding one.

They bound what they accept (gongkai.validation) and leave the rules to the functions they
feed (`compliance.recording`, `compliance.exemptions`), which check again, so the API is held
to the same. A refused form is shown again with everything as typed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongkai import validation
from gongkai.catalog.models import Scope
from gongkai.compliance import recording
from gongkai.compliance.models import Exemption, ReasonCategory, State
from gongkai.console.disclosure_forms import DATE_INVALID, BoundedDateField, _text_field

STAGE_LINE_INVALID = _(
    "Line %(line)d: write the stage's name, then its date (e.g. 征求意见 2026-03-02)."
)
STAGE_DATE_INVALID = _("Line %(line)d: “%(date)s” is not a real date, e.g. 2026-03-02.")
STAGES_TOO_LONG = _("At most %(max)d lines.")
DEFER_UNTIL_REQUIRED = _("Say until when the disclosure is deferred.")
DECISION_REQUIRED = _("Approve or refuse the request.")

#: A stage line ends with its date; the name is what comes before (a tab, comma or spaces
#: between). Searched from each position but anchored at the end, so a long line costs
#: linear time.
_STAGE_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_SEPARATORS = " \t,，、"


class ObligationFilter(forms.Form):
    """The list's filters, read from the query string; an unknown value is reported and left
    out of the filter, never a 500."""

    state = forms.ChoiceField(label=_("State"), required=False)
    period = forms.ChoiceField(label=_("Period"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)

    def __init__(
        self,
        *args: Any,
        periods: list[tuple[str, str]],
        categories: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        self.fields["state"].choices = [*every, ("open", _("Still open")), *State.choices]  # type: ignore[attr-defined]
        self.fields["period"].choices = every + periods  # type: ignore[attr-defined]
        self.fields["category"].choices = every + categories  # type: ignore[attr-defined]


class EventForm(forms.Form):
    item = forms.ChoiceField(label=_("Catalog item"))
    title = _text_field(
        recording.TITLE_MAX,
        required=True,
        label=_("What happened"),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 王某列为发展对象")}),
    )
    happened_on = BoundedDateField(label=_("Date"))

    def __init__(self, *args: Any, items: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(i.key, i.value("name")) for i in items]  # type: ignore[attr-defined]


class PlanForm(forms.Form):
    item = forms.ChoiceField(label=_("Catalog item"))
    title = _text_field(recording.TITLE_MAX, required=True, label=_("Matter"))
    stages = _text_field(
        4000,
        required=True,
        label=_("Stages"),
        strip=False,
        help_text=_(
            "One stage per line: its name, then its planned date, e.g. “征求意见 2026-03-02”. "
            "Rows pasted from Excel work too."
        ),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, items: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(i.key, i.value("name")) for i in items]  # type: ignore[attr-defined]

    def clean_stages(self) -> list[tuple[str, dt.date]]:
        text = self.cleaned_data.get("stages") or ""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if len(lines) > recording.MAX_STAGES:
            raise forms.ValidationError(STAGES_TOO_LONG % {"max": recording.MAX_STAGES})
        stages: list[tuple[str, dt.date]] = []
        for number, line in enumerate(lines, start=1):
            match = _STAGE_DATE.search(line)
            name = line[: match.start()].strip(_SEPARATORS) if match else ""
            if match is None or not name or match.start() == 0:
                raise forms.ValidationError(STAGE_LINE_INVALID % {"line": number})
            try:
                date = dt.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                raise forms.ValidationError(
                    STAGE_DATE_INVALID % {"line": number, "date": match[0]}
                ) from None
            stages.append((name, date))
        return stages


class ExemptionRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is asked"), choices=Exemption.Kind.choices, widget=forms.RadioSelect
    )
    reason_category = forms.ChoiceField(
        label=_("Reason category"), choices=[("", "—"), *ReasonCategory.choices]
    )
    reason = _text_field(
        validation.REASON_MAX,
        required=True,
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    legal_basis = _text_field(
        validation.REASON_MAX,
        required=True,
        label=_("Legal basis"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    likely_harm = _text_field(
        validation.REASON_MAX,
        label=_("Likely harm if disclosed"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    defer_until = BoundedDateField(
        label=_("Deferred until (for a deferral)"),
        required=False,
        error_messages={"invalid": DATE_INVALID},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("kind") == Exemption.Kind.DEFER
            and not cleaned.get("defer_until")
            and "defer_until" not in self.errors
        ):
            self.add_error("defer_until", DEFER_UNTIL_REQUIRED)
        return cleaned


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
        error_messages={"required": DECISION_REQUIRED},
    )
    reason = _text_field(
        validation.REASON_MAX,
        required=True,
        label=_("Reasons of the decision"),
        help_text=_(
            "Shown with the notice where the item would have been; the organization's own "
            "reasons are not."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    shown_scope = forms.ChoiceField(
        label=_("Who sees the notice"),
        choices=Scope.choices,
        initial=Scope.PARTY,
        required=False,
        help_text=_("Inside the party if not chosen; it matters only when approving."),
        widget=forms.RadioSelect,
    )

    def clean_shown_scope(self) -> str:
        return self.cleaned_data.get("shown_scope") or Scope.PARTY
