"""The public summary of published assessments (only of plans that say so): the ranking and
the points per criterion, without the assessors' individual scores."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from gongkai.disclosures import scanning
from gongkai.reports import access, assessment


def listing(request: HttpRequest) -> HttpResponse:
    plans = access.public_plans().select_related("organization").order_by("-published_at", "-pk")
    shown = [{"plan": p, "title": scanning.mask(p.title)} for p in plans[:200]]
    return render(request, "reports/public/list.html", {"plans": shown})


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.public_plans().select_related("organization").filter(pk=pk).first()
    if plan is None:
        raise Http404
    # What the office typed (the plan's title, criteria, organizations' names in the frozen
    # result) is shown to everyone: masked like every published text, never as typed.
    return render(
        request,
        "reports/public/detail.html",
        {
            "plan": plan,
            "title": scanning.mask(plan.title),
            "result": scanning.mask_data(assessment.result(plan)),
        },
    )
