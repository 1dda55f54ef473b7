"""One disclosure per visibility case, through the real workflow into the county's log, and
who may read the documents of their entries: shared by the API's and the portal's tests of
the log's public surfaces (every index for every reader, opaque where the rule says so)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure, State
from gongkai.disclosures.tests.conftest import force_state, item_key, published

#: Readers: the public, a person with an account and no role, a member of the village, its
#: clerk (staff), and the town's office (staff reaching the town's subtree).
READERS = ["anonymous", "outsider", "member", "clerk", "office"]
INSIDE = {"member", "clerk", "office"}

#: Who may read the documents of each case's entries. For "withdrawn" this is about its
#: publication's entry: the withdrawal's own entry is readable by everyone who sees it.
READS: dict[str, set[str]] = {
    "public": set(READERS),
    "corrected": set(READERS),
    "party": INSIDE,
    "institution": INSIDE,
    "party_first": INSIDE,
    "scheduled": set(),
    "withdrawn": set(),
}

#: The title of each case; its body is the title followed by 的正文.
TITLES = {
    "public": "公开事项甲",
    "party": "党内事项乙",
    "institution": "单位内事项丙",
    "scheduled": "定时事项丁",
    "party_first": "先党内后公开戊",
    "withdrawn": "已撤回事项己",
    "corrected": "更正事项庚",
}
ITEMS = {"party": "dues", "institution": "staff"}


def make_cases(people: Any, tree: Any, catalog: Any) -> dict[str, Disclosure]:
    def make(case: str) -> Disclosure:
        return workflow.create_disclosure(
            tree.village,
            actor=people.clerk,
            item_key=item_key(catalog, ITEMS.get(case, "phones")),
            title=TITLES[case],
            body=f"<p>{TITLES[case]}的正文</p>",
        )

    later = timezone.now() + dt.timedelta(days=2)
    made = {
        case: published(people, make(case), at=later if case == "scheduled" else None)
        for case in TITLES
    }
    # Inside the party-first lag: the public sees it in three days.
    force_state(
        made["party_first"], State.PUBLISHED, public_from=timezone.now() + dt.timedelta(days=3)
    )
    workflow.withdraw(made["withdrawn"], actor=people.reviewer, reason="已停用")
    workflow.correct(
        made["corrected"],
        actor=people.reviewer,
        reason="改正",
        title=TITLES["corrected"],
        body="<p>改正后的正文</p>",
    )
    return made
