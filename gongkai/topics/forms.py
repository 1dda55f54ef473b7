"""Forms of topic requests: bounded like every text that is stored (gongkai.validation)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongkai import validation
from gongkai.catalog.models import Scope, Timing
from gongkai.topics.models import ANSWER_MAX, DESCRIPTION_MAX, TITLE_MAX
from gongkai.topics.services import ITEM_TIMINGS


def _text(
    label: Any, max_length: int, *, required: bool = True, rows: int = 0, **kw: Any
) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        validators=[validation.validate_plain_text],
        widget=forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput(),
        **kw,
    )


class ProposeForm(forms.Form):
    title = _text(_("Topic"), TITLE_MAX, help_text=_("What should the organization disclose?"))
    description = _text(
        _("Details"),
        DESCRIPTION_MAX,
        required=False,
        rows=5,
        help_text=_(
            "Why it matters, what you would like to know. Do not write ID or phone numbers."
        ),
    )


class AnswerForm(forms.Form):
    answer = _text(_("Answer"), ANSWER_MAX, rows=4)
    echo_scope = forms.ChoiceField(
        label=_("Answer shown to"), choices=Scope.choices, initial=Scope.PARTY
    )


class ItemForm(AnswerForm):
    category_key = forms.ChoiceField(label=_("Category"), choices=())
    item_name = _text(_("Item name"), TITLE_MAX)
    item_scope = forms.ChoiceField(label=_("Item scope"), choices=Scope.choices)
    timing = forms.ChoiceField(
        label=_("Timing"),
        choices=[(t.value, t.label) for t in Timing if t in ITEM_TIMINGS],
        initial=Timing.EVENT,
    )

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category_key"].choices = categories  # type: ignore[attr-defined]


class DisclosureForm(AnswerForm):
    item_key = forms.ChoiceField(label=_("Catalog item"), choices=())

    def __init__(self, *args: Any, items: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item_key"].choices = items  # type: ignore[attr-defined]


class DeclineForm(AnswerForm):
    answer = _text(_("Reason for declining"), ANSWER_MAX, rows=4)


class MergeForm(AnswerForm):
    into = forms.ChoiceField(label=_("Merge into"), choices=())

    def __init__(self, *args: Any, targets: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].choices = targets  # type: ignore[attr-defined]
