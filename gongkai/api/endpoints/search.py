"""Full-text search (gongkai.search.query): the same function and the same visibility rule as
the /search page; snippets are the stored masked text with matches in <mark> (HTML, escaped).
Bounded: a page of at most 50, no total count (`more` says whether another page exists)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from gongkai.api import auth
from gongkai.api.errors import responses
from gongkai.search import query as search_query
from gongkai.search import views as search_views

router = Router(tags=["search"], auth=auth.READ)

API_PAGE_SIZE = 50


class SearchQueryIn(Schema):
    q: str = Field("", max_length=1000, description="搜索词（超过 100 字截断）")
    org: str = Field("", max_length=64, description="组织代码：该组织及其下级")
    category: str = Field("", max_length=64)
    period: str = Field("", max_length=40, description="年份（2026）或期间（2026-H1）")
    kind: str = Field("", max_length=20, description="disclosure / opinion / topic / request")
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")
    sort: str = Field("newest", max_length=20, description="newest 或 relevance")
    page: int = Field(1, ge=1, le=search_query.PAGES_MAX)
    page_size: int = Field(20, ge=1, le=API_PAGE_SIZE)


class SearchHitOut(Schema):
    kind: str
    kind_label: str
    id: int
    title: str
    title_html: str
    snippet_html: str
    url: str
    organization: str
    organization_code: str
    period: str
    date: dt.datetime
    withdrawn: bool


class SearchPageOut(Schema):
    q: str
    page: int
    page_size: int
    more: bool
    results: list[SearchHitOut]


@router.get(
    "",
    response={200: SearchPageOut, **responses(401, 422)},
    summary="Search what the caller may see (newest first, or by relevance)",
    openapi_extra=auth.OPTIONAL_TOKEN,
)
def search(request: HttpRequest, query: Query[SearchQueryIn]) -> Any:
    params = search_views.read_params(
        {
            "q": query.q,
            "org": query.org,
            "category": query.category,
            "period": query.period,
            "kind": query.kind,
            "from": query.date_from.isoformat() if query.date_from else "",
            "to": query.date_to.isoformat() if query.date_to else "",
            "sort": query.sort,
        }
    )
    found = search_query.search(
        auth.caller(request),
        params.q,
        filters=params.filters,
        sort=params.sort,
        limit=query.page_size,
        offset=(query.page - 1) * query.page_size,
    )
    hits = search_views.shown(found)
    return {
        "q": found.query.text,
        "page": query.page,
        "page_size": query.page_size,
        "more": found.more,
        "results": [
            {
                "kind": h.entry.kind,
                "kind_label": h.kind_label,
                "id": h.entry.source_id,
                "title": h.entry.title,
                "title_html": str(h.title),
                "snippet_html": str(h.snippet),
                "url": request.build_absolute_uri(h.link),
                "organization": h.entry.organization.name,
                "organization_code": h.entry.organization.code,
                "period": h.entry.period,
                "date": h.entry.date,
                "withdrawn": h.withdrawn,
            }
            for h in hits
        ],
    }
