"""When a page changes by the clock alone: the next scheduled change among some disclosures.

Time decides, not jobs (the visibility rule reads timestamps only), so a page that lists
disclosures changes without anyone touching the database: a scheduled item appears at its
`publish_from`, a party-first item reaches the public at its `public_from`, a consultation
leaves the open list at its `consultation_until`, a publicity period ends at its
`publicity_until`. A shared cache must never keep such a page past that moment
(`gongkai.web.caching.expires_at`); `next_change` says when it is, in one query.

The query reads only the rows whose moment is still ahead: each branch of its condition is
a range on an index that starts with the organization (`disclosure_org_newest`,
`disclosure_org_public`, `disclosure_org_state`) or, for the whole site, with the moment
itself (`disclosure_public_from`, `disclosure_schedule`), so its cost is the number of
scheduled items, never the organization's history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import DateTimeField, QuerySet, Subquery

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

    One query of one scalar subquery per kind of moment, each the first row of an index
    range that starts at `now` (an OR of the kinds would read every row of the organization).
    Scope is not asked (nor, for the public time, the state): a party item's publication
    changes nothing an anonymous reader sees, but counting it only shortens a cache's
    lifetime, never lengthens it."""
    published = queryset.filter(state__in=PUBLIC_STATES)
    firsts = {
        "publish": published.filter(publish_from__gt=now).order_by("publish_from"),
        # Not narrowed by state, so the site-wide question is a range of the public_from
        # index alone: an approved item's public time counts too (only ever earlier).
        "public": queryset.filter(public_from__gt=now).order_by("public_from"),
        "consultation": queryset.filter(
            state=State.CONSULTATION, consultation_until__gt=now
        ).order_by("consultation_until"),
    }
    if publicity:
        firsts["until"] = published.filter(publicity_until__gt=now).order_by("publicity_until")
    fields = {
        "publish": "publish_from",
        "public": "public_from",
        "consultation": "consultation_until",
        "until": "publicity_until",
    }
    moments = {
        name: Subquery(query.values(fields[name])[:1], output_field=DateTimeField())
        for name, query in firsts.items()
    }
    # Any one row to hang the subqueries on; an empty table has nothing scheduled.
    row: Any = Disclosure.objects.order_by().values(**moments)[:1]
    found: list[dt.datetime] = [m for r in row for m in r.values() if m is not None]
    return min(found) if found else None


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
