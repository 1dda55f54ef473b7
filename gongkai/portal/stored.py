"""The part of an organization's page that lists its disclosures, rendered once for the
public and kept until it changes.

What is new, what is on show, what is out for consultation and the catalog with the newest
disclosures of each item are about a hundred lines and most of an organization page's work. For the public they are the
same bytes on every request until one of these happens, and each of them either changes
the key the rendering is kept under or ends its lifetime:

- a disclosure of the organization moves (published, corrected, withdrawn, its publicity
  ended, …): every move goes through `disclosures.workflow._move`, which counts it in
  `Organization.listing_version` in its own transaction (`changes.listing_changed`), and
  the number is in the key;
- the clock reaches a moment scheduled on it (a publication, a public time, the end of a
  publicity period or of a consultation): a rendering is kept no later than the next one
  (`changes.of_listing`);
- the organization itself changes (its kind, setting or place in the tree decide which
  items apply to it): every column of its row is in the key;
- its catalog is published in a new version (published versions never change): the
  catalog and its version, read with the organization (`organizations`), are in the key;
- the notices standing in items' places change (an exemption decided, a deferred item
  published, a later period owed, a new day): the notices are in the key, read on every
  request where the organization has an approved exemption or deferral (without one there
  is no notice: whether one exists is read with the organization); so is the language.

A rendering is kept in the default cache (Redis where `REDIS_URL` is set, each process's
own memory otherwise), for at most an hour. Its key names the state it shows, so a process
never serves the rendering of another state, and a rendering made while a move commits is
kept under the old number, read before the disclosures were: never served once the move is
visible. The key also names the release's rendering code and translations (`code_digest`),
so an upgrade never serves the markup of the release before.

Signed-in readers always get a fresh rendering: members and staff see party-internal
items, and what a signed-in person may see depends on who they are.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Exists, F, OuterRef, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from gongkai.compliance import notices as compliance_notices
from gongkai.compliance.models import Exemption
from gongkai.disclosures import changes
from gongkai.disclosures.models import Disclosure
from gongkai.organizations.models import Organization
from gongkai.portal import consulting, reading

#: The longest a rendering is kept when nothing is scheduled on the page: an hour, so even a
#: write that no one counted (an edit in the database's own shell) shows within it.
KEPT_SECONDS = 3600
#: Drafts out for consultation listed on the page, soonest closing first.
CONSULTATIONS = 20

LEAD_TEMPLATE = "portal/_organization_lead.html"
CATALOG_TEMPLATE = "portal/_organization_catalog.html"


def organizations() -> QuerySet[Organization]:
    """Organizations with what the key of their stored listing needs, read in the same
    query as the organization: its catalog layer and version (its own, one to one: a join),
    and whether an approved exemption or deferral of it exists (without one no notice can
    stand, and the notices need no query)."""
    return Organization.objects.annotate(
        listing_catalog=F("catalog__pk"),
        listing_catalog_version=F("catalog__version"),
        listing_decided=Exists(
            Exemption.objects.filter(
                status=Exemption.Status.APPROVED, obligation__organization=OuterRef("pk")
            )
        ),
    )


@dataclasses.dataclass(frozen=True)
class ListingParts:
    #: What is new, what is on show now and what is out for consultation.
    lead: SafeString
    #: The catalog by category, each item with its newest disclosures or its notices.
    catalog: SafeString
    #: The reader is a member or staff of the organization (sees its party-internal items).
    inside: bool
    #: The next moment the parts change by the clock (`changes.of_listing`); asked only for
    #: the public (what a shared cache may keep).
    changes_at: dt.datetime | None = None


def organization_parts(request: HttpRequest, org: Organization, now: dt.datetime) -> ListingParts:
    """The listing parts of `org`'s page for the reader of `request`: stored for the public
    (see the module), fresh for anyone signed in. `org` comes from `organizations()`; `now`
    was taken before it was read."""
    user = request.user
    on = timezone.localdate(now)
    decided = getattr(org, "listing_decided", True)
    notices = compliance_notices.shown_to(user, org, on) if decided else {}
    if user.is_authenticated:
        return render_parts(org, user, now, notices)
    if not settings.GONGKAI_STORED_LISTINGS:
        return _public_parts(org, now, notices)
    catalog = (org.listing_catalog, org.listing_catalog_version)  # type: ignore[attr-defined]
    key = listing_key(org, catalog, notices)
    kept = cache.get(key)
    if kept is not None:
        lead, catalog_html, moment = kept
        # Rendered by the templates below from what the visibility rule let through.
        return ListingParts(mark_safe(lead), mark_safe(catalog_html), False, moment)
    parts = _public_parts(org, now, notices)
    seconds = _seconds_until(parts.changes_at)
    if seconds > 0:
        cache.set(key, (str(parts.lead), str(parts.catalog), parts.changes_at), seconds)
    return parts


def _public_parts(org: Organization, now: dt.datetime, notices: dict[str, Any]) -> ListingParts:
    """The parts rendered for the public now, with the next moment they change by the clock
    (found before the disclosures are read)."""
    moment = changes.of_listing(org.pk, now)
    return dataclasses.replace(render_parts(org, AnonymousUser(), now, notices), changes_at=moment)


def render_parts(
    org: Organization, user: Any, now: dt.datetime, notices: dict[str, Any]
) -> ListingParts:
    """The listing parts rendered now, from the database, for `user`."""
    visible = Disclosure.objects.visible_to(user, now)
    page = reading.organization_page(org, user, visible, now, notices=notices)
    context = {
        "org": org,
        "page": page,
        "consulting": consulting.listing(user, now, organizations=[org], limit=CONSULTATIONS),
    }
    return ListingParts(
        render_to_string(LEAD_TEMPLATE, context),
        render_to_string(CATALOG_TEMPLATE, context),
        inside=page.inside,
    )


def listing_key(
    org: Organization, catalog: tuple[int | None, int | None], notices: dict[str, Any]
) -> str:
    """The cache key naming the state a public rendering of `org`'s listing shows."""
    row = tuple(getattr(org, f.attname) for f in Organization._meta.concrete_fields)
    shown = sorted(
        (key, [dataclasses.astuple(notice) for notice in found]) for key, found in notices.items()
    )
    state = repr((row, catalog, shown, translation.get_language(), code_digest()))
    return "portal:listing:" + hashlib.sha256(state.encode()).hexdigest()


#: What renders a listing: a new release that changes any of them (or the translations)
#: names other keys, so a shared cache (Redis) never serves the markup of the release before.
_RENDERING = (
    "templates/portal/_organization_lead.html",
    "templates/portal/_organization_catalog.html",
    "templates/portal/_notices.html",
    "templatetags/portal_listing.py",
    "templatetags/portal_time.py",
    "reading.py",
    "stored.py",
    "locale/zh_Hans/LC_MESSAGES/django.mo",
)


@functools.cache
def code_digest() -> str:
    """A digest of the files that render a listing (read once per process)."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in _RENDERING:
        path = here / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:16]


def _seconds_until(moment: dt.datetime | None) -> int:
    """Whole seconds a rendering may be kept: until `moment` (the next scheduled change,
    found from a time before the disclosures were read), at most `KEPT_SECONDS`."""
    if moment is None:
        return KEPT_SECONDS
    return max(0, min(KEPT_SECONDS, int((moment - timezone.now()).total_seconds())))
