"""The dashboard's tables, described once: the page renders them (each right behind its
chart, as the chart's data) and the Excel files are written from the very same rows, so a
downloaded sheet holds exactly the numbers on the page.

A cell holds its value as a number where it is one (a count, a rate in percent with one
decimal, a number of working days), a date, or text; `href` is where the cell leads (a
child's dashboard, the list of the obligations a count stands for).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gongkai.compliance import dashboard as dash
from gongkai.compliance import obligations, periods
from gongkai.compliance.figures import Figures
from gongkai.compliance.models import Obligation, State
from gongkai.organizations.models import Organization

TEXT, COUNT, RATE, DATE, DAYS = "text", "count", "rate", "date", "days"


@dataclass
class Cell:
    value: Any
    href: str = ""
    #: The kind of the value when it differs from its column's (the headline's one column).
    kind: str = ""


@dataclass
class Column:
    header: str
    kind: str = TEXT


@dataclass
class Table:
    key: str
    caption: str
    sheet: str
    columns: list[Column]
    rows: list[list[Cell]] = field(default_factory=list)
    #: Says the rows are a sample (e.g. "20 of 143, longest overdue first").
    note: str = ""

    def shown(self) -> list[list[dict[str, Any]]]:
        """The rows as the page prints them: text, link, and how the cell is set."""
        out = []
        for row in self.rows:
            line = []
            for cell, column in zip(row, self.columns, strict=True):
                kind = cell.kind or column.kind
                line.append(
                    {
                        "text": display(cell.value, kind),
                        "href": cell.href,
                        "css": _CSS.get(kind, ""),
                    }
                )
            out.append(line)
        return out


#: How a cell of each kind is set on the page (numbers to the right, dates unbroken).
_CSS = {COUNT: "num", RATE: "num", DAYS: "num", DATE: "date"}


def display(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == RATE:
        return f"{value}%"
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return date_format(local, "DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return date_format(value, "DATE_FORMAT")
    return str(value)


# --- links ----------------------------------------------------------------------------------


def dashboard_url(org: Organization, window: dash.Window) -> str:
    return reverse("console:dashboard", args=[org.code]) + "?" + urlencode(window.query())


def list_url(org: Organization, window: dash.Window, show: str, *, export: bool = False) -> str:
    """The list of the obligations a count stands for (or its Excel file)."""
    name = "console:dashboard_obligations_export" if export else "console:dashboard_obligations"
    return reverse(name, args=[org.code]) + "?" + urlencode({"show": show, **window.query()})


def export_url(org: Organization, window: dash.Window, table: str) -> str:
    return (
        reverse("console:dashboard_export", args=[org.code, table])
        + "?"
        + urlencode(window.query())
    )


def _month_window(fig: Figures) -> dash.Window:
    return dash.Window(fig.first, fig.last, key=dash.month_key(fig))


def _quarter_window(fig: Figures, window: dash.Window) -> dash.Window:
    whole = periods.span(dash.quarter_key(fig))
    if whole.start >= window.start and whole.end <= window.end:
        return dash.Window(whole.start, whole.end, key=whole.key)
    return dash.Window(fig.first, fig.last)


# --- the tables -----------------------------------------------------------------------------

#: The headline's rows: (label, what it counts (a SHOWS key) or None, kind, value).
HEADLINE_ROWS: list[tuple[str, str | None, str, Callable[[dash.Dashboard], Any]]] = [
    ("organizations", None, COUNT, lambda d: d.organizations),
    ("due", "due", COUNT, lambda d: d.headline.due),
    ("fulfilled", "fulfilled", COUNT, lambda d: d.headline.fulfilled),
    ("coverage", None, RATE, lambda d: d.headline.coverage),
    ("on_time_rate", None, RATE, lambda d: d.headline.on_time_rate),
    ("on_time", "on_time", COUNT, lambda d: d.headline.on_time),
    ("late", "late", COUNT, lambda d: d.headline.late),
    ("overdue", "overdue", COUNT, lambda d: d.headline.overdue),
    ("exempted", "exempted", COUNT, lambda d: d.headline.exempted),
    ("deferred", "deferred", COUNT, lambda d: d.headline.deferred),
    ("pending", "pending", COUNT, lambda d: d.headline.pending),
]


def headline_labels() -> dict[str, str]:
    return {
        "organizations": _("Organizations covered"),
        "due": _("Obligations due"),
        "fulfilled": _("Fulfilled"),
        "coverage": _("Coverage"),
        "on_time_rate": _("On-time rate"),
        "on_time": _("Fulfilled on time"),
        "late": _("Fulfilled late"),
        "overdue": _("Overdue"),
        "exempted": _("Exempted"),
        "deferred": _("Deferred"),
        "pending": _("Not yet due"),
    }


def headline(d: dash.Dashboard) -> Table:
    labels = headline_labels()
    table = Table(
        "headline",
        _("Headline figures"),
        _("Headline"),
        [Column(_("Figure")), Column(_("Value"), COUNT)],
    )
    for key, show, kind, value in HEADLINE_ROWS:
        href = list_url(d.organization, d.window, show) if show else ""
        table.rows.append([Cell(labels[key]), Cell(value(d), href, kind)])
    return table


def _count_columns() -> list[Column]:
    return [
        Column(pgettext("count", "Due"), COUNT),
        Column(_("On time"), COUNT),
        Column(_("Late"), COUNT),
        Column(_("Overdue"), COUNT),
        Column(_("Coverage"), RATE),
        Column(_("On-time rate"), RATE),
    ]


def _count_cells(fig: Figures, org: Organization, window: dash.Window, link: bool) -> list[Cell]:
    def cell(value: int, show: str) -> Cell:
        return Cell(value, list_url(org, window, show) if link and value else "")

    return [
        cell(fig.due, "due"),
        cell(fig.on_time, "on_time"),
        cell(fig.late, "late"),
        cell(fig.overdue, "overdue"),
        Cell(fig.coverage),
        Cell(fig.on_time_rate),
    ]


def ranking(d: dash.Dashboard, can_open: Callable[[Organization], bool]) -> Table:
    table = Table(
        "ranking",
        _("Ranking of the direct subordinates"),
        _("Ranking"),
        [Column(_("Rank"), COUNT), Column(_("Organization")), *_count_columns()],
    )
    for line in d.ranking:
        kid = line.figures.organization
        # The counts of a subordinate are the superior's too: its lists open from here; its
        # own dashboard only for those who may see it.
        href = dashboard_url(kid, d.window) if can_open(kid) else ""
        table.rows.append(
            [
                Cell(line.rank),
                Cell(kid.name, href),
                *_count_cells(line.figures, kid, d.window, link=True),
            ]
        )
    return table


def trend(d: dash.Dashboard) -> Table:
    table = Table(
        "trend",
        _("Month by month"),
        _("Monthly trend"),
        [Column(_("Month")), *_count_columns(), Column(_("Not yet due"), COUNT)],
    )
    for fig in d.trend:
        window = _month_window(fig)
        table.rows.append(
            [
                Cell(periods.label(dash.month_key(fig))),
                *_count_cells(fig, d.organization, window, link=True),
                Cell(
                    fig.pending, list_url(d.organization, window, "pending") if fig.pending else ""
                ),
            ]
        )
    return table


def quarters(d: dash.Dashboard) -> Table:
    table = Table(
        "quarters",
        _("Quarter by quarter"),
        _("Quarterly trend"),
        [Column(_("Quarter")), *_count_columns(), Column(_("Not yet due"), COUNT)],
    )
    for fig in d.quarters:
        window = _quarter_window(fig, d.window)
        table.rows.append(
            [
                Cell(periods.label(dash.quarter_key(fig))),
                *_count_cells(fig, d.organization, window, link=True),
                Cell(
                    fig.pending, list_url(d.organization, window, "pending") if fig.pending else ""
                ),
            ]
        )
    return table


def _obligation_columns() -> list[Column]:
    return [
        Column(_("Organization")),
        Column(_("Item")),
        Column(_("Period or event")),
        Column(_("Due"), DATE),
    ]


def obligation_url(ob: Obligation) -> str:
    return reverse("console:dashboard_obligation", args=[ob.pk])


def overdue(d: dash.Dashboard, can_open: Callable[[Organization], bool]) -> Table:
    table = Table(
        "overdue",
        _("Overdue obligations"),
        _("Overdue"),
        [*_obligation_columns(), Column(_("Working days overdue"), DAYS)],
    )
    for line in d.overdue:
        ob = line.obligation
        href = obligation_url(ob) if can_open(ob.organization) else ""
        table.rows.append(
            [
                Cell(ob.organization.name),
                Cell(ob.name, href),
                Cell(ob.period_label),
                Cell(ob.due_date),
                Cell(line.days_overdue),
            ]
        )
    if d.headline.overdue > len(d.overdue):
        table.note = _("The %(shown)d longest overdue of %(total)d.") % {
            "shown": len(d.overdue),
            "total": d.headline.overdue,
        }
    return table


def state_text(ob: Obligation) -> str:
    return str(State(ob.state).label)


def obligation_list(
    rows: Iterable[Obligation], on: dt.date, can_open: Callable[[Organization], bool]
) -> Table:
    """A page (or the export) of an obligation list. A disclosure's title shows only to
    those who may see its organization in the console."""
    table = Table(
        "obligations",
        _("Obligations"),
        _("Obligations"),
        [
            *_obligation_columns(),
            Column(_("State")),
            Column(_("Working days left (negative: overdue)"), DAYS),
            Column(_("Disclosure")),
            Column(_("Published at")),
        ],
    )
    for ob in rows:
        allowed = can_open(ob.organization)
        left = obligations.remaining_days(ob, on) if ob.is_open else None
        disclosure = ob.disclosure if allowed else None
        table.rows.append(
            [
                Cell(ob.organization.name),
                Cell(ob.name, obligation_url(ob) if allowed else ""),
                Cell(ob.period_label),
                Cell(ob.due_date),
                Cell(state_text(ob)),
                Cell(left),
                Cell(
                    disclosure.title if disclosure else None,
                    reverse("console:disclosure", args=[disclosure.pk]) if disclosure else "",
                ),
                Cell(ob.fulfilled_at, kind=DATE),
            ]
        )
    return table


def percent(value: Decimal | None) -> Decimal | None:
    """A rate in percent as the fraction a spreadsheet formats (87.5 → 0.875)."""
    return None if value is None else value / 100
