"""Forms of the opinion pages: bounded like every text that is stored; the rules (HTML
stripped, the deadline, the tracking code) are in engagement.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongkai import validation
from gongkai.catalog.models import Scope
from gongkai.engagement.models import (
    ANSWER_MAX,
    CONTACT_MAX,
    NAME_MAX,
    OPINION_MAX,
    REASON_MAX,
    Kind,
    Rating,
)
from gongkai.engagement.services import EMPTY, TRIAGE_STATES

PLAIN = [validation.validate_plain_text]


class OpinionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What kind of message"),
        choices=Kind.choices,
        initial=Kind.SUGGESTION,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("Your message"),
        max_length=OPINION_MAX,
        validators=PLAIN,
        error_messages={"required": EMPTY},
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    sender_name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=NAME_MAX,
        required=False,
        validators=PLAIN,
        help_text=_("Only the staff who handle your message see it; it is never published."),
    )
    sender_contact = forms.CharField(
        label=_("Phone or other contact (optional)"),
        max_length=CONTACT_MAX,
        required=False,
        validators=PLAIN,
        help_text=_("Only the staff who handle your message see it; it is never published."),
    )


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=64,
        validators=PLAIN,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class VoteForm(forms.Form):
    code = forms.CharField(max_length=64, validators=PLAIN, widget=forms.HiddenInput)
    rating = forms.ChoiceField(choices=Rating.choices)


# --- console ---------------------------------------------------------------------------


class TriageForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Triage"), choices=[(s.value, s.label) for s in TRIAGE_STATES]
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX, required=False, validators=PLAIN
    )
    duplicate_of = forms.CharField(
        label=_("Tracking code of the opinion it repeats"),
        max_length=64,
        required=False,
        validators=PLAIN,
    )


class AssignForm(forms.Form):
    assigned_to = forms.TypedChoiceField(label=_("Assign to"), coerce=int, choices=())

    def __init__(self, *args: object, people: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["assigned_to"].choices = people  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"),
        max_length=ANSWER_MAX,
        validators=PLAIN,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class PublishForm(forms.Form):
    scope = forms.ChoiceField(label=_("Show on the echo wall to"), choices=Scope.choices)


class PassOnForm(forms.Form):
    to = forms.ChoiceField(label=_("Pass to"), choices=())
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX, required=False, validators=PLAIN
    )

    def __init__(self, *args: object, units: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["to"].choices = units  # type: ignore[attr-defined]
