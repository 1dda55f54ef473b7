from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongkai.organizations.models import Organization


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = [
            "code",
            "name",
            "kind",
            "setting",
            "is_pilot",
            "supervision_phone",
            "opinion_mailbox",
            "address",
            "spokesperson",
            "press_liaison",
            "is_active",
        ]


class OrganizationImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))
