"""The public summary of published assessments (only of plans that say so): the ranking and
the points per criterion, without the assessors' individual scores."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from gongkai.reports import access, assessment


def listing(request: HttpRequest) -> HttpResponse:
    plans = access.public_plans().select_related("organization").order_by("-published_at", "-pk")
    return render(request, "reports/public/list.html", {"plans": plans[:200]})


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.public_plans().select_related("organization").filter(pk=pk).first()
    if plan is None:
        raise Http404
    return render(
        request, "reports/public/detail.html", {"plan": plan, "result": assessment.result(plan)}
    )
