"""When a page changes by the clock alone: the next scheduled change among some disclosures.

Time decides, not jobs (the visibility rule reads timestamps only), so a page that lists
disclosures changes without anyone touching the database: a scheduled item appears at its
`publish_from`, a party-first item reaches the public at its `public_from`, a consultation
leaves the open list at its `consultation_until`, a publicity period ends at its
`publicity_until`. A shared cache must never keep such a page past that moment
(`gongkai.web.caching.expires_at`); `next_change` says when it is, in one query, and
`moment_of` for one disclosure already read, with none.

A write changes pages too: `listing_changed` counts it for the organizations whose listing
it changed (`gongkai.portal.stored` keeps their public listing until then).

The query reads only the rows whose moment is still ahead: each branch of its condition is
a range on an index that starts with the organization (`disclosure_org_newest`,
`disclosure_org_public`, `disclosure_org_state`) or, for the whole site, with the moment
itself (`disclosure_public_from`, `disclosure_schedule`), so its cost is the number of
scheduled items, never the organization's history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import DateTimeField, F, QuerySet, Subquery

from gongkai.disclosures.models import Disclosure
from gongkai.disclosures.states import PUBLIC_STATES, State
from gongkai.organizations import tree
from gongkai.organizations.models import Organization


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


def moment_of(
    disclosure: Disclosure, now: dt.datetime, *, publicity: bool = False
) -> dt.datetime | None:
    """`next_change` for one disclosure already read: the same moments from its own row,
    with no query (a property test holds the two together)."""
    published = disclosure.state in PUBLIC_STATES
    found = [
        moment
        for moment, counts in (
            (disclosure.publish_from, published),
            (disclosure.public_from, True),
            (disclosure.consultation_until, disclosure.state == State.CONSULTATION),
            (disclosure.publicity_until, published and publicity),
        )
        if counts and moment is not None and moment > now
    ]
    return min(found) if found else None


def listing_changed(*organization_ids: int, using: str = DEFAULT_DB_ALIAS) -> None:
    """What the organizations' disclosures show changed by a write (a move of the workflow,
    or a test putting one straight into a state): count it in `listing_version`, in the
    writer's transaction, so every copy of their listing stored under the old number is
    stale from the commit on (`gongkai.portal.stored`)."""
    Organization.objects.using(using).filter(pk__in=organization_ids).update(
        listing_version=F("listing_version") + 1
    )


def of_organization(code: str, now: dt.datetime) -> dt.datetime | None:
    """The next change on an organization's lists (an item's list, its feeds)."""
    return next_change(Disclosure.objects.filter(organization__code=code), now)


def of_listing(pk: int, now: dt.datetime) -> dt.datetime | None:
    """The next change on an organization's page (by the organization's key): what is new,
    on show (until its period ends), out for consultation and in the catalog
    (`gongkai.portal.stored`)."""
    return next_change(Disclosure.objects.filter(organization_id=pk), now, publicity=True)


def of_subtree(path: str, now: dt.datetime) -> dt.datetime | None:
    """The next change among the disclosures of an organization and everything below it."""
    low, high = tree.subtree_bounds(path)
    return next_change(
        Disclosure.objects.filter(organization__path__gte=low, organization__path__lt=high), now
    )


def of_site(now: dt.datetime) -> dt.datetime | None:
    """The next change anywhere: the start page and the site-wide feed list the newest of all."""
    return next_change(Disclosure.objects.all(), now)


# -- for `gongkai.web.caching.public_page(changes=...)`: (moment, *view args, **view kwargs) --


def site_page(now: dt.datetime, *args: Any, **kwargs: Any) -> dt.datetime | None:
    return of_site(now)


def item_page(now: dt.datetime, code: str, *args: Any, **kwargs: Any) -> dt.datetime | None:
    return of_organization(code, now)
