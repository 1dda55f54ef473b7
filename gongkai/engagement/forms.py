"""Forms of the opinion pages: bounded like every text that is stored; the rules (HTML
stripped, the deadline, the tracking code) are in engagement.services."""

from __future__ import annotations

from typing import Any

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
from gongkai.guard import uploads

PLAIN = [validation.validate_plain_text]
FILES_HELP = _(
    "Up to %(max)d files: photos (PNG, JPEG), PDF, Word or Excel, at most %(mb)d MB each. "
    "Only the staff who handle your message see them."
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the number and each file's content are checked by
    engagement.services.submit (gongkai.guard.uploads), which names the file it refuses."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, (list, tuple)):
            # One more than allowed is kept, so that the count is refused, not cut.
            chosen = [d for d in data if d][: uploads.DEFAULT_MAX_FILES + 1]
            return [super(MultipleFileField, self).clean(d, initial) for d in chosen]
        return [super().clean(data, initial)] if data else []


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
    attachments = MultipleFileField(label=_("Attach photos or files (optional)"))

    def __init__(self, *args: Any, with_files: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_files:
            self.fields["attachments"].help_text = FILES_HELP % {
                "max": uploads.DEFAULT_MAX_FILES,
                "mb": max(1, uploads.max_bytes() // (1024 * 1024)),
            }
        else:  # the kiosk takes no files
            del self.fields["attachments"]


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
