"""Rich text from clerks, made safe: an allow-list of tags and attributes (nh3/Ammonia),
and links only to http, https, mailto or relative addresses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "blockquote",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "span",
    "hr",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def data_strings(value: Any) -> Iterator[str]:
    """Every text a reader can see in structured data: keys and values at any depth, and
    numbers as they are written (a mobile number typed as a JSON number is still one)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from data_strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from data_strings(item)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)
