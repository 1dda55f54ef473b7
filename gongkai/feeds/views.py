"""The feeds, the sitemap and robots.txt as views: public pages a shared cache may keep for a
few seconds (`gongkai.web.caching.public_page`), never past the next scheduled change among
what they list (`gongkai.disclosures.changes`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from gongkai.disclosures import changes
from gongkai.feeds import feeds
from gongkai.feeds.sitemaps import SITEMAPS
from gongkai.organizations.models import Organization
from gongkai.web.caching import public_page


def _site(now: dt.datetime, *args: Any, **kwargs: Any) -> dt.datetime | None:
    return changes.of_site(now)


def _organization(
    now: dt.datetime, code: str, *args: Any, subtree: bool = False, **kwargs: Any
) -> dt.datetime | None:
    if not subtree:
        return changes.of_organization(code, now)
    path = Organization.objects.filter(code=code).values_list("path", flat=True).first()
    return changes.of_subtree(path, now) if path is not None else None


def _public(view: Any, moments: Any) -> Any:
    return public_page(changes=moments)(require_safe(view))


latest_rss = _public(feeds.DisclosureFeed(), _site)
latest_atom = _public(feeds.AtomFeed(), _site)
organization_rss = _public(feeds.OrganizationFeed(), _organization)
organization_atom = _public(feeds.AtomOrganizationFeed(), _organization)
category_rss = _public(feeds.CategoryFeed(), _organization)
category_atom = _public(feeds.AtomCategoryFeed(), _organization)


@require_safe
@public_page(changes=_site)
def sitemap_index(request: HttpRequest) -> HttpResponse:
    """The sitemap index: one entry per page of each section."""
    return sitemap_views.index(request, SITEMAPS, sitemap_url_name="feeds:sitemap_section")


@require_safe
@public_page(changes=_site)
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    """One page of one section (`?p=2` for the second)."""
    return sitemap_views.sitemap(request, SITEMAPS, section=section)


#: Where crawlers have nothing to read: people's own pages, the back office, forms, receipts
#: and tracking pages (a tracking code in an address must never be followed), and the API.
DISALLOWED = (
    "/console/",
    "/admin/",
    "/accounts/",
    "/me/",
    "/api/",
    "/track/",
    "/requests/",
    "/opinions/",
    "/kiosk/",
    "/o/*/opinion",
    "/o/*/request/",
    "/o/*/topics/new",
    "/d/*/consultation",
    "/d/*/files/",
)


@require_safe
@public_page
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED)]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('feeds:sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
