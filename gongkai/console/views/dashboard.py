"""Compliance dashboards (公开情况统计): for an organization and a window of months, the
headline figures over its subtree, the ranking of its direct subordinates, the trend month by
month and quarter by quarter, and the overdue list; every count opens the list of the
obligations it counts, each obligation opens with its disclosure; every table downloads as
Excel.

The numbers all come from `compliance.figures` (stored roll-ups) through
`compliance.dashboard`; the lists are index range scans of the subtree, a page at a time.
Who may see a dashboard: whoever may see the organization in the console.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from gongkai import permissions
from gongkai.compliance import crosscheck, obligations
from gongkai.compliance import dashboard as dash
from gongkai.compliance.figures import Figures
from gongkai.compliance.models import Obligation
from gongkai.console import charts
from gongkai.console import dashboard_excel as excel
from gongkai.console import dashboard_tables as tables
from gongkai.console.views.base import console_view, context, org_or_404
from gongkai.organizations.models import Organization
from gongkai.web.views import refusal_text

PAGE_SIZE = 50
MAX_PAGE = 10_000
#: An exported obligation list stops here (a spreadsheet holds about a million rows; a
#: county's year is far below this with a sensible window).
EXPORT_MAX = 100_000
EXPORTS = ("headline", "ranking", "trend", "quarters", "overdue")


def _window(request: HttpRequest) -> tuple[dash.Window, str]:
    """The window the address names, or the year to date with the reason it was refused."""
    today = obligations.today()
    try:
        return dash.parse_window(request.GET, today), ""
    except ValidationError as exc:
        return dash.year_to_date(today), refusal_text(exc)


def _can_open(request: HttpRequest) -> Callable[[Organization], bool]:
    seen: dict[int, bool] = {}

    def can_open(org: Organization) -> bool:
        if org.pk not in seen:
            seen[org.pk] = permissions.can_view_in_console(request.user, org)
        return seen[org.pk]

    return can_open


def _title(org: Organization, window: dash.Window, what: str) -> str:
    return _("%(org)s · %(window)s · %(table)s") % {
        "org": org.name,
        "window": window.label,
        "table": what,
    }


@console_view
def index(request: HttpRequest) -> HttpResponse:
    """The dashboard of the organization being worked on."""
    org = request.org  # type: ignore[attr-defined]
    if org is None:
        raise Http404
    return redirect("console:dashboard", org.code)


def _trend_chart(chart_id: str, title: str, rows: list[Figures], labels: list[str]) -> Any:
    series = [
        charts.Series("on_time", _("On time"), [f.on_time for f in rows]),
        charts.Series("late", _("Late"), [f.late for f in rows]),
        charts.Series("overdue", _("Overdue"), [f.overdue for f in rows]),
        charts.Series("pending", _("Not yet due"), [f.pending for f in rows]),
    ]
    busiest = max(rows, key=lambda f: f.total, default=None)
    desc = _(
        "Stacked columns, one per period: obligations fulfilled on time (solid), late "
        "(hatched), overdue (cross-hatched) and not yet due (dotted). %(total)d in all; the "
        "most in %(busiest)s (%(most)d). The table below holds every number."
    ) % {
        "total": sum(f.total for f in rows),
        "busiest": labels[rows.index(busiest)] if busiest else "—",
        "most": busiest.total if busiest else 0,
    }
    return charts.stacked_columns(
        chart_id=chart_id, title=title, desc=desc, labels=labels, series=series
    )


#: The ranking chart draws this many subordinates; the table lists them all.
CHART_ROWS = 40


def _ranking_chart(d: dash.Dashboard) -> Any:
    lines = d.ranking[:CHART_ROWS]
    title = _("On-time rate of the direct subordinates")
    desc = _(
        "Horizontal bars, one per subordinate in ranking order, the length its on-time rate "
        "(0 to 100%%), the rate written beside it. The table below holds every number."
    )
    return charts.rate_bars(
        chart_id="ranking-chart",
        title=title,
        desc=desc,
        labels=[line.figures.organization.name for line in lines],
        values=[line.figures.on_time_rate for line in lines],
        none_text=_("nothing due"),
    )


@console_view
def show(request: HttpRequest, code: str) -> HttpResponse:
    org = org_or_404(request, code)
    window, problem = _window(request)
    if problem:
        messages.error(request, problem)
    d = dash.build(org, window)
    can_open = _can_open(request)
    month_labels = [_("%(month)d") % {"month": f.first.month} for f in d.trend]
    if len({f.first.year for f in d.trend}) > 1:
        month_labels = [f"{f.first:%y}/{f.first.month}" for f in d.trend]
    quarter_labels = [
        _("Q%(quarter)d") % {"quarter": (f.first.month - 1) // 3 + 1} for f in d.quarters
    ]
    if len({f.first.year for f in d.quarters}) > 1:
        quarter_labels = [
            f"{f.first:%y} {label}" for f, label in zip(d.quarters, quarter_labels, strict=True)
        ]
    user: Any = request.user
    check = crosscheck.latest() if permissions.is_administrator(user) else None
    sections = {
        "headline": tables.headline(d),
        "ranking": tables.ranking(d, can_open),
        "trend": tables.trend(d),
        "quarters": tables.quarters(d),
        "overdue": tables.overdue(d, can_open),
    }
    return render(
        request,
        "console/dashboard/show.html",
        context(
            request,
            "dashboard",
            subject=org,
            ancestors=[a for a in org.ancestors() if can_open(a)],
            d=d,
            window=window,
            today=obligations.today(),
            choices=dash.period_choices(obligations.today()),
            tables=sections,
            exports={key: tables.export_url(org, window, key) for key in EXPORTS},
            cards=_cards(d),
            trend_chart=_trend_chart(
                "trend-chart", _("Obligations by month of their due date"), d.trend, month_labels
            ),
            quarter_chart=_trend_chart(
                "quarter-chart",
                _("Obligations by quarter of their due date"),
                d.quarters,
                quarter_labels,
            ),
            ranking_chart=_ranking_chart(d) if d.ranking else "",
            qs=urlencode(window.query()),
            check=check,
        ),
    )


def _cards(d: dash.Dashboard) -> list[dict[str, Any]]:
    """The headline as large figures over the table (the same rows)."""
    labels = tables.headline_labels()
    out = []
    for key, show, kind, value in tables.HEADLINE_ROWS:
        if key in ("on_time", "late"):
            continue  # in the table; the cards keep to what is read first
        number = value(d)
        out.append(
            {
                "key": key,
                "label": labels[key],
                "text": tables.display(number, kind),
                "href": tables.list_url(d.organization, d.window, show) if show else "",
                "alert": key == "overdue" and bool(number),
            }
        )
    return out


@console_view
def export(request: HttpRequest, code: str, table: str) -> HttpResponse:
    org = org_or_404(request, code)
    if table not in EXPORTS:
        raise Http404
    try:
        window = dash.parse_window(request.GET, obligations.today())
    except ValidationError as exc:
        return HttpResponseBadRequest(refusal_text(exc), content_type="text/plain; charset=utf-8")
    d = dash.build(org, window, overdue=dash.OVERDUE_SAMPLE if table == "overdue" else 0)
    made = {
        "headline": lambda: tables.headline(d),
        "ranking": lambda: tables.ranking(d, _can_open(request)),
        "trend": lambda: tables.trend(d),
        "quarters": lambda: tables.quarters(d),
        "overdue": lambda: tables.overdue(d, _can_open(request)),
    }[table]()
    title = _title(org, window, made.caption)
    return excel.download(
        excel.workbook(made, title), f"{org.name}-{window.label}-{made.sheet}.xlsx"
    )


def _show(request: HttpRequest) -> dash.Show:
    return dash.SHOWS.get(request.GET.get("show", ""), dash.SHOWS["all"])


def _page(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    page = int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 6 else 1
    return max(page, 1)  # "0" or "00000" is the first page, never a negative slice


@console_view
def obligation_list(request: HttpRequest, code: str) -> HttpResponse:
    """The obligations behind a count: subtree, states, window; a page at a time, in the
    order of the (path, state, due date) index. The total is the figures' own count."""
    org = org_or_404(request, code)
    window, problem = _window(request)
    if problem:
        messages.error(request, problem)
    which = _show(request)
    total = dash.count_of(dash.headline(org, window), which)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(_page(request), pages, MAX_PAGE)
    start = (page - 1) * PAGE_SIZE
    rows = list(dash.obligations_of(org, window, which)[start : start + PAGE_SIZE])
    today = obligations.today()
    table = tables.obligation_list(rows, today, _can_open(request))
    return render(
        request,
        "console/dashboard/obligations.html",
        context(
            request,
            "dashboard",
            subject=org,
            window=window,
            which=which,
            shows=dash.SHOWS.values(),
            total=total,
            table=table,
            page=page,
            pages=pages,
            first_row=start + 1,
            last_row=start + len(rows),
            qs=urlencode(window.query()),
            dashboard_url=tables.dashboard_url(org, window),
            export_url=tables.list_url(org, window, which.key, export=True),
        ),
    )


@console_view
def obligation_export(request: HttpRequest, code: str) -> HttpResponse:
    org = org_or_404(request, code)
    try:
        window = dash.parse_window(request.GET, obligations.today())
    except ValidationError as exc:
        return HttpResponseBadRequest(refusal_text(exc), content_type="text/plain; charset=utf-8")
    which = _show(request)
    total = dash.count_of(dash.headline(org, window), which)
    today = obligations.today()
    can_open = _can_open(request)
    shell = tables.obligation_list([], today, can_open)
    if total > EXPORT_MAX:
        shell.note = _("The first %(shown)d of %(total)d, in tree order.") % {
            "shown": EXPORT_MAX,
            "total": total,
        }

    def rows() -> Iterator[list[tables.Cell]]:
        found = dash.obligations_of(org, window, which)[:EXPORT_MAX]
        for ob in found.iterator(chunk_size=2000):
            yield from tables.obligation_list([ob], today, can_open).rows

    what = f"{shell.caption}（{which.label}）"
    content = excel.workbook(shell, _title(org, window, what), rows())
    return excel.download(content, f"{org.name}-{window.label}-{which.label}.xlsx")


@console_view
def obligation(request: HttpRequest, pk: int) -> HttpResponse:
    """One obligation: what is owed, by when, its state, the decisions on it and the
    disclosure that fulfilled it."""
    ob = get_object_or_404(
        Obligation.objects.select_related(
            "organization", "organization__parent", "event", "plan", "disclosure", "origin"
        ),
        pk=pk,
    )
    if not permissions.can_view_in_console(request.user, ob.organization):
        raise Http404
    today = obligations.today()
    left = obligations.remaining_days(ob, today) if ob.is_open else None
    return render(
        request,
        "console/dashboard/obligation.html",
        context(
            request,
            "dashboard",
            ob=ob,
            subject=ob.organization,
            left=left,
            overdue_days=-left if left is not None and left < 0 else 0,
            exemptions=ob.exemptions.select_related("requested_by", "decided_by").order_by(
                "requested_at", "pk"
            ),
            deferred_to=Obligation.objects.filter(origin=ob).order_by("pk"),
            state_label=tables.state_text(ob),
            today=today,
        ),
    )
