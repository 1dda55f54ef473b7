"""Forms of the public and member site."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongkai import validation
from gongkai.disclosures.workflow import OPINION_EMPTY


class OpinionForm(forms.Form):
    """An opinion on a draft in consultation: bounded like every text that is stored."""

    text = forms.CharField(
        label=_("Your opinion"),
        max_length=validation.OPINION_MAX,
        validators=[validation.validate_plain_text],
        error_messages={"required": OPINION_EMPTY},
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class PublicOpinionForm(OpinionForm):
    """An opinion from the public on a public consultation: no account, an optional way to
    be addressed. The text is cleaned to plain text by gongkai.guard.text before storing."""

    author = forms.CharField(
        label=_("How to address you (optional)"),
        max_length=validation.AUTHOR_MAX,
        required=False,
        validators=[validation.validate_plain_text],
    )
