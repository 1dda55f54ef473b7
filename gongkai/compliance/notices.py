"""An approved exemption or deferral stands where the item would have been (本期不予公开 /
暂缓至 … 公开), shown to the audience the superior's decision named, through the one
visibility rule (`disclosures.visibility.in_scope`).

What a notice says is the decision's: the reason category and the decision's own reasons
(personal numbers masked). The organization's request — its reason, legal basis and the harm
it feared — never leaves the console.

Which notices are current: a notice stands for its period until a later period (or event) of
the same item is owed; a deferral's notice also goes once the deferred disclosure is
published (the disclosure then stands there itself). Of several decisions on one period (a
deferral, then an exemption of the deferred obligation) the latest speaks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from gongkai.compliance.models import (
    FULFILLED_STATES,
    Exemption,
    Obligation,
    ReasonCategory,
    Source,
)
from gongkai.disclosures import scanning
from gongkai.disclosures.visibility import in_scope
from gongkai.organizations.models import Organization

EXEMPT_TEXT = _("Not disclosed this time: %(category)s, %(reason)s")
DEFER_TEXT = _("Deferred, to be disclosed by %(date)s: %(category)s, %(reason)s")
DATE_TEXT = _("%(month)d/%(day)d/%(year)d")


@dataclass
class Notice:
    item_key: str
    kind: str
    #: The period (or event) it stands for, in Chinese.
    period: str
    text: str
    #: The audience the decision chose (a catalog scope).
    scope: str
    decided_at: dt.datetime | None
    defer_until: dt.date | None = None

    @property
    def deferred(self) -> bool:
        return self.kind == Exemption.Kind.DEFER


def notice_text(exemption: Exemption) -> str:
    """The sentence shown in the item's place: the decision's words only."""
    values = {
        "category": str(ReasonCategory(exemption.reason_category).label),
        "reason": scanning.mask(exemption.decision_reason.strip()),
    }
    if exemption.kind == Exemption.Kind.DEFER and exemption.defer_until is not None:
        day = exemption.defer_until
        date = str(DATE_TEXT % {"year": day.year, "month": day.month, "day": day.day})
        return str(DEFER_TEXT % {**values, "date": date})
    return str(EXEMPT_TEXT % values)


def current(org: Organization, on: dt.date) -> list[Exemption]:
    """The organization's approved exemptions and deferrals that stand now (three queries at
    most, whatever the number of items)."""
    decided = list(
        Exemption.objects.filter(status=Exemption.Status.APPROVED, obligation__organization=org)
        .select_related("obligation", "obligation__event", "obligation__plan")
        .order_by("decided_at", "pk")
    )
    if not decided:
        return []
    latest_owed = dict(
        Obligation.objects.filter(
            organization=org,
            basis_date__lte=on,
            item_key__in={e.obligation.item_key for e in decided},
        )
        .exclude(source=Source.DEFERRAL)
        .values("item_key")
        .annotate(latest=Max("basis_date"))
        .order_by()
        .values_list("item_key", "latest")
    )
    # The latest decision per (item, period) wins.
    by_period: dict[tuple[str, str], Exemption] = {}
    for exemption in decided:
        obligation = exemption.obligation
        latest = latest_owed.get(obligation.item_key)
        if latest is not None and obligation.basis_date < latest:
            continue  # a later period is owed: this one is no longer current
        by_period[(obligation.item_key, obligation.period_key.partition("~")[0])] = exemption
    deferred = {key for key, e in by_period.items() if e.kind == Exemption.Kind.DEFER}
    if deferred:
        fulfilled = {
            (item_key, period_key.partition("~")[0])
            for item_key, period_key in Obligation.objects.filter(
                organization=org,
                source=Source.DEFERRAL,
                state__in=FULFILLED_STATES,
                item_key__in={item for item, _key in deferred},
            ).values_list("item_key", "period_key")
        }
        for key in deferred & fulfilled:
            del by_period[key]
    return sorted(by_period.values(), key=lambda e: (e.obligation.basis_date, e.pk), reverse=True)


def shown_to(user: Any, org: Organization, on: dt.date) -> dict[str, list[Notice]]:
    """The current notices the person may see, by item key."""
    out: dict[str, list[Notice]] = {}
    for exemption in current(org, on):
        if not in_scope(user, org, exemption.shown_scope):
            continue
        obligation = exemption.obligation
        out.setdefault(obligation.item_key, []).append(
            Notice(
                item_key=obligation.item_key,
                kind=exemption.kind,
                period=obligation.period_label,
                text=notice_text(exemption),
                scope=exemption.shown_scope,
                decided_at=exemption.decided_at,
                defer_until=exemption.defer_until,
            )
        )
    return out
