"""The yearly table of information requests, in the shape of the annual report's table
(新收申请数, 上年结转, 办理结果, 结转下年, 行政复议/诉讼), for one organization or rolled up
over its subtree. Counts only: no applicant ever appears here or in its Excel file.

A request counts as *new* in the year it was received, *carried over* into a year when it
was received before the year and not yet answered at its start, *answered* in the year of
its answer, and *carried to next year* when still open at the year's end.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from gongkai.inforequests.models import (
    Appeal,
    AppealResult,
    InformationRequest,
    Outcome,
    RefusalReason,
)
from gongkai.organizations.models import Organization


@dataclass
class Table:
    organization: Organization
    year: int
    subtree: bool
    new: int = 0
    carried_over: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    refusals: dict[str, int] = field(default_factory=dict)
    answered: int = 0
    carried_forward: int = 0
    appeals: dict[str, dict[str, int]] = field(default_factory=dict)


def _scope(org: Organization, subtree: bool) -> QuerySet[InformationRequest]:
    qs = InformationRequest.objects.all()
    return qs.for_subtree(org) if subtree else qs.filter(organization=org)


def table(org: Organization, year: int, *, subtree: bool = False) -> Table:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    qs = _scope(org, subtree)
    open_at = Q(decided_on__isnull=True)
    figures = qs.aggregate(
        new=Count("pk", filter=Q(received_on__gte=first, received_on__lte=last)),
        carried_over=Count(
            "pk", filter=Q(received_on__lt=first) & (open_at | Q(decided_on__gte=first))
        ),
        carried_forward=Count(
            "pk", filter=Q(received_on__lte=last) & (open_at | Q(decided_on__gt=last))
        ),
    )
    answered = qs.filter(decided_on__gte=first, decided_on__lte=last)
    outcomes = dict.fromkeys(Outcome.values, 0)
    for outcome, n in answered.values_list("outcome").annotate(n=Count("pk")).order_by():
        outcomes[outcome] = n
    refusals = dict.fromkeys(RefusalReason.values, 0)
    for reason, n in (
        answered.filter(outcome=Outcome.NOT_DISCLOSED)
        .values_list("refusal_reason")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        refusals[reason] = n
    appeals: dict[str, dict[str, int]] = {
        str(kind): dict.fromkeys(AppealResult.values, 0)
        for kind in (Appeal.REVIEW, Appeal.LITIGATION)
    }
    for kind, result, n in (
        answered.exclude(appeal="")
        .values_list("appeal", "appeal_result")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        appeals[kind][result] = n
    return Table(
        organization=org,
        year=year,
        subtree=subtree,
        new=figures["new"],
        carried_over=figures["carried_over"],
        outcomes=outcomes,
        refusals=refusals,
        answered=sum(outcomes.values()),
        carried_forward=figures["carried_forward"],
        appeals=appeals,
    )


def rows(t: Table) -> list[tuple[str, int]]:
    """The table as (label, count) rows, in the annual report's order."""
    out: list[tuple[str, Any]] = [
        (_("1. New requests received this year"), t.new),
        (_("2. Carried over from last year"), t.carried_over),
        (_("3. Results: disclosed"), t.outcomes[Outcome.DISCLOSED]),
        (_("   partly disclosed"), t.outcomes[Outcome.PARTLY]),
        (_("   not disclosed"), t.outcomes[Outcome.NOT_DISCLOSED]),
    ]
    for value, label in RefusalReason.choices:
        out.append((f"      {label}", t.refusals[value]))
    out += [
        (_("   cannot be provided: not held by this organization"), t.outcomes[Outcome.NOT_HELD]),
        (_("   not processed: not within the scope"), t.outcomes[Outcome.NOT_WITHIN_SCOPE]),
        (_("   other: referred to another organization"), t.outcomes[Outcome.REFERRED]),
        (_("   total answered"), t.answered),
        (_("4. Carried forward to next year"), t.carried_forward),
    ]
    for kind, kind_label in (
        (Appeal.REVIEW, _("Administrative review")),
        (Appeal.LITIGATION, _("Litigation")),
    ):
        for value, label in AppealResult.choices:
            out.append((f"5. {kind_label}: {label}", t.appeals[kind][value]))
    return out


def title(t: Table) -> str:
    scope = _("with its subordinates") if t.subtree else _("own")
    return _("Information requests %(year)d: %(org)s (%(scope)s)") % {
        "year": t.year,
        "org": t.organization.name,
        "scope": scope,
    }


def excel(t: Table) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = str(t.year)
    sheet.append([title(t)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_("Statistic"), _("Number")])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for label, n in rows(t):
        sheet.append([label, n])
    sheet.column_dimensions["A"].width = 52
    sheet.column_dimensions["B"].width = 10
    for row in sheet.iter_rows(min_row=3):
        row[0].alignment = Alignment(wrap_text=False)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
