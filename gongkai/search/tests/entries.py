"""Entries as the index tests plant them: a public echo-wall answer of an organization."""

from __future__ import annotations

import datetime as dt

from gongkai.catalog.models import Scope
from gongkai.organizations.models import Organization
from gongkai.search.models import Entry, Kind


def opinion_entry(
    organization: Organization,
    source_id: int,
    *,
    date: dt.datetime,
    title: str,
    text: str = "",
    period: str = "",
) -> Entry:
    return Entry(
        kind=Kind.OPINION,
        source_id=source_id,
        organization=organization,
        scope=Scope.PUBLIC,
        date=date,
        title=title,
        period=period,
        text=text,
    )
