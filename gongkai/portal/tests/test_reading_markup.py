"""The reader's pages as markup: times in Beijing time, in Chinese, with `<time datetime>`
values a validator accepts (to the second, no microseconds); no empty `label for`; and no
form that posts on a public page (it would make the page private, see web.caching)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from gongkai.disclosures import workflow

from .conftest import make_shown, published, reader

DATETIME = re.compile(r'datetime="([^"]*)"')
VALID = re.compile(r"^\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d\+08:00)?$")


@pytest.fixture
def pages(people, tree, village_catalog, draft):  # type: ignore[no-untyped-def]
    odd = timezone.now() - dt.timedelta(hours=2, microseconds=123457)
    make_shown(people, tree.village, village_catalog, title="带微秒的公告", publish_from=odd)
    notice = published(people, draft)
    notice = workflow.correct(
        notice, actor=people.reviewer, reason="更正", title=notice.title, body="<p>改</p>"
    )
    return [
        "/",
        "/o/QS-01/",
        "/o/QS/all",
        "/o/QS-01/all?own=1",
        f"/o/QS-01/items/{notice.item.key}/",
        f"/d/{notice.pk}/",
        f"/d/{notice.pk}/proof",
        "/ledger/YL/",
    ]


@pytest.mark.parametrize("persona", ["anonymous", "member"])
def test_times_are_valid_and_shown_in_beijing_time(people, pages, persona):
    client = reader(people, persona)
    for url in pages:
        html = client.get(url).content.decode()
        values = DATETIME.findall(html)
        assert values, url
        for value in values:
            assert VALID.match(value), (url, value)
        assert 'for=""' not in html, url


def test_public_pages_post_nothing_and_stay_shareable(people, pages):
    client = reader(people, "anonymous")
    for url in pages:
        response = client.get(url)
        html = response.content.decode()
        assert not re.search(r'<form[^>]*method="post"', html, re.I), url
        assert "public" in response["Cache-Control"], url
