"""An organization's compliance dashboard: `GET /organizations/{code}/dashboard?first=&last=`.

The same figures as the console's dashboard page (`compliance.dashboard.build`, read from
the stored roll-ups), for the same people: whoever may see the organization in the console.
The window is whole months from `first`'s to `last`'s (by default the year to date); a
backwards, too long or out-of-range window is refused in Chinese (400), a value that is not
a date is 422.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from gongkai import permissions
from gongkai.api import auth, fields
from gongkai.api.errors import responses
from gongkai.api.schemas import OrganizationRef
from gongkai.compliance import dashboard as dash
from gongkai.compliance import obligations, periods
from gongkai.compliance.figures import Figures
from gongkai.organizations.models import Organization

router = Router(tags=["compliance"], auth=auth.STAFF)


class DashboardQuery(Schema):
    first: dt.date | None = Field(
        None, description="First day of the window (its month counts whole); default 1 January."
    )
    last: dt.date | None = Field(
        None, description="Last day of the window (its month counts whole); default today."
    )


class WindowOut(Schema):
    first: dt.date
    last: dt.date
    label: str


class FiguresOut(Schema):
    due: int
    fulfilled: int
    on_time: int
    late: int
    overdue: int
    exempted: int
    deferred: int
    pending: int
    coverage: float | None = Field(description="Fulfilled of due, in percent (one decimal).")
    on_time_rate: float | None = Field(description="On time of due, in percent (one decimal).")


class RankedOut(FiguresOut):
    rank: int | None = Field(description="Competition ranking; null when nothing was due.")
    organization: OrganizationRef


class MonthOut(FiguresOut):
    month: str = Field(description="Period key of the month, e.g. 2026-M03.")
    label: str


class OverdueOut(Schema):
    organization: OrganizationRef
    item_key: str
    name: str
    period_key: str
    period_label: str
    due_date: dt.date
    working_days_overdue: int


class DashboardOut(Schema):
    organization: OrganizationRef
    window: WindowOut
    organizations: int = Field(description="Active organizations the figures cover.")
    headline: FiguresOut
    ranking: list[RankedOut]
    trend: list[MonthOut]
    overdue_total: int
    overdue: list[OverdueOut] = Field(description="The longest overdue first (a sample).")


def _rate(value: Any) -> float | None:
    return None if value is None else float(value)


def figures_out(f: Figures) -> dict[str, Any]:
    return {
        "due": f.due,
        "fulfilled": f.fulfilled,
        "on_time": f.on_time,
        "late": f.late,
        "overdue": f.overdue,
        "exempted": f.exempted,
        "deferred": f.deferred,
        "pending": f.pending,
        "coverage": _rate(f.coverage),
        "on_time_rate": _rate(f.on_time_rate),
    }


def _ref(org: Organization) -> dict[str, str]:
    return {"code": org.code, "name": org.name}


def dashboard_out(d: dash.Dashboard) -> dict[str, Any]:
    return {
        "organization": _ref(d.organization),
        "window": {"first": d.window.start, "last": d.window.end, "label": d.window.label},
        "organizations": d.organizations,
        "headline": figures_out(d.headline),
        "ranking": [
            {"rank": r.rank, "organization": _ref(r.figures.organization), **figures_out(r.figures)}
            for r in d.ranking
        ],
        "trend": [
            {
                "month": dash.month_key(f),
                "label": periods.label(dash.month_key(f)),
                **figures_out(f),
            }
            for f in d.trend
        ],
        "overdue_total": d.headline.overdue,
        "overdue": [
            {
                "organization": _ref(line.obligation.organization),
                "item_key": line.obligation.item_key,
                "name": line.obligation.name,
                "period_key": line.obligation.period_key,
                "period_label": line.obligation.period_label,
                "due_date": line.obligation.due_date,
                "working_days_overdue": line.days_overdue,
            }
            for line in d.overdue
        ],
    }


@router.get(
    "/{code}/dashboard",
    response={200: DashboardOut, **responses(400, 401, 403, 404, 422)},
    summary="Compliance figures of an organization's subtree over a window of months",
)
def get_dashboard(
    request: HttpRequest, code: fields.OrganizationCode, query: Query[DashboardQuery]
) -> Any:
    org = Organization.objects.select_related("parent").filter(code=code).first()
    if org is None:
        raise Http404
    if not permissions.can_view_in_console(auth.caller(request), org):
        raise PermissionDenied
    today = obligations.today()
    params = {
        "first": query.first.isoformat() if query.first else "",
        "last": query.last.isoformat() if query.last else "",
    }
    window = dash.parse_window(params, today)  # ValidationError → 400, in Chinese
    return dashboard_out(dash.build(org, window, on=today))
