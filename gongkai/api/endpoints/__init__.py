"""One module per resource; each holds a ninja Router and nothing else of note."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from gongkai.api.schemas import PageQuery


def page_of(qs: QuerySet[Any], query: PageQuery) -> tuple[int, list[Any]]:
    """(total, the rows of the requested page): two queries whatever the page size."""
    start = (query.page - 1) * query.page_size
    return qs.count(), list(qs[start : start + query.page_size])
