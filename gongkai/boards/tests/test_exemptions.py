"""An approved exemption stands where the item would have been on the organization's page;
the board carries disclosures only, so neither the notice nor its internal reasons reach a
printed board, while a published item of the same organization does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from gongkai.boards.tests.conftest import pdf_text
from gongkai.compliance import exemptions
from gongkai.console.tests.obligation_fixtures import at, generate, owed, publish_for, travel

pytestmark = pytest.mark.django_db

INTERNAL = ("仅一名党员，公开即暴露其缴费", "条例第十一条（内部）", "可能引起议论")


@pytest.mark.parametrize("local", ["meetings", "dues"])
def test_an_exempted_item_never_reaches_the_board(people, tree, catalogs, local):
    with travel(at(2026, 7, 2)):
        generate(dt.date(2026, 7, 2))
        asked = exemptions.request(
            owed(tree.village, local, "2026-Q2" if local == "meetings" else "2026-H1"),
            actor=people.clerk,
            kind="exempt",
            reason_category="personal_privacy",
            reason=INTERNAL[0],
            legal_basis=INTERNAL[1],
            likely_harm=INTERNAL[2],
        )
        exemptions.decide(
            asked,
            actor=people.superior_reviewer,
            approve=True,
            reason="经研究同意，联系电话13912345678",
            shown_scope="public",
        )
    shown = publish_for(people, tree.village, "phones", "S2026", at(2026, 7, 3))
    with travel(at(2026, 7, 6)):
        page = Client().get("/o/QS-01/").content.decode()
        assert "本期不予公开" in page  # the page shows the notice to the public
        text = pdf_text(Client().get("/o/QS-01/board.pdf", {"size": "A3"}).content)
    flat = text.replace("\n", "")
    assert "不予公开" not in flat and "13912345678" not in flat
    for internal in INTERNAL:
        assert internal not in flat
    assert shown.title[:10] in flat
