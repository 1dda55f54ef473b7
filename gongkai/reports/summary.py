"""What a work summary says, as plain data: every number is read from
`gongkai.compliance.figures` (the dashboards' definitions), the lists beside them from the
subtree's obligations and exemptions in the same window of due months.

`build` returns a JSON-ready dict; it is stored on the report (`Report.figures`) and both
documents are rendered from it, so the Word file, the PDF, the console page and the API show
the same numbers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from gongkai.compliance import figures
from gongkai.compliance.figures import Figures
from gongkai.compliance.models import Exemption, State
from gongkai.disclosures import scanning
from gongkai.organizations.models import Organization
from gongkai.reports import windows

#: The longest list of overdue or late items printed per organization, and in all.
MAX_ITEMS_PER_ORGANIZATION = 50
MAX_ITEMS = 500
MAX_EXEMPTIONS = 300


def rate_text(value: str | Decimal | None) -> str:
    """87.5% — or a dash when nothing was due."""
    return "—" if value is None else f"{value}%"


def _rate(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def counts(f: Figures) -> dict[str, Any]:
    """The figures of one subtree as the documents show them."""
    return {
        "due": f.due,
        "on_time": f.on_time,
        "late": f.late,
        "overdue": f.overdue,
        "fulfilled": f.fulfilled,
        "exempted": f.exempted,
        "deferred": f.deferred,
        "pending": f.pending,
        "total": f.total,
        "on_time_rate": _rate(f.on_time_rate),
        "coverage": _rate(f.coverage),
    }


def covered(kids: list[Figures]) -> tuple[int, int]:
    """Direct subordinates that fulfilled at least one obligation in the window, of all."""
    return sum(1 for f in kids if f.fulfilled > 0), len(kids)


def title(org: Organization, first: dt.date, last: dt.date) -> str:
    return _("%(organization)s report on party-affairs disclosure, %(period)s") % {
        "organization": org.name,
        "period": windows.label(first, last),
    }


def _in_window(qs: Any, first: dt.date, last: dt.date) -> Any:
    # Figures count by the month of the due date: the same months here.
    return qs.filter(due_date__gte=first.replace(day=1), due_date__lte=last)


def _item(ob: Any, on: dt.date) -> dict[str, Any]:
    return {
        "organization": ob.organization.name,
        "item": ob.name,
        "period": ob.period_label,
        "due_date": ob.due_date.isoformat(),
        "days_overdue": (on - ob.due_date).days if ob.state == State.OVERDUE else None,
        "fulfilled_on": ob.fulfilled_at.date().isoformat() if ob.fulfilled_at else None,
    }


def lagging(org: Organization, first: dt.date, last: dt.date, on: dt.date) -> list[dict[str, Any]]:
    """Organizations of the subtree with overdue or late obligations due in the window, the
    most overdue first, with those obligations."""
    rows = (
        _in_window(figures.subtree_obligations(org), first, last)
        .filter(state__in=[State.OVERDUE, State.LATE])
        .select_related("organization", "event", "plan")
        .order_by("path", "due_date", "pk")
    )
    by_org: dict[int, dict[str, Any]] = {}
    listed = 0
    for ob in rows.iterator(chunk_size=500):
        entry = by_org.setdefault(
            ob.organization_id,
            {
                "code": ob.organization.code,
                "name": ob.organization.name,
                "overdue": 0,
                "late": 0,
                "overdue_items": [],
                "late_items": [],
                "unlisted": 0,
            },
        )
        kind = "overdue" if ob.state == State.OVERDUE else "late"
        entry[kind] += 1
        if len(entry["overdue_items"]) + len(entry["late_items"]) < MAX_ITEMS_PER_ORGANIZATION and (
            listed < MAX_ITEMS
        ):
            entry[f"{kind}_items"].append(_item(ob, on))
            listed += 1
        else:
            entry["unlisted"] += 1
    return sorted(by_org.values(), key=lambda e: (-e["overdue"], -e["late"], e["code"]))


def exemptions(org: Organization, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """Approved exemptions and deferrals of obligations due in the window, with reasons."""
    rows = (
        Exemption.objects.filter(
            status=Exemption.Status.APPROVED,
            obligation__in=_in_window(figures.subtree_obligations(org), first, last),
        )
        .select_related("obligation__organization", "obligation__event", "obligation__plan")
        .order_by("obligation__path", "obligation__due_date", "pk")[:MAX_EXEMPTIONS]
    )
    return [
        {
            "organization": e.obligation.organization.name,
            "item": e.obligation.name,
            "period": e.obligation.period_label,
            "kind": e.kind,
            "kind_label": str(e.get_kind_display()),
            "reason_category": str(e.get_reason_category_display()),
            # A summary is printed and handed round: what was typed is masked like a
            # published text.
            "reason": scanning.mask(e.reason),
            "legal_basis": scanning.mask(e.legal_basis),
            "defer_until": e.defer_until.isoformat() if e.defer_until else None,
            "decided_on": e.decided_at.date().isoformat() if e.decided_at else None,
            "decision_reason": scanning.mask(e.decision_reason),
        }
        for e in rows
    ]


def date_text(day: dt.date) -> str:
    return formats.date_format(day, "Y年n月j日")


def build(org: Organization, first: dt.date, last: dt.date, *, on: dt.date) -> dict[str, Any]:
    """Everything a summary of `org`'s subtree for the window shows, seen on `on`."""
    total = figures.subtree(org, first, last)
    ranked = figures.ranking(org, first, last)
    n_covered, n_kids = covered(ranked)
    subordinates = []
    for position, f in enumerate(ranked, start=1):
        subordinates.append(
            {
                "code": f.organization.code,
                "name": f.organization.name,
                "position": position,
                **counts(f),
            }
        )
    trend = [
        {"month": f.first.strftime("%Y-%m"), "label": f"{f.first.month}月", **counts(f)}
        for f in figures.trend(org, first, last)
    ]
    return {
        "organization": {"code": org.code, "name": org.name, "kind": str(org.get_kind_display())},
        "title": title(org, first, last),
        "period": windows.label(first, last),
        "first": first.isoformat(),
        "last": last.isoformat(),
        "first_text": date_text(first),
        "last_text": date_text(last),
        "as_of": on.isoformat(),
        "date_text": date_text(on),
        "totals": counts(total),
        "covered": n_covered,
        "subordinate_count": n_kids,
        "subordinates": subordinates,
        "trend": trend,
        "lagging": lagging(org, first, last, on),
        "exemptions": exemptions(org, first, last),
    }


def overview(data: dict[str, Any]) -> str:
    """The opening paragraph: the figures in one sentence each."""
    t = data["totals"]
    parts = [
        _(
            "From %(first)s to %(last)s, %(due)d disclosure obligations fell due in the "
            "organization and the organizations below it; %(fulfilled)d were published, "
            "%(on_time)d of them on time and %(late)d late, and %(overdue)d are overdue."
        )
        % {
            "first": data["first_text"],
            "last": data["last_text"],
            "due": t["due"],
            "fulfilled": t["fulfilled"],
            "on_time": t["on_time"],
            "late": t["late"],
            "overdue": t["overdue"],
        },
        _("The on-time rate is %(on_time_rate)s and the coverage %(coverage)s.")
        % {"on_time_rate": rate_text(t["on_time_rate"]), "coverage": rate_text(t["coverage"])},
    ]
    if data["subordinate_count"]:
        parts.append(
            _(
                "%(covered)d of the %(count)d direct subordinate organizations published at "
                "least one item (organizations covered %(covered)d/%(count)d)."
            )
            % {"covered": data["covered"], "count": data["subordinate_count"]}
        )
    parts.append(
        _(
            "%(exempted)d items were exempted from disclosure and %(deferred)d deferred with "
            "the superior's approval; %(pending)d are not yet due."
        )
        % {"exempted": t["exempted"], "deferred": t["deferred"], "pending": t["pending"]}
    )
    return "".join(parts)
