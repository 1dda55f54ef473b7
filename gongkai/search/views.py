"""The search page (/search, `portal:search`), its htmx fragment, and the Atom feed of a
search (/search/feed). Thin: the parameters are read and bounded here (`read_params`), the
rest is gongkai.search.query. A public page: an anonymous reader's results may be kept by a
shared cache for a few seconds (`public_page`); a member's never.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from gongkai.catalog.effective import applicable_catalog
from gongkai.disclosures.models import Disclosure
from gongkai.organizations.models import Organization
from gongkai.search import query, snippets, tokens
from gongkai.search.models import Entry, Kind
from gongkai.validation import text_problem
from gongkai.web.caching import public_page

#: Organizations whose name matches, shown above the results.
ORGANIZATIONS_SHOWN = 10
#: Entries in a search's feed.
FEED_ITEMS = 30
FIELD_MAX = 64

QUERY_CUT = gettext_lazy("The search words were cut to %(max)d characters.")
BAD_DATE = gettext_lazy("Give dates as year-month-day, e.g. 2026-07-01.")


@dataclass
class Params:
    q: str = ""
    organization: Organization | None = None
    category: str = ""
    period: str = ""
    kind: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = query.NEWEST
    page: int = 1
    problems: tuple[str, ...] = ()

    @property
    def filters(self) -> query.Filters:
        return query.Filters(
            organization=self.organization,
            category=self.category,
            period=self.period,
            kind=self.kind,
            date_from=self.date_from,
            date_to=self.date_to,
        )

    def query_string(self, **changes: Any) -> str:
        values: dict[str, Any] = {
            "q": self.q,
            "org": self.organization.code if self.organization else "",
            "category": self.category,
            "period": self.period,
            "kind": self.kind,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "sort": "" if self.sort == query.NEWEST else self.sort,
            "page": "" if self.page == 1 else str(self.page),
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v})


def _field(source: Any, name: str, bound: int = FIELD_MAX) -> str:
    """A short parameter: cleaned, bounded, empty when it is not plain text."""
    value = tokens.clean(str(source.get(name, "") or "")).strip()[:bound]
    return "" if text_problem(value) else value


def _date(source: Any, name: str, problems: list[str]) -> dt.date | None:
    value = _field(source, name, 10)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        problems.append(str(BAD_DATE))
        return None


def read_params(source: Any) -> Params:
    """The search's parameters from a query dict, every one bounded; never raises."""
    problems: list[str] = []
    raw_q = tokens.clean(str(source.get("q", "") or "")).strip()
    if len(raw_q) > query.QUERY_MAX:
        problems.append(str(QUERY_CUT % {"max": query.QUERY_MAX}))
    code = _field(source, "org", 32)
    organization = Organization.objects.filter(code=code).first() if code else None
    kind = _field(source, "kind")
    period = _field(source, "period", 40)
    sort = _field(source, "sort")
    page_text = _field(source, "page", 4)
    page = int(page_text) if page_text.isdigit() else 1
    return Params(
        q=raw_q[: query.QUERY_MAX],
        organization=organization,
        category=_field(source, "category"),
        period=period,
        kind=kind if kind in Kind.values else "",
        date_from=_date(source, "from", problems),
        date_to=_date(source, "to", problems),
        sort=sort if sort in query.SORTS else query.NEWEST,
        page=max(1, min(page, query.PAGES_MAX)),
        problems=tuple(problems),
    )


@dataclass
class Shown:
    """A result as a line of the page."""

    entry: Entry
    kind_label: str
    title: SafeString
    snippet: SafeString
    link: str
    withdrawn: bool
    #: When it became public (a feed's date): a party-first disclosure's public time.
    public_at: dt.datetime | None = None


def link_of(entry: Entry) -> str:
    if entry.kind == Kind.DISCLOSURE:
        return reverse("portal:disclosure", args=[entry.source_id])
    if entry.kind == Kind.REQUEST:
        return reverse("portal:disclosure", args=[entry.disclosure_id])
    if entry.kind == Kind.TOPIC:
        return reverse("topics:detail", args=[entry.organization.code, entry.source_id])
    return reverse("engagement:echo", args=[entry.organization.code])


def shown(results: query.Results) -> list[Shown]:
    terms = results.query.terms
    return [
        Shown(
            entry=r.entry,
            kind_label=str(Kind(r.entry.kind).label),
            title=snippets.highlight(r.entry.title, terms),
            snippet=snippets.snippet(r.entry.text or r.entry.title, terms),
            link=link_of(r.entry),
            withdrawn=r.entry.withdrawn,
        )
        for r in results.results
    ]


def _organizations(q: str) -> list[Organization]:
    if not q:
        return []
    return list(
        Organization.objects.filter(is_active=True)
        .filter(Q(name__contains=q) | Q(code__istartswith=q))
        .order_by("depth", "path")[:ORGANIZATIONS_SHOWN]
    )


def _categories(org: Organization | None) -> list[tuple[str, str]]:
    if org is None:
        return []
    catalog = applicable_catalog(org)
    if catalog is None:
        return []
    return [(c.key, str(c.name)) for c in catalog.categories]


@require_safe
@public_page
def search(request: HttpRequest) -> HttpResponse:
    params = read_params(request.GET)
    found = query.search(
        request.user,
        params.q,
        filters=params.filters,
        sort=params.sort,
        limit=query.PAGE_SIZE,
        offset=(params.page - 1) * query.PAGE_SIZE,
    )
    context = {
        "q": params.q,
        "params": params,
        "organizations": [
            (o, params.query_string(org=o.code, category="", page=""))
            for o in _organizations(params.q)
        ],
        "organizations_max": ORGANIZATIONS_SHOWN,
        "results": shown(found),
        "more": found.more and params.page < query.PAGES_MAX,
        "next_page": params.query_string(page=str(params.page + 1)),
        "previous_page": params.query_string(page=str(params.page - 1) if params.page > 2 else ""),
        "page": params.page,
        "kinds": Kind.choices,
        "categories": _categories(params.organization),
        "feed": params.query_string(page="", sort=""),
        "relevance": params.sort == query.RELEVANCE,
        "by_relevance": params.query_string(sort=query.RELEVANCE, page=""),
        "by_date": params.query_string(sort="", page=""),
        "without_org": params.query_string(org="", category="", page=""),
        "kind_labels": dict(Kind.choices),
    }
    htmx = getattr(request, "htmx", False)
    template = "search/_results.html" if htmx else "search/search.html"
    return render(request, template, context)


class SearchFeed(Feed):  # type: ignore[type-arg]
    """The newest results of a search as Atom, for everyone (an anonymous reader's view:
    a feed is a public document, read by programs that do not sign in)."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        params = read_params(request.GET)
        params.page, params.sort = 1, query.NEWEST
        results = query.search(
            AnonymousUser(), params.q, filters=params.filters, limit=FEED_ITEMS, now=timezone.now()
        )
        return params, results

    def title(self, obj: Any) -> str:
        params, _results = obj
        return _("Search: %(q)s") % {"q": params.q} if params.q else _("Search")

    def link(self, obj: Any) -> str:
        params, _results = obj
        return f"{reverse('portal:search')}?{params.query_string(page='')}"

    def subtitle(self, obj: Any) -> str:
        return _("The newest public results of this search.")

    def items(self, obj: Any) -> list[Shown]:
        """The results, each dated by when it became public: a party-first disclosure enters
        the public's feed at its public time and is dated by it (one query for them all)."""
        _params, results = obj
        lines = shown(results)
        ids = [line.entry.source_id for line in lines if line.entry.kind == Kind.DISCLOSURE]
        public = dict(
            Disclosure.objects.filter(pk__in=ids, public_from__isnull=False).values_list(
                "pk", "public_from"
            )
        )
        for line in lines:
            at = public.get(line.entry.source_id) if line.entry.kind == Kind.DISCLOSURE else None
            line.public_at = max(line.entry.date, at) if at else line.entry.date
        return lines

    def item_title(self, item: Shown) -> str:
        return item.entry.title

    def item_description(self, item: Shown) -> str:
        return str(item.snippet)

    def item_link(self, item: Shown) -> str:
        return item.link

    def item_guid(self, item: Shown) -> str:
        return f"{item.link}#{item.entry.kind}-{item.entry.source_id}"

    def item_guid_is_permalink(self, item: Shown) -> bool:
        return False

    def item_pubdate(self, item: Shown) -> dt.datetime:
        return item.public_at or item.entry.date

    def item_updateddate(self, item: Shown) -> dt.datetime:
        return item.public_at or item.entry.date


search_feed = require_safe(public_page(SearchFeed()))
