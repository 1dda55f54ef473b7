"""An organization's deadlines for what people send it, set by its leading-group office in
the console: the answer deadline and escalation delay of opinions (inherited by the
organizations below unless they set their own), the answer deadline of topic requests, and
the periods of information requests (the regulation's defaults until changed)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongkai import permissions
from gongkai.console.forms import OpinionRuleForm, RequestPolicyForm, TopicSettingsForm
from gongkai.console.views.base import console_view, context, org_or_404
from gongkai.engagement import services as opinions
from gongkai.engagement.models import AnswerRule
from gongkai.inforequests.models import InformationRequestPolicy
from gongkai.topics.models import TopicSettings


@console_view
def engagement_settings(request: HttpRequest, code: str) -> HttpResponse:
    org = org_or_404(request, code)
    if not permissions.can_manage_organization(request.user, org):
        raise PermissionDenied
    own_rule = AnswerRule.objects.filter(organization=org).first()
    answer_days, escalate_after = opinions.rule_for(org)
    data: Any = request.POST if request.method == "POST" else None
    forms = [
        OpinionRuleForm(
            data,
            prefix="opinions",
            instance=own_rule or AnswerRule(organization=org),
            # Without an own rule the form starts from the one in force (inherited).
            initial={}
            if own_rule
            else {"answer_days": answer_days, "escalate_after_days": escalate_after},
        ),
        TopicSettingsForm(
            data,
            prefix="topics",
            instance=TopicSettings.objects.filter(organization=org).first()
            or TopicSettings(organization=org),
        ),
        RequestPolicyForm(
            data,
            prefix="requests",
            instance=InformationRequestPolicy.objects.filter(organization=org).first()
            or InformationRequestPolicy(organization=org),
        ),
    ]
    if data is not None and all(form.is_valid() for form in forms):
        with transaction.atomic():
            for form in forms:
                form.save()
        messages.success(request, _("The deadlines have been saved."))
        return redirect("console:org_engagement_settings", org.code)
    opinion_form, topic_form, request_form = forms
    return render(
        request,
        "console/organizations/engagement_settings.html",
        context(
            request,
            "tree",
            subject=org,
            opinion_form=opinion_form,
            topic_form=topic_form,
            request_form=request_form,
            inherited=own_rule is None,
        ),
        status=400 if data is not None else 200,
    )
