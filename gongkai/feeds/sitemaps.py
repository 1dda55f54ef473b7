"""sitemap.xml: an index of paged sections, the organizations' pages and the public
disclosures' pages, through the one visibility rule (what an anonymous reader may see now).

A withdrawn disclosure stays listed: its page is a public record of the withdrawal and its
reason, and its `lastmod` (the withdrawal) tells a search engine to fetch it again and drop
the content it may have kept.
"""

from __future__ import annotations

import datetime as dt
import math
from types import SimpleNamespace
from typing import Any

from django.contrib.sitemaps import Sitemap
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from gongkai.feeds.feeds import public_disclosures
from gongkai.organizations.models import Organization

#: Addresses per page of a section (the protocol allows 50,000; smaller pages stay cheap).
PAGE_SIZE = 10_000


class KeyRangePaginator:
    """Pages by ranges of the primary key: page n lists the rows whose key is in
    ((n-1)·size, n·size]. Django's Paginator counts every visible row for the number of pages
    and reads a page by OFFSET, both proportional to the table (seconds at 1,000,000
    disclosures); here the number of pages is the highest key over the size (one index
    lookup) and a page is one range of the key. A page may list fewer addresses than `size`
    (rows not visible, keys never used), which the sitemap protocol allows."""

    def __init__(self, queryset: QuerySet[Any], per_page: int) -> None:
        self.queryset = queryset
        self.per_page = per_page

    @cached_property
    def num_pages(self) -> int:
        top = self.queryset.model.objects.aggregate(top=Max("pk"))["top"] or 0
        return max(1, math.ceil(top / self.per_page))

    def page(self, number: Any) -> SimpleNamespace:
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger from exc
        if not 1 <= number <= self.num_pages:
            raise EmptyPage
        low, high = (number - 1) * self.per_page, number * self.per_page
        return SimpleNamespace(
            object_list=self.queryset.filter(pk__gt=low, pk__lte=high), number=number
        )


class KeyRangeSitemap(Sitemap):  # type: ignore[type-arg]
    """A section paged by `KeyRangePaginator`."""

    limit = PAGE_SIZE

    def items(self) -> QuerySet[Any]:
        raise NotImplementedError

    @property
    def paginator(self) -> KeyRangePaginator:  # type: ignore[override]
        return KeyRangePaginator(self.items(), self.limit)


class OrganizationSitemap(KeyRangeSitemap):
    def items(self) -> QuerySet[Any]:
        return Organization.objects.filter(is_active=True).order_by("pk").values("code")

    def location(self, item: dict[str, Any]) -> str:  # type: ignore[override]
        return reverse("portal:organization", args=[item["code"]])


class DisclosureSitemap(KeyRangeSitemap):
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
        """None: the index names no date for this section. The latest change among every
        visible disclosure is an aggregate over all of them (the default even asks `lastmod`
        of each); each address in the pages carries its own."""
        return None


SITEMAPS: dict[str, type[Sitemap] | Sitemap] = {  # type: ignore[type-arg]
    "organizations": OrganizationSitemap(),
    "disclosures": DisclosureSitemap(),
}
