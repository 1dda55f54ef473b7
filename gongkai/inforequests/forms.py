"""Forms of information requests: the public form, tracking, and the staff's steps. Bounds
come from the model's limits; the domain functions check again and answer in Chinese."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongkai import validation
from gongkai.inforequests import models as m

TEXT = [validation.validate_plain_text]


def _text(label: Any, limit: int, *, required: bool = False, rows: int = 0, **kw: Any) -> Any:
    widget = forms.Textarea(attrs={"rows": rows, "maxlength": limit}) if rows else None
    return forms.CharField(
        label=label,
        max_length=limit,
        required=required,
        validators=TEXT,
        widget=widget,
        **kw,
    )


def _check_date(value: Any) -> None:
    validation.check_date(value)


def _day(label: Any = None) -> forms.DateField:
    return forms.DateField(
        label=label or _("Date (empty: today)"),
        required=False,
        validators=[_check_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class RequestForm(forms.Form):
    name = _text(_("Name (or the unit's name)"), m.NAME_MAX, required=True)
    id_number = _text(_("ID number"), m.ID_NUMBER_MAX)
    phone = _text(_("Phone"), m.PHONE_MAX)
    address = _text(_("Postal address"), m.ADDRESS_MAX)
    email = _text(_("E-mail"), m.EMAIL_MAX)
    description = _text(
        _("Information requested"),
        m.DESCRIPTION_MAX,
        required=True,
        rows=6,
        help_text=_("Name the document or describe what it is about, and the time it concerns."),
    )
    purpose = _text(_("Purpose (optional)"), m.PURPOSE_MAX, rows=2)
    preferred_form = forms.ChoiceField(
        label=_("Preferred form"),
        choices=[("", "—"), *m.PreferredForm.choices],
        required=False,
    )


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=64, validators=TEXT)


class SupplementForm(forms.Form):
    reason = _text(_("What the applicant is to complete"), m.TEXT_MAX, required=True, rows=3)
    on = _day()


class NoteForm(forms.Form):
    note = _text(_("Note"), m.TEXT_MAX, rows=2)
    on = _day()


class ThirdPartyForm(forms.Form):
    third_party = _text(_("Third party"), m.THIRD_PARTY_MAX, required=True)
    reason = _text(_("Why their opinion is asked"), m.TEXT_MAX, required=True, rows=3)
    on = _day()


class ExtendForm(forms.Form):
    days = forms.IntegerField(label=_("Working days"), min_value=1, max_value=60)
    reason = _text(_("Reason"), m.TEXT_MAX, required=True, rows=3)
    on = _day()


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Answer"), choices=m.Outcome.choices)
    reply_text = _text(_("Reply (the information given, or the explanation)"), m.TEXT_MAX, rows=5)
    refusal_reason = forms.ChoiceField(
        label=_("Reason for not disclosing"),
        choices=[("", "—"), *m.RefusalReason.choices],
        required=False,
    )
    legal_basis = _text(_("Legal basis"), m.LEGAL_BASIS_MAX)
    disclosure = forms.IntegerField(
        label=_("Number of the disclosure answering it (optional)"),
        required=False,
        min_value=1,
        max_value=validation.MAX_SAFE_INTEGER,
    )
    referred_to = _text(_("Code of the organization referred to"), 32)
    on = _day()


class ReasonForm(forms.Form):
    reason = _text(_("Reason"), m.TEXT_MAX, required=True, rows=3)


class AppealForm(forms.Form):
    appeal = forms.ChoiceField(label=_("Appeal"), choices=[c for c in m.Appeal.choices if c[0]])
    result = forms.ChoiceField(label=_("Result"), choices=m.AppealResult.choices)
    note = _text(_("Note"), m.TEXT_MAX, rows=2)


class StaffRequestForm(RequestForm):
    """A request that came by letter, in person or by phone, entered by the staff."""

    channel = forms.ChoiceField(
        label=_("Received by"),
        choices=[(c.value, c.label) for c in (m.Channel.LETTER, m.Channel.IN_PERSON)],
    )
    received_on = _day(_("Received on (empty: today)"))
