"""sitemap.xml: an index of paged sections, the organizations' pages and the public
disclosures' pages, through the one visibility rule (what an anonymous reader may see now).

A withdrawn disclosure stays listed: its page is a public record of the withdrawal and its
reason, and its `lastmod` (the withdrawal) tells a search engine to fetch it again and drop
the content it may have kept.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import timezone

from gongkai.feeds.feeds import public_disclosures
from gongkai.organizations.models import Organization

#: Addresses per page of a section (the protocol allows 50,000; smaller pages stay cheap).
PAGE_SIZE = 10_000


class OrganizationSitemap(Sitemap):  # type: ignore[type-arg]
    limit = PAGE_SIZE

    def items(self) -> QuerySet[Any]:
        return Organization.objects.filter(is_active=True).order_by("path").values("code")

    def location(self, item: dict[str, Any]) -> str:  # type: ignore[override]
        return reverse("portal:organization", args=[item["code"]])


class DisclosureSitemap(Sitemap):  # type: ignore[type-arg]
    limit = PAGE_SIZE

    def _visible(self) -> QuerySet[Any]:
        return public_disclosures(timezone.now())

    def items(self) -> QuerySet[Any]:
        return (
            self._visible()
            .order_by("pk")
            .values("pk", "public_from", "withdrawn_at", "published_revision__published_at")
        )

    def location(self, item: dict[str, Any]) -> str:  # type: ignore[override]
        return reverse("portal:disclosure", args=[item["pk"]])

    def lastmod(self, item: dict[str, Any]) -> dt.datetime | None:
        moments = [
            item["public_from"],
            item["published_revision__published_at"],
            item["withdrawn_at"],
        ]
        found = [m for m in moments if m is not None]
        return max(found) if found else None

    def get_latest_lastmod(self) -> dt.datetime | None:
        """One aggregate, not every row read (the default asks `lastmod` of each item)."""
        latest = self._visible().aggregate(
            public=Max("public_from"),
            corrected=Max("published_revision__published_at"),
            withdrawn=Max("withdrawn_at"),
        )
        found = [m for m in latest.values() if m is not None]
        return max(found) if found else None


SITEMAPS: dict[str, type[Sitemap] | Sitemap] = {  # type: ignore[type-arg]
    "organizations": OrganizationSitemap(),
    "disclosures": DisclosureSitemap(),
}
