"""Asking the index: `search(user, q, ...)`.

1. The query is cleaned (NUL, controls, lone surrogates dropped), bounded (`QUERY_MAX`
   characters), normalized and split into terms (gongkai.search.tokens).
2. The full-text index finds the candidates holding every term's grams (FTS5 MATCH on
   SQLite, tsvector @@ tsquery with the GIN index on PostgreSQL); the stored normalized text
   then must contain every term (an exact substring check), so the result is exactly what a
   substring scan would find.
3. The one visibility rule filters: a disclosure (and a request decision answered by one)
   only if `Disclosure.objects.visible_to(user, now)` holds it; an echo-wall entry only in a
   scope `visibility.in_scope` grants the reader (the public scope, or the inside scopes of
   the organizations where the reader holds a role).
4. Filters (organization subtree, category, period, dates, kind), then newest first (the
   sort key's index) or by relevance, a bounded page at a time: no count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongkai import permissions
from gongkai.catalog.models import Scope
from gongkai.disclosures.models import Disclosure, State
from gongkai.disclosures.visibility import ALL_ROLES
from gongkai.organizations import tree
from gongkai.organizations.models import Organization
from gongkai.search import backends, tokens
from gongkai.search.index import date_key
from gongkai.search.models import Entry, Kind

#: The longest query taken (characters, after cleaning); longer ones are cut.
QUERY_MAX = 100
#: At most this many terms (whitespace-separated parts) are used.
TERMS_MAX = 8
#: Results per page, and the deepest page.
PAGE_SIZE = 20
LIMIT_MAX = 100
PAGES_MAX = 50

#: Relevance ranks the newest this many matches (bounded work; for a word in almost every
#: entry, the best matches of recent years rather than of all time).
RELEVANCE_WINDOW = 1000
#: Newest first reads within the newest full-text candidates first: these many, then more
#: (`_newest_page`), then all.
NEWEST_WINDOWS = (64, 4000)
#: A window holds at least this many candidates per row of the page.
NEWEST_PER_ROW = 4

NEWEST, RELEVANCE = "newest", "relevance"
SORTS = (NEWEST, RELEVANCE)

TOO_LONG = _("The search words were cut to %(max)d characters.")


@dataclass(frozen=True)
class Filters:
    organization: Organization | None = None
    category: str = ""
    period: str = ""
    kind: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@dataclass
class Query:
    text: str
    terms: list[str]
    cut: bool = False


@dataclass
class Result:
    entry: Entry
    rank: float | None = None


@dataclass
class Results:
    query: Query
    results: list[Result] = field(default_factory=list)
    #: There are more results after this page.
    more: bool = False
    offset: int = 0


def parse(q: Any) -> Query:
    """The query as typed, cleaned and bounded, and its terms."""
    text = tokens.clean(str(q or "")).strip()
    cut = len(text) > QUERY_MAX
    text = text[:QUERY_MAX]
    return Query(text=text, terms=tokens.terms(text)[:TERMS_MAX], cut=cut)


def in_scope_condition(user: Any) -> Q:
    """`visibility.in_scope(user, entry.organization, entry.scope)` as a condition: the
    public scope is everyone's; the inside scopes are the members' and staff's of the
    organization (`can_read_party_internal`, i.e. a role there, as in `visibility_condition`)."""
    return Q(scope=Scope.PUBLIC) | Q(
        organization__in=permissions.organizations_where(user, ALL_ROLES).values("pk")
    )


def visible_entries(user: Any, now: dt.datetime) -> QuerySet[Entry]:
    """The entries the reader may find now, through the one rule."""
    visible = Disclosure.objects.visible_to(user, now)
    disclosure_seen = Exists(visible.filter(pk=OuterRef("disclosure_id")))
    answered_by_seen = Exists(
        visible.exclude(state=State.WITHDRAWN).filter(pk=OuterRef("disclosure_id"))
    )
    return Entry.objects.filter(
        (Q(kind=Kind.DISCLOSURE) & disclosure_seen)
        | (Q(kind=Kind.REQUEST) & answered_by_seen)
        | (Q(kind__in=(Kind.OPINION, Kind.TOPIC)) & in_scope_condition(user))
    )


def matching(
    queryset: QuerySet[Entry], query: Query, *, relevance: bool = False
) -> QuerySet[Entry]:
    """`queryset` narrowed to the entries holding every term (full-text, then exact)."""
    if not query.terms:
        return queryset.none()
    required = [tokens.term_grams(term) for term in query.terms]
    optional = tokens.query_words(query.terms) if relevance else []
    found = backends.match(required, optional)
    where, params = backends.contains(query.terms)
    qs = queryset.extra(
        tables=found.tables, where=[*found.where, *where], params=[*found.params, *params]
    )
    if relevance:
        qs = qs.extra(select={"rank": found.rank_sql}, select_params=found.rank_params)
    return qs


def filtered(queryset: QuerySet[Entry], filters: Filters) -> QuerySet[Entry]:
    if filters.organization is not None:
        low, high = tree.subtree_bounds(filters.organization.path)
        queryset = queryset.filter(organization__path__gte=low, organization__path__lt=high)
    if filters.category:
        queryset = queryset.filter(category_key=filters.category)
    if filters.period:
        if len(filters.period) == 4 and filters.period.isdigit():
            queryset = queryset.filter(period_key__startswith=filters.period)
        else:
            queryset = queryset.filter(period_key=filters.period)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    return queryset


def key_bounds(filters: Filters) -> tuple[int | None, int | None]:
    """The sort keys of the date range: (smallest allowed, first beyond), None where open."""
    low = high = None
    zone = timezone.get_current_timezone()
    if filters.date_from is not None:
        low = date_key(dt.datetime.combine(filters.date_from, dt.time(0), tzinfo=zone))
    if filters.date_to is not None:
        end = filters.date_to + dt.timedelta(days=1)
        high = date_key(dt.datetime.combine(end, dt.time(0), tzinfo=zone))
    return low, high


def search(
    user: Any,
    q: Any,
    *,
    filters: Filters | None = None,
    sort: str = NEWEST,
    limit: int = PAGE_SIZE,
    offset: int = 0,
    now: dt.datetime | None = None,
) -> Results:
    """The entries matching `q` that `user` may see at `now`, newest first or by relevance,
    `limit` from `offset` (both bounded), and whether there are more."""
    now = now or timezone.now()
    query = parse(q)
    limit = max(1, min(int(limit), LIMIT_MAX))
    offset = max(0, min(int(offset), PAGE_SIZE * PAGES_MAX))
    out = Results(query=query, offset=offset)
    if not query.terms:
        return out
    relevance = sort == RELEVANCE
    filters = filters or Filters()
    seen = filtered(visible_entries(user, now), filters).select_related("organization")
    qs = matching(seen, query, relevance=relevance)
    low, high = key_bounds(filters)
    wanted = offset + limit + 1
    if relevance:
        rows = _ranked_page(qs, seen, query, low, high, offset, wanted)
    else:
        qs = qs.order_by().extra(order_by=backends.newest_first())
        rows = _newest_page(qs, seen, query, low, high, offset, wanted)
    out.more = len(rows) > limit
    out.results = [Result(entry=e, rank=getattr(e, "rank", None)) for e in rows[:limit]]
    return out


def _page(
    qs: QuerySet[Entry], low: int | None, high: int | None, offset: int, wanted: int
) -> list[Entry]:
    where, params = backends.key_range(low, high)
    return list(qs.extra(where=where, params=params)[offset:wanted])


def _ranked_page(
    qs: QuerySet[Entry],
    seen: QuerySet[Entry],
    query: Query,
    low: int | None,
    high: int | None,
    offset: int,
    wanted: int,
) -> list[Entry]:
    """By relevance, within the newest RELEVANCE_WINDOW matches of the date range (bounded
    work; for a word in almost every entry, the best matches of recent years rather than of
    all time). On SQLite the window is a range of FTS5 rowids, which FTS5 takes into its
    scan, so bm25 is computed within it only; on PostgreSQL the window's rows are ranked by
    their keys, without asking the full-text index for every candidate again."""
    grams = [tokens.term_grams(term) for term in query.terms]
    keys = backends.newest_keys(query.terms, grams, RELEVANCE_WINDOW, low, high)
    if not keys:
        return []
    if backends.windowed_newest():
        found = backends.match(grams, tokens.query_words(query.terms))
        ranked = seen.filter(sort_key__in=keys).extra(
            select={"rank": found.rank_sql}, select_params=found.rank_params
        )
        return list(ranked.order_by("rank", "-sort_key")[offset:wanted])
    if len(keys) == RELEVANCE_WINDOW:
        low = keys[-1] if low is None else max(low, keys[-1])
    return _page(qs.order_by("rank", "-sort_key"), low, high, offset, wanted)


def _newest_page(
    qs: QuerySet[Entry],
    seen: QuerySet[Entry],
    query: Query,
    low: int | None,
    high: int | None,
    offset: int,
    wanted: int,
) -> list[Entry]:
    """The newest `wanted` entries of `qs` (from `offset`), read within a window of the
    newest matches first, widened until it holds them.

    Whether an entry may be seen is a subquery per entry; asked of a common word's every
    match at once, PostgreSQL answers it by hashing every visible disclosure before the
    first row (no early stop at the page's end). Within a window of the newest matches
    (`backends.newest_keys`, read the cheaper of two ways) it probes only the window's rows.
    The window's rows are the newest of all, so the page read within it is the page read
    without it whenever it fills, or when the window held every match; otherwise the window
    grows, and after the last it is left off.

    The window holds only entries whose text holds every term, so the page within it is
    read from `seen` (what the reader may see, filtered) without asking the full-text index
    again: PostgreSQL would read every candidate of the index to intersect them with the
    window's few."""
    if not backends.windowed_newest():
        return _page(qs, low, high, offset, wanted)
    grams = [tokens.term_grams(term) for term in query.terms]
    for window in NEWEST_WINDOWS:
        size = max(window, NEWEST_PER_ROW * wanted)
        keys = backends.newest_keys(query.terms, grams, size, low, high)
        if not keys:
            return []
        newest = seen.filter(sort_key__in=keys).order_by("-sort_key")
        rows = list(newest[offset:wanted])
        if len(rows) == wanted - offset or len(keys) < size:
            return rows
    return _page(qs, low, high, offset, wanted)


def matching_ids(q: str, among: list[int]) -> set[int]:
    """The ids among `among` whose stored text holds every term of `q` (no visibility: for
    tests of the tokenization on a candidate set)."""
    return set(matching(Entry.objects.filter(pk__in=among), parse(q)).values_list("pk", flat=True))
