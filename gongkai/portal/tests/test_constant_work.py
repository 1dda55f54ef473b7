"""The uncached public pages do constant work: the same number of SQL queries whether the
organization has disclosed once, 20 times or 200 times, for an anonymous reader and for a
member, on the home page, the organization page, an item's page, a disclosure's page and
the subtree's list. Disclosures are spread over every item of the catalog (public, party,
unit, party first), some withdrawn, some on show, some on an item outside the published
catalog (which must not add a query), and on the organizations around it."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongkai.catalog.effective import effective_catalog
from gongkai.catalog.models import Item, Scope, Timing
from gongkai.disclosures import changes
from gongkai.disclosures.models import Disclosure, Revision, State

from .conftest import ITEM_FOR_SCOPE, make_shown, reader

SIZES = (1, 20, 200)


def _add(people, tree, catalog, template: Disclosure, count: int, start: int) -> None:  # type: ignore[no-untyped-def]
    """`count` more published disclosures like `template`, spread over the catalog's items,
    an item outside it, the village and its neighbours, written in bulk."""
    items = [i.item for i in effective_catalog(catalog).items]
    outside = Item.objects.get_or_create(
        catalog=catalog,
        key="retired-item",
        defaults={
            "category_key": "fixed",
            "name": "已停用的事项",
            "timing": Timing.STANDING,
            "introduced_in": 1,
            "retired_in": 1,
        },
    )[0]
    orgs = itertools.cycle([tree.village] * 3 + [tree.sibling_village, tree.town])
    now = timezone.now()
    made = []
    for n in range(start, start + count):
        item = outside if n % 7 == 3 else items[n % len(items)]
        scope = item.scope if item is not outside else Scope.PUBLIC
        at = now - dt.timedelta(minutes=10 + n)
        made.append(
            Disclosure(
                organization=next(orgs),
                catalog=template.catalog,
                catalog_version=template.catalog_version,
                item=item,
                rules=template.rules,
                title=f"历史公开第{n}号",
                scope=scope,
                state=State.WITHDRAWN if n % 11 == 5 else State.PUBLISHED,
                publish_from=at,
                public_from=at if scope != Scope.PARTY else None,
                publicity_until=now + dt.timedelta(days=3) if n % 5 == 0 else None,
                created_by=people.clerk,
            )
        )
    Disclosure.objects.bulk_create(made)
    revisions = Revision.objects.bulk_create(
        Revision(
            disclosure=d,
            number=2,
            public_number=1,
            title=d.title,
            published_at=d.publish_from,
            published_title=d.title,
            published_body="<p>正文</p>",
            published_data={},
            published_period="",
            created_by=people.clerk,
        )
        for d in made
    )
    for d, r in zip(made, revisions, strict=True):
        d.published_revision = r
    Disclosure.objects.bulk_update(made, ["published_revision"])
    # Written past the workflow: counted as its moves are (the stored listings go stale).
    changes.listing_changed(*{d.organization_id for d in made})


def _count(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


PAGES = {
    "home": lambda d, key: "/",
    "organization": lambda d, key: "/o/QS-01/",
    "item": lambda d, key: f"/o/QS-01/items/{key}/",
    "disclosure": lambda d, key: f"/d/{d.pk}/",
    "subtree": lambda d, key: "/o/QS/all",
    "own list": lambda d, key: "/o/QS-01/all?own=1",
    "subtree, page 2": lambda d, key: "/o/QS/all?before=4102444800000000.999999999",
}


@pytest.mark.parametrize("persona", ["anonymous", "member"])
@pytest.mark.parametrize("page", sorted(PAGES))
def test_a_page_runs_the_same_queries_for_1_20_and_200_disclosures(
    page, persona, people, tree, village_catalog
):
    client = reader(people, persona)
    shown = make_shown(people, tree.village, village_catalog, title="东岭村监督电话")
    key = shown.item.key
    url = PAGES[page](shown, key)
    client.get(url)  # the effective catalog is resolved once, then cached
    counts = []
    made = 1
    for size in SIZES:
        _add(people, tree, village_catalog, shown, size - made, made)
        made = size
        # Each count renders the organization's listing (none is stored from before).
        changes.listing_changed(tree.village.pk)
        counts.append(_count(client, url))
    assert Disclosure.objects.filter(organization=tree.village).count() > 100
    assert counts == [counts[0]] * len(SIZES), counts


@pytest.mark.parametrize("persona", ["anonymous", "member"])
def test_the_disclosure_page_does_not_grow_with_its_versions(
    persona, people, tree, village_catalog
):
    from gongkai.disclosures import workflow

    from .conftest import published

    client = reader(people, persona)
    draft = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=make_shown(people, tree.village, village_catalog).item.key,
        title="东岭村监督电话",
        body="<p>监督电话：0871-6123401</p>",
    )
    notice = published(people, draft)
    url = f"/d/{notice.pk}/"
    client.get(url)
    # The first version: nothing earlier to read or compare.
    first = _count(client, url)
    counts = []
    for n in range(3):
        workflow.correct(
            notice, actor=people.reviewer, reason=f"第{n}次更正", title="东岭村监督电话",
            body=f"<p>{n}</p>",
        )  # fmt: skip
        counts.append(_count(client, url))
    # Earlier versions, and their files to compare, one query each however many there are.
    assert counts == [first + 2] * 3, (first, counts)
    html = client.get(url).content.decode()
    assert "第 4 版" in html and "第2次更正" in html  # three corrections: the fourth version


def test_the_pinned_counts(people, tree, village_catalog):
    """The numbers themselves, so a change that adds a query is seen in review."""
    shown = make_shown(people, tree.village, village_catalog, title="东岭村监督电话")
    anonymous = reader(people, "anonymous")
    for url in ("/o/QS-01/", f"/d/{shown.pk}/"):
        anonymous.get(url)
    # organization, its listing rendered (the first request after a move): the
    # organization (with its catalog's version and whether an exemption was decided), the
    # next scheduled change (how long the rendering is kept, and a shared cache's bound),
    # the newest, those on show, its catalog, the item rows, the newest per item (one
    # UNION), the open consultations; its ancestors, the subordinates, the log head.
    changes.listing_changed(shown.organization_id)
    assert _count(anonymous, "/o/QS-01/") == 11
    # Its listing stored (gongkai.portal.stored): none of the listing's queries run.
    assert _count(anonymous, "/o/QS-01/") == 4
    # disclosure: the disclosure with its revision (which also says when the page next
    # changes by the clock), the events, the files on show, the echo wall's answers, the
    # board postings. Its first version has no earlier ones to read or compare (two queries
    # more from the second on: test_the_disclosure_page_does_not_grow_with_its_versions),
    # and a disclosure never put out for consultation has no opinions to read.
    assert _count(anonymous, f"/d/{shown.pk}/") == 5
    assert ITEM_FOR_SCOPE  # the shared fixtures' items are the ones spread over


def test_the_organization_and_disclosure_pages_ask_compiled_questions(
    people, tree, village_catalog
):
    """The pages' fixed questions run SQL compiled once per connection (`Precompiled`), not
    re-compiled by the ORM on every request: a builder that stopped binding (a transformed
    value, a branch) would silently cost a millisecond a query again."""
    from django.db import connections

    from gongkai.disclosures import events
    from gongkai.ledger import public
    from gongkai.portal import content, views

    shown = make_shown(people, tree.village, village_catalog, title="东岭村监督电话")
    for persona in ("anonymous", "member"):
        client = reader(people, persona)
        for _ in range(2):  # the first request of a shape plans it
            for url in ("/o/QS-01/", "/o/QS/", f"/d/{shown.pk}/"):
                assert client.get(url).status_code == 200
    compiled = {
        key[0] for key, plan in connections["default"].__dict__["_gongkai_plans"].items() if plan
    }
    expected = {
        views._ORGANIZATION,
        views._SUBORDINATES,
        views._ANCESTORS,
        views._DISCLOSURE,
        views._ECHO,
        views._BOARD_POSTINGS,
        public._logs_at,
        events._public_events,
        content._files_of,
    }
    assert expected <= compiled, expected - compiled
