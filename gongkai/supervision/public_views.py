"""The organization's page section 监督检查结果 (/o/<code>/supervision/): published findings
and accountability records, each shown to the scope it names (gongkai.supervision.
visibility), with the text as published (personal numbers masked)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from gongkai.organizations.models import Organization
from gongkai.supervision import visibility
from gongkai.supervision.models import AccountabilityRecord, Finding
from gongkai.validation import text_problem
from gongkai.web.caching import public_page

LIMIT = 200


@require_safe
# What is shown depends on who reads it: only an anonymous reader's copy may be shared.
@public_page
def results(request: HttpRequest, code: str) -> HttpResponse:
    if text_problem(code):
        raise Http404
    org = get_object_or_404(Organization, code=code)
    findings = (
        Finding.objects.filter(organization=org)
        .filter(visibility.result_condition(request.user))
        .order_by("-published_at", "-pk")[:LIMIT]
    )
    records = (
        AccountabilityRecord.objects.filter(organization=org)
        .visible_to(request.user)
        .select_related("organization")
        .order_by("-decision_date", "-pk")[:LIMIT]
    )
    return render(
        request,
        "supervision/portal/results.html",
        {"org": org, "findings": findings, "records": records},
    )
