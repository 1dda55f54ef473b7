"""An exemption (不予公开) is never in the search: its reason and legal basis are found by
nobody, anonymous or member (the notice stands on the organization's page, not in the index)."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.contrib.auth.models import AnonymousUser

from gongkai.compliance import exemptions, obligations
from gongkai.compliance.models import Obligation
from gongkai.compliance.tests.conftest import catalogs  # noqa: F401  (fixture)
from gongkai.search import query
from gongkai.search.models import Entry

BEIJING = dt.timezone(dt.timedelta(hours=8))


def at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=BEIJING)


def test_an_exemption_is_never_found(tree, people, catalogs, client):  # noqa: F811
    obligations.generate(dt.date(2026, 7, 1))
    dues = Obligation.objects.get(
        organization=tree.village, period_key="2026-H1", item_key__endswith=".dues"
    )
    with time_machine.travel(at(2026, 7, 2), tick=False):
        asked = exemptions.request(
            dues,
            actor=people.clerk,
            kind="exempt",
            reason_category="personal_privacy",
            reason="豁免秘密理由子",
            legal_basis="条例第十一条丑",
        )
        exemptions.decide(
            asked,
            actor=people.superior_reviewer,
            approve=True,
            reason="同意寅",
            shown_scope="public",
        )
    assert not Entry.objects.exists()
    for user in (AnonymousUser(), people.member):
        for q in ("豁免秘密理由子", "条例第十一条丑", "同意寅"):
            assert not query.search(user, q).results
    assert "豁免秘密理由子" not in client.get("/search", {"q": "理由子"}).content.decode()
