"""Valid, well-formed HTML on every page type of the demo town: what screen readers, validators
and printers trip over. Each page of an anonymous crawl (a few addresses of every URL pattern,
gongkai.devtools.crawl) and each page of the accessibility table (page_types.PAGES, for its
reader) is parsed with the standard library's HTMLParser:

- a `datetime` attribute is ISO 8601 without microseconds (the `iso` filter writes them);
- every `<label for>` names an id on the page, and is never empty;
- no id is used twice;
- exactly one `<main>` and one `<h1>`, and `<html lang="zh-CN">`;
- no link or button inside another link or button.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from gongkai.accounts.models import User
from gongkai.devtools.crawl import crawl
from gongkai.devtools.demo import load_demo
from gongkai.disclosures.models import Disclosure
from gongkai.web.templatetags.iso import iso

from .page_types import PAGES, VILLAGE, address, published_public

pytestmark = pytest.mark.django_db

#: A valid `datetime` attribute as the site writes it: a date, or a local date and time to
#: the second with its offset.
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z))?")
INTERACTIVE = ("a", "button")


class Page(HTMLParser):
    """What the checks need from one page, read in one pass."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: Counter[str] = Counter()
        self.label_for: list[str] = []
        self.datetimes: list[str] = []
        self.tags: Counter[str] = Counter()
        self.lang: str | None = None
        self.nested: list[str] = []
        self._open: list[str] = []  # the interactive elements we are inside

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags[tag] += 1
        if a.get("id") is not None:
            self.ids[a["id"] or ""] += 1
        if tag == "label" and "for" in a:
            self.label_for.append(a["for"] or "")
        if "datetime" in a:
            self.datetimes.append(a["datetime"] or "")
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "button" or (tag == "a" and "href" in a):
            if self._open:
                self.nested.append(f"<{tag}> inside <{self._open[-1]}>")
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in INTERACTIVE and tag in self._open:
            while self._open and self._open.pop() != tag:
                pass

    def problems(self) -> list[str]:
        found = []
        if self.lang != "zh-CN":
            found.append(f'<html lang="{self.lang}">, expected zh-CN')
        for tag in ("main", "h1"):
            if self.tags[tag] != 1:
                found.append(f"{self.tags[tag]} <{tag}> elements, expected exactly one")
        found += [f'id "{i}" used {n} times' for i, n in self.ids.items() if n > 1]
        found += [
            f'<label for="{f}"> names no element' for f in self.label_for if f not in self.ids
        ]
        found += [f'datetime="{v}" is not ISO 8601 to the second' for v in self.datetimes]
        found += self.nested
        return found


def check(html: str) -> list[str]:
    page = Page()
    page.feed(html)
    page.close()
    page.datetimes = [v for v in page.datetimes if not DATETIME.fullmatch(v)]
    return page.problems()


def is_page(response_text: str) -> bool:
    """A whole page, not an htmx fragment or a document for download."""
    return response_text.lstrip().lower().startswith("<!doctype html")


@pytest.fixture
def demo(db: None) -> None:
    load_demo()


def test_every_page_type_is_valid_html_for_its_reader(demo: None) -> None:
    # Times stored by timezone.now() carry microseconds; the demo's are whole seconds.
    shown = published_public()
    Disclosure.objects.filter(pk=shown.pk).update(
        publish_from=shown.publish_from.replace(microsecond=123456)
    )
    pages: dict[str, str] = {}
    public = Client()
    starts = ["/", "/ledger/how/", f"/kiosk/{VILLAGE}/", "/assessments/", "/track/"]
    starts += [a for v in PAGES if v.who == "anonymous" and (a := address(v))]
    found = crawl(public, starts, per_route=2)
    pages.update({f"anonymous {url}": text for url, text in found.pages.items()})
    pages["anonymous 404"] = public.get("/o/NO-SUCH-ORG/").content.decode()

    for who in dict.fromkeys(v.who for v in PAGES if v.who != "anonymous"):
        client = Client()
        client.force_login(User.objects.get(username=who))
        for visit in (v for v in PAGES if v.who == who):
            where = address(visit)
            if where is None:
                continue
            response = client.get(where, follow=True)
            assert response.status_code == visit.status, (who, where, response.status_code)
            pages[f"{who} {where}"] = response.content.decode()

    report = []
    checked = 0
    for where, text in pages.items():
        if not is_page(text):
            continue
        checked += 1
        report += [f"{where}: {p}" for p in check(text)]
    assert checked > 60, checked
    assert not report, "\n".join(report)


def test_iso_writes_times_to_the_second_in_the_current_time_zone() -> None:
    moment = dt.datetime(2026, 5, 4, 1, 30, 12, 345678, tzinfo=dt.UTC)
    with timezone.override("Asia/Shanghai"):
        assert iso(moment) == "2026-05-04T09:30:12+08:00"
    assert iso(dt.date(2026, 5, 4)) == "2026-05-04"
    assert iso(None) == "" and iso("") == ""


def test_the_checks_catch_what_they_look_for() -> None:
    bad = (
        '<!doctype html><html lang="en"><body><main><h1>a</h1><h1>b</h1>'
        '<label for="x">x</label><label for="">y</label><i id="d"></i><i id="d"></i>'
        '<time datetime="2026-05-04T09:30:12.345678+08:00">t</time>'
        '<a href="/"><button>b</button></a></main><main></main></body></html>'
    )
    problems = check(bad)
    assert problems == [
        '<html lang="en">, expected zh-CN',
        "2 <main> elements, expected exactly one",
        "2 <h1> elements, expected exactly one",
        'id "d" used 2 times',
        '<label for="x"> names no element',
        '<label for=""> names no element',
        'datetime="2026-05-04T09:30:12.345678+08:00" is not ISO 8601 to the second',
        "<button> inside <a>",
    ]
