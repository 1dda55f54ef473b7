"""Scenario 8 as the demo loads it: refused in part after a 补正, confirmed by the town's
leading group, the 答复书 ready, and the county sees the filing. Loading twice adds nothing."""

from __future__ import annotations

import pytest

from gongkai.conftest import client_for, grant, make_user
from gongkai.devtools.demo.inforequests import RESIDENT, load_demo_requests
from gongkai.inforequests import documents, services
from gongkai.inforequests.models import InformationRequest, Outcome, State
from gongkai.organizations.models import Role

from .test_letters import pdf_text

pytestmark = pytest.mark.django_db


def test_scenario_8_plays_and_the_county_sees_the_filing(tree, people):
    branches = [tree.village, *[tree.sibling_village] * 4]
    load_demo_requests(tree.town, branches)
    load_demo_requests(tree.town, branches)
    assert InformationRequest.objects.count() == 3
    r = InformationRequest.objects.get(applicant_name=RESIDENT.name)
    assert r.state == State.ANSWERED and r.outcome == Outcome.PARTLY
    assert r.confirmed_by == people.superior_reviewer
    kinds = list(r.steps.values_list("kind", flat=True))
    assert kinds[:3] == ["received", "supplement_requested", "supplement_received"]
    assert services.status(r).clock.counting_from == r.steps.get(kind="supplement_received").on
    reply = pdf_text(documents.render(r, "reply", "pdf"))
    assert "东岭村党支部" in reply and "第十一条" in reply and "青石镇党委" in reply

    county_office = make_user("yl-office", "曾县办")
    grant(county_office, tree.county, Role.Kind.OFFICE)
    filing = client_for(county_office).get("/console/requests/filings/").content.decode()
    assert services.tracking_display(r) in filing
    detail = client_for(county_office).get(f"/console/requests/{r.pk}/").content.decode()
    assert RESIDENT.name in detail and "答复书" in detail
