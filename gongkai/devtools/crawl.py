"""An anonymous crawler of the site, for the privacy tests: from some start addresses it
follows every link a reader (or a feed reader, or a program reading the API) can follow and
keeps the text of every answer, so a test can look for what must never be there.

It follows `href`, `src` and `action`-less links in HTML, addresses in XML (feeds, sitemaps)
and every string that looks like a site address in JSON, and reads the text of PDFs (printed
boards, letters) so a test searches them like pages; it never posts, never signs in and
stays on the site (relative addresses, `testserver` and the host of `GONGKAI_SITE_URL`).
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import urldefrag, urljoin, urlsplit

from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve
from pypdf import PdfReader

_ATTR = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
_XML_LINK = re.compile(r"<(?:loc|link|id)>\s*([^<\s]+)\s*</", re.IGNORECASE)
#: Never followed: they change state, sign in or out, or are the administrators' site.
SKIPPED = ("/accounts/", "/admin/", "/console/", "/static/")


@dataclass
class Crawl:
    pages: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    content_types: dict[str, str] = field(default_factory=dict)

    def of_type(self, fragment: str) -> list[str]:
        """The addresses answered with a content type containing `fragment` (``pdf``, ``atom``…)."""
        return [url for url, kind in self.content_types.items() if fragment in kind]

    def containing(self, needle: str) -> list[str]:
        return [url for url, text in self.pages.items() if needle in text]


def _links(base: str, content_type: str, text: str) -> Iterable[str]:
    if "json" in content_type:
        try:
            stack = [json.loads(text)]
        except ValueError:
            return
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                stack.extend(value.values())
            elif isinstance(value, list):
                stack.extend(value)
            elif isinstance(value, str) and (value.startswith("/") or "://testserver/" in value):
                yield urljoin(base, value)
        return
    if "xml" in content_type:
        for m in _XML_LINK.finditer(text):
            yield urljoin(base, unescape(m.group(1)))
    for m in _ATTR.finditer(text):
        yield urljoin(base, unescape(m.group(1)))


def _hosts() -> set[str]:
    hosts = {"", "testserver"}
    site = getattr(settings, "GONGKAI_SITE_URL", "")
    if site:
        hosts.add(urlsplit(site).netloc)
    return hosts


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF, or the bytes as Latin-1 when it cannot be read."""
    try:
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    except Exception:  # a broken file is still searched as bytes
        return data.decode("latin-1")


def _local(url: str, hosts: set[str] | None = None) -> str | None:
    url, _ = urldefrag(url)
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in (hosts or _hosts()):
        return None
    path = parts.path or "/"
    if any(path.startswith(p) for p in SKIPPED):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def _route(url: str) -> str:
    try:
        return resolve(urlsplit(url).path).route
    except Resolver404:
        return url


def crawl(
    client: Client, starts: Iterable[str], *, limit: int = 3000, per_route: int | None = None
) -> Crawl:
    """Everything reachable from `starts` for `client` (anonymous unless it signed in).

    `per_route` samples instead: at most that many addresses of one URL pattern are fetched
    (say 2 disclosure pages of 500), for checks about page types rather than contents."""
    result = Crawl()
    hosts = _hosts()
    queue = deque(u for u in (_local(s, hosts) for s in starts) if u)
    seen = set(queue)
    fetched: Counter[str] = Counter()
    while queue and len(result.statuses) < limit:
        url = queue.popleft()
        if per_route is not None:
            route = _route(url)
            if fetched[route] >= per_route:
                continue
            fetched[route] += 1
        response = client.get(url)
        result.statuses[url] = response.status_code
        if response.status_code in (301, 302, 303, 307, 308):
            target = _local(urljoin(url, response["Location"]), hosts)
            if target and target not in seen:
                seen.add(target)
                queue.append(target)
            continue
        if response.status_code != 200:
            continue
        content_type = response.get("Content-Type", "")
        result.content_types[url] = content_type
        body = (
            b"".join(response.streaming_content)  # type: ignore[attr-defined]
            if getattr(response, "streaming", False)
            else response.content
        )
        if "pdf" in content_type:
            result.pages[url] = pdf_text(body)
            continue
        if not any(t in content_type for t in ("html", "json", "xml", "text")):
            result.pages[url] = body.decode("latin-1")  # bytes, searchable
            continue
        text = body.decode("utf-8", errors="replace")
        result.pages[url] = text
        for link in _links(url, content_type, text):
            local = _local(link, hosts)
            if local and local not in seen:
                seen.add(local)
                queue.append(local)
    return result
