from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongkai.engagement.models import AnswerRule
from gongkai.inforequests.models import InformationRequestPolicy
from gongkai.organizations.models import Organization
from gongkai.topics.models import TopicSettings


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


class OpinionRuleForm(forms.ModelForm):
    """The organization's own answer deadline for opinions (its subordinates inherit it)."""

    answer_days = forms.IntegerField(
        label=_("Working days to answer an opinion"), min_value=1, max_value=60
    )
    escalate_after_days = forms.IntegerField(
        label=_("Working days overdue before the superior is told"), min_value=1, max_value=60
    )

    class Meta:
        model = AnswerRule
        fields = ["answer_days", "escalate_after_days"]


class TopicSettingsForm(forms.ModelForm):
    answer_days = forms.IntegerField(
        label=_("Working days to answer a topic request"), min_value=1, max_value=60
    )

    class Meta:
        model = TopicSettings
        fields = ["answer_days"]


class RequestPolicyForm(forms.ModelForm):
    """The periods of information requests (the regulation's defaults until changed)."""

    class Meta:
        model = InformationRequestPolicy
        fields = ["answer_days", "max_extension_days", "supplement_notice_days", "third_party_days"]
