"""Work summaries and assessments: what the console shows, for a token holder, within the same
rules (gongkai.reports.access). Nothing is produced or scored through the API yet; the
documents download as the files the office downloads."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from pydantic import Field

from gongkai.api import auth, fields
from gongkai.api.endpoints import page_of
from gongkai.api.errors import responses
from gongkai.api.schemas import OrganizationRef, Paged, PageQuery
from gongkai.reports import access, assessment, documents, windows
from gongkai.reports.models import AssessmentPlan, Report

reports_router = Router(tags=["reports"], auth=auth.STAFF)
assessments_router = Router(tags=["assessments"], auth=auth.STAFF)

ReportStatus = Literal["pending", "ready", "failed"]
PlanStatus = Literal["draft", "scoring", "published"]
FILE_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
FILE_RESPONSE: dict[str, Any] = {
    "responses": {
        200: {
            "description": "The document (Word or PDF).",
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}} for t in FILE_TYPES.values()
            },
        }
    }
}


# --- schemas ---------------------------------------------------------------------------------


class ReportQuery(PageQuery):
    organization: fields.OrganizationCode | None = Field(None, description="Organization code.")


class ReportFiles(Schema):
    docx: str | None
    pdf: str | None


class ReportOut(Schema):
    id: int
    organization: OrganizationRef
    kind: str
    title: str
    period: str
    first: dt.date
    last: dt.date
    status: ReportStatus
    created_by: str
    created_at: dt.datetime
    rendered_at: dt.datetime | None
    files: ReportFiles


class ReportDetailOut(ReportOut):
    figures: dict[str, Any] = Field(
        description="The numbers the documents show (read from the compliance figures)."
    )


class ReportPage(Paged):
    results: list[ReportOut]


class CriterionOut(Schema):
    kind: str
    label: str
    weight: int
    max_score: int
    source: Literal["measured", "panel"]


class PanelEntryOut(Schema):
    assessor: str
    score: str | None


class PartOut(Schema):
    kind: str
    label: str
    weight: int
    max_score: int
    source: Literal["measured", "panel"]
    value: str | None = Field(description="The measured percentage, or the panel's mean.")
    score: str | None = Field(description="Points earned; null while awaiting the panel.")
    pending: bool
    formula: str
    panel: list[PanelEntryOut]
    mean: str | None


class RowOut(Schema):
    rank: int | None
    tied: bool
    organization: OrganizationRef
    total: str | None
    pending: bool
    parts: list[PartOut]


class ResultOut(Schema):
    criteria: list[CriterionOut]
    assessors: list[str]
    rows: list[RowOut]
    pending: int
    computed_at: str


class PlanQuery(PageQuery):
    organization: fields.OrganizationCode | None = Field(None, description="Organization code.")
    status: PlanStatus | None = None


class PlanOut(Schema):
    id: int
    title: str
    organization: OrganizationRef
    period: str
    first: dt.date
    last: dt.date
    reach: str
    status: PlanStatus
    public_summary: bool
    published_at: dt.datetime | None
    criteria: list[CriterionOut]


class PlanDetailOut(PlanOut):
    result: ResultOut


class PlanPage(Paged):
    results: list[PlanOut]


# --- reports ---------------------------------------------------------------------------------


def _ref(org: Any) -> dict[str, str]:
    return {"code": org.code, "name": org.name}


def report_out(report: Report) -> dict[str, Any]:
    ready = report.status == Report.Status.READY

    def url(fmt: str, field: Any) -> str | None:
        if not ready or not field.name:
            return None
        return reverse("api_v1:get_report_file", kwargs={"id": report.pk, "fmt": fmt})

    return {
        "id": report.pk,
        "organization": _ref(report.organization),
        "kind": report.kind,
        "title": report.title,
        "period": windows.label(report.first, report.last),
        "first": report.first,
        "last": report.last,
        "status": report.status,
        "created_by": str(report.created_by),
        "created_at": report.created_at,
        "rendered_at": report.rendered_at,
        "files": {"docx": url("docx", report.docx), "pdf": url("pdf", report.pdf)},
    }


def _report(request: HttpRequest, id: int) -> Report:
    found = (
        access.reports_for(auth.caller(request))
        .select_related("organization", "created_by")
        .filter(pk=id)
        .first()
    )
    if found is None:
        raise Http404
    return found


@reports_router.get(
    "",
    response={200: ReportPage, **responses(401, 404, 422)},
    summary="Work summaries the caller may read, newest first",
)
def list_reports(request: HttpRequest, query: Query[ReportQuery]) -> Any:
    qs = access.reports_for(auth.caller(request)).select_related("organization", "created_by")
    if query.organization is not None:
        qs = qs.filter(organization__code=query.organization)
    total, rows = page_of(qs.order_by("-created_at", "-pk"), query)
    return {
        "count": total,
        "page": query.page,
        "page_size": query.page_size,
        "results": [report_out(r) for r in rows],
    }


@reports_router.get(
    "/{int:id}",
    response={200: ReportDetailOut, **responses(401, 404, 422)},
    summary="A work summary with the figures its documents show",
)
def get_report(request: HttpRequest, id: fields.Id) -> Any:
    report = _report(request, id)
    return {**report_out(report), "figures": report.figures or {}}


@reports_router.get(
    "/{int:id}/files/{fmt}",
    response=responses(401, 404, 422),
    summary="Download a work summary as Word (docx) or PDF",
    openapi_extra=FILE_RESPONSE,
)
def get_report_file(request: HttpRequest, id: fields.Id, fmt: Literal["docx", "pdf"]) -> Any:
    report = _report(request, id)
    field = report.docx if fmt == "docx" else report.pdf
    if report.status != Report.Status.READY or not field.name:
        raise Http404
    response = FileResponse(
        field.open("rb"),
        as_attachment=True,
        filename=documents.download_name(report, fmt),
        content_type=FILE_TYPES[fmt],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- assessments -----------------------------------------------------------------------------


def plan_out(plan: AssessmentPlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "title": plan.title,
        "organization": _ref(plan.organization),
        "period": windows.label(plan.first, plan.last),
        "first": plan.first,
        "last": plan.last,
        "reach": plan.reach,
        "status": plan.status,
        "public_summary": plan.public_summary,
        "published_at": plan.published_at,
        "criteria": [
            {
                "kind": c.kind,
                "label": assessment.label(c.kind),
                "weight": c.weight,
                "max_score": c.max_score if c.kind not in assessment.MEASURED else 100,
                "source": "measured" if c.kind in assessment.MEASURED else "panel",
            }
            for c in plan.criteria.all()
        ],
    }


@assessments_router.get(
    "",
    response={200: PlanPage, **responses(401, 404, 422)},
    summary="Assessment plans the caller may see (managers, assessors, published to the subtree)",
)
def list_assessments(request: HttpRequest, query: Query[PlanQuery]) -> Any:
    qs = access.plans_for(auth.caller(request)).select_related("organization")
    if query.organization is not None:
        qs = qs.filter(organization__code=query.organization)
    if query.status is not None:
        qs = qs.filter(status=query.status)
    total, rows = page_of(qs.prefetch_related("criteria").order_by("-created_at", "-pk"), query)
    return {
        "count": total,
        "page": query.page,
        "page_size": query.page_size,
        "results": [plan_out(p) for p in rows],
    }


@assessments_router.get(
    "/{int:id}",
    response={200: PlanDetailOut, **responses(401, 404, 422)},
    summary="An assessment plan and its result: ranking, and each score's sources",
)
def get_assessment(request: HttpRequest, id: fields.Id) -> Any:
    plan = AssessmentPlan.objects.select_related("organization").filter(pk=id).first()
    if plan is None or not access.can_view_plan(auth.caller(request), plan):
        raise Http404
    result = assessment.result(plan)
    return {**plan_out(plan), "result": result}
