"""The newest disclosures of an organization and everything below it, in work bounded by
what is shown, never by the subtree's history.

"Every organization whose path is in the subtree's range, newest first" is a range on the
organizations and an order on the disclosures: no index serves both, so the database reads
every visible disclosure of the subtree and sorts them (at 1,000,000 disclosures the county's
list took five seconds). Two plans instead, chosen by the subtree's size:

- **A few organizations** (at most `FEW`, a branch or a town): each organization's own
  newest rows by its index (`disclosure_org_newest`, `disclosure_org_public`), at most
  `limit` each, in one UNION ALL; the caller's query reads the keys inline.
- **Many organizations** (a county, the whole tree): walk the site's newest-first index and
  keep the subtree's rows, `CHUNK` rows a query, until `limit` are found. A subtree with many
  organizations holds a share of the site's disclosures, so the walk is short. Should it
  read `MAX_CHUNKS` chunks without finding enough (many organizations with few disclosures),
  the subtree's disclosures are few next to the site's and the range-and-sort plan is the
  cheaper one: it is used for the rest.

Every plan reads the caller's queryset (visibility, cursor), so each shows exactly what the
range-and-sort plan shows; a test holds them equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from gongkai.disclosures.models import Disclosure
from gongkai.organizations import tree
from gongkai.organizations.models import Organization
from gongkai.portal import reading

#: Up to this many organizations, each one's newest rows are read by its own index.
FEW = 48
#: Rows a query of the walk reads, and how many such queries before the range is used.
CHUNK = 500
MAX_CHUNKS = 8


def _after(field: str, at: Any, pk: int) -> Q:
    """Rows after (`field`, pk) in the order (-field, -pk)."""
    return Q(**{f"{field}__lt": at}) | Q(**{field: at, "pk__lt": pk})


def newest(
    queryset: QuerySet[Disclosure], path: str, field: str, limit: int
) -> QuerySet[Disclosure]:
    """`queryset` (visibility and any cursor applied) narrowed to the newest `limit` rows, by
    (`field`, pk) descending, of the organization at `path` and those below it: a filter on
    the keys, for the caller to add its columns to and order by (-`field`, -pk)."""
    order = (f"-{field}", "-pk")
    low, high = tree.subtree_bounds(path)
    organizations = list(
        Organization.objects.filter(path__gte=low, path__lt=high)
        .order_by()
        .values_list("pk", flat=True)[: FEW + 1]
    )
    if len(organizations) <= FEW:
        return queryset.filter(pk__in=_union(queryset, organizations, field, limit))
    found: list[int] = []
    cursor: tuple[Any, int] | None = None
    for _ in range(MAX_CHUNKS):
        page = queryset if cursor is None else queryset.filter(_after(field, *cursor))
        rows = list(page.order_by(*order).values_list("pk", field, "organization__path")[:CHUNK])
        found += [pk for pk, _at, at_path in rows if low <= at_path < high]
        if len(found) >= limit or len(rows) < CHUNK:
            return queryset.filter(pk__in=found[:limit])
        cursor = (rows[-1][1], rows[-1][0])
    assert cursor is not None
    rest = (
        queryset.filter(_after(field, *cursor))
        .filter(organization__path__gte=low, organization__path__lt=high)
        .order_by(*order)
        .values_list("pk", flat=True)[: limit - len(found)]
    )
    return queryset.filter(pk__in=found + list(rest))


def _union(
    queryset: QuerySet[Disclosure], organizations: Sequence[int], field: str, limit: int
) -> RawSQL | list[int]:
    """Each organization's newest `limit` keys by its own index, in one UNION ALL."""
    if not organizations:
        return []
    return reading.union_of_keys(
        [
            reading._newest_sql(queryset.filter(organization_id=o), limit, field)
            for o in organizations
        ]
    )
