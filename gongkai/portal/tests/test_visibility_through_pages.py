"""Who sees what, asked through every portal page: roles × scopes × states × times.

Each test reads the whole board as one persona: a disclosure for every (scope, state, time),
each with its own title, body and withdrawal reason, then every page that could show them —
the disclosure page, the organization page, each item's list and the start page. Whatever
the persona may not see must not appear anywhere, not even its title. (The log's own page
holds the same rule over its entries: test_ledger_pages.)
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import pytest
from django.utils import timezone

from gongkai.catalog.models import Scope
from gongkai.disclosures.models import Disclosure, State
from gongkai.disclosures.visibility import can_see
from gongkai.portal import reading, views

from .conftest import ITEM_FOR_SCOPE, item_key, reader, user_of

HOUR = dt.timedelta(hours=1)
#: (publish_from, public_from) relative to the moment the board is built.
TIMES = {
    "before publish_from": (HOUR, 3 * HOUR),
    "inside the party-first lag": (-HOUR, HOUR),
    "after the lag": (-3 * HOUR, -HOUR),
}
PERSONAS = ["anonymous", "outsider", "member", "clerk", "superior_reviewer", "office"]
#: Roles held at the village, or reaching it from above (the town office reaches its subtree;
#: the town's reviewer does not: superior review is not reading rights).
INSIDE = {"member", "clerk", "office"}
SHOWN_STATES = {State.PUBLISHED, State.PUBLICITY_ENDED, State.ARCHIVED, State.WITHDRAWN}


def expected(persona: str, scope: str, state: str, when: str) -> bool:
    """The rule, written out by hand."""
    if state not in SHOWN_STATES or when == "before publish_from":
        return False
    if scope == Scope.PUBLIC and when == "after the lag":
        return True
    return persona in INSIDE


@dataclass
class Case:
    disclosure: Disclosure
    scope: str
    state: str
    when: str
    title: str
    body: str
    reason: str


@pytest.fixture
def board(shown) -> list[Case]:  # type: ignore[no-untyped-def]
    now = timezone.now()
    cases = []
    for n, (scope, state, when) in enumerate(
        itertools.product(Scope.values, State.values, TIMES), start=1
    ):
        publish_offset, public_offset = TIMES[when]
        title, body, reason = f"公开标题{n:03d}号", f"正文内容{n:03d}号", f"撤回原因{n:03d}号"
        withdrawn = state == State.WITHDRAWN
        disclosure = shown(
            scope=scope,
            state=state,
            title=title,
            body=f"<p>{body}</p>",
            publish_from=now + publish_offset,
            public_from=None if scope == Scope.PARTY else now + public_offset,
            withdrawal_reason=reason if withdrawn else "",
            withdrawn_at=now if withdrawn else None,
        )
        cases.append(Case(disclosure, scope, state, when, title, body, reason))
    return cases


@pytest.fixture(autouse=True)
def _everything_on_one_page(monkeypatch):  # type: ignore[no-untyped-def]
    # Lists are bounded on real pages; here every listing must hold the whole board.
    monkeypatch.setattr(reading, "PER_ITEM", 1000)
    monkeypatch.setattr(views, "LIST_PAGE_SIZE", 1000)
    monkeypatch.setattr(views, "NEWEST", 1000)


def _markers(case: Case) -> tuple[str, str, str]:
    return case.title, case.body, case.reason


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_page_shows_exactly_what_the_rule_allows(persona, people, board, village_catalog):
    client = reader(people, persona)
    user = user_of(people, persona)
    pages = {
        "organization": client.get("/o/QS-01/").content.decode(),
        "start": client.get("/").content.decode(),
        "subtree": client.get("/o/QS/all").content.decode(),
        "own list": client.get("/o/QS-01/all?own=1").content.decode(),
    }
    for scope, local in ITEM_FOR_SCOPE.items():
        key = item_key(village_catalog, local)
        pages[f"item {scope}"] = client.get(f"/o/QS-01/items/{key}/").content.decode()

    for case in board:
        want = expected(persona, case.scope, case.state, case.when)
        label = f"{persona} / {case.scope} / {case.state} / {case.when}"
        # The rule itself agrees with the hand-written table (the pages must, below).
        assert can_see(user, case.disclosure) is want, label

        page = client.get(f"/d/{case.disclosure.pk}/")
        text = page.content.decode()
        if not want:
            assert page.status_code == 404, label
            # A draft out for consultation is the one exception: its audience (the
            # organization's members and staff) is invited to it from the start page and
            # the organization's page, by title, through `can_see_consultation`; never on
            # the disclosure pages.
            invited = case.state == State.CONSULTATION and persona in INSIDE
            for marker in _markers(case):
                assert marker not in text, label
                for name, listing in pages.items():
                    if invited and name in ("start", "organization") and marker == case.title:
                        continue
                    assert marker not in listing, f"{label}: leaked on the {name} page"
            if case.state == State.CONSULTATION:
                assert (case.title in pages["start"]) is invited, label
            continue

        assert page.status_code == 200, label
        assert case.title in text, label
        assert case.title in pages["organization"], label
        assert case.title in pages[f"item {case.scope}"], label
        assert case.title in pages["subtree"] and case.title in pages["own list"], label
        if case.state == State.WITHDRAWN:
            # Only the title, the reason and the time: the content is gone from view.
            assert case.reason in text, label
            assert case.body not in text, label
            assert case.title not in pages["start"], label  # not among the newest
        else:
            assert case.body in text, label
            assert case.title in pages["start"], label
        for name, listing in pages.items():
            assert case.body not in listing, f"{label}: content on the {name} page"
