"""When a page changes by the clock alone: the next scheduled change among some disclosures.

Time decides, not jobs (the visibility rule reads timestamps only), so a page that lists
disclosures changes without anyone touching the database: a scheduled item appears at its
`publish_from`, a party-first item reaches the public at its `public_from`, a consultation
leaves the open list at its `consultation_until`, a publicity period ends at its
`publicity_until`. A shared cache must never keep such a page past that moment
(`gongkai.web.caching.expires_at`); `next_change` says when it is, in one query.

The query reads only the rows whose moment is still ahead: each branch of its condition is
a range on an index that starts with the organization (`disclosure_org_publish`,
`disclosure_org_public`, `disclosure_org_state`) or, for the whole site, with the moment
itself (`disclosure_public_from`, `disclosure_schedule`), so its cost is the number of
scheduled items, never the organization's history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Min, Q, QuerySet

from gongkai.disclosures.models import Disclosure
from gongkai.disclosures.states import PUBLIC_STATES, State
from gongkai.organizations import tree


def next_change(
    queryset: QuerySet[Disclosure], now: dt.datetime, *, publicity: bool = False
) -> dt.datetime | None:
    """The earliest moment after `now` at which what `queryset`'s disclosures show changes by
    the clock: a future `publish_from` or `public_from` of a published one, the end of an
    open consultation and, with `publicity` (a page that shows the period), the end of a
    publicity period. None when nothing is scheduled.

    Scope is not asked: a party item's publication changes nothing an anonymous reader sees,
    but counting it only shortens a cache's lifetime, never lengthens it."""
    published = Q(state__in=PUBLIC_STATES)
    publish = published & Q(publish_from__gt=now)
    public = published & Q(public_from__gt=now)
    consultation = Q(state=State.CONSULTATION, consultation_until__gt=now)
    condition = publish | public | consultation
    aggregates = {
        "publish": Min("publish_from", filter=publish),
        "public": Min("public_from", filter=public),
        "consultation": Min("consultation_until", filter=consultation),
    }
    if publicity:
        until = published & Q(publicity_until__gt=now)
        condition |= until
        aggregates["until"] = Min("publicity_until", filter=until)
    found = queryset.filter(condition).aggregate(**aggregates)
    moments = [moment for moment in found.values() if moment is not None]
    return min(moments) if moments else None


def of_organization(code: str, now: dt.datetime) -> dt.datetime | None:
    """The next change on an organization's own pages (its page, an item's list, its feeds)."""
    return next_change(Disclosure.objects.filter(organization__code=code), now)


def of_subtree(path: str, now: dt.datetime) -> dt.datetime | None:
    """The next change among the disclosures of an organization and everything below it."""
    low, high = tree.subtree_bounds(path)
    return next_change(
        Disclosure.objects.filter(organization__path__gte=low, organization__path__lt=high), now
    )


def of_site(now: dt.datetime) -> dt.datetime | None:
    """The next change anywhere: the start page and the site-wide feed list the newest of all."""
    return next_change(Disclosure.objects.all(), now)


def of_disclosure(pk: int, now: dt.datetime) -> dt.datetime | None:
    """The next change on a disclosure's own page, whose publicity period it shows."""
    return next_change(Disclosure.objects.filter(pk=pk), now, publicity=True)


# -- for `gongkai.web.caching.public_page(changes=...)`: (moment, *view args, **view kwargs) --


def site_page(now: dt.datetime, *args: Any, **kwargs: Any) -> dt.datetime | None:
    return of_site(now)


def organization_page(now: dt.datetime, code: str, *args: Any, **kwargs: Any) -> dt.datetime | None:
    return of_organization(code, now)


def disclosure_page(now: dt.datetime, pk: int, *args: Any, **kwargs: Any) -> dt.datetime | None:
    return of_disclosure(pk, now)
