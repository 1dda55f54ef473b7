"""The workflow corrections through the console's forms: the consultation length offered and
bounded by the item, a correction that needs a new secret clearance, and a handling changed
only by a correction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gongkai.conftest import client_for
from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure, State

from .conftest import CHECKLIST, force_state, item_key, published


@pytest.fixture
def major(people, tree, village_catalog) -> Disclosure:  # type: ignore[no-untyped-def]
    d = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "building"),
        title="办公楼修缮",
    )
    return force_state(d, State.SUBMITTED)


def test_the_console_offers_the_item_s_consultation_length_and_refuses_a_shorter_one(people, major):
    client = client_for(people.clerk)
    page = client.get(f"/console/disclosures/{major.pk}/").content.decode()
    assert 'name="days" min="5" max="60" value="5"' in page

    refused = client.post(f"/console/disclosures/{major.pk}/act/open_consultation", {"days": "3"})
    assert refused.status_code == 400
    assert "不得少于 5 个工作日" in refused.content.decode()
    # Full-width digits are read as digits (Django's IntegerField): "９" would be 9 days.
    for typed in ("abc", "1e30", "-1", "3.5"):
        response = client.post(
            f"/console/disclosures/{major.pk}/act/open_consultation", {"days": typed}
        )
        assert response.status_code == 400, typed
    assert Disclosure.objects.get(pk=major.pk).state == State.SUBMITTED

    done = client.post(f"/console/disclosures/{major.pk}/act/open_consultation", {"days": ""})
    assert done.status_code == 302
    assert Disclosure.objects.get(pk=major.pk).state == State.CONSULTATION


def test_the_correction_form_records_a_new_clearance(people, draft):
    workflow.edit_draft(draft, actor=people.clerk, title=draft.title, body="<p>电话</p>")
    d = published(people, draft)
    client = client_for(people.reviewer)
    url = f"/console/disclosures/{d.pk}/act/correct"
    posted = {"title": d.title, "body": "<p>绝密★电话</p>", "reason": "补充"}
    refused = client.post(url, posted)
    assert refused.status_code == 400 and "密级标志" in refused.content.decode()
    assert (
        client.post(url, {**posted, "secret_clearance": "经保密委员会审查可公开"}).status_code
        == 302
    )
    d.refresh_from_db()
    assert d.published_revision is not None and d.published_revision.number == 3
    assert d.secret_clearances[-1]["reason"] == "经保密委员会审查可公开"


def test_a_handling_after_publication_changes_only_through_the_correction_form(people, draft):
    force_state(draft, State.CONSULTATION, consultation_until=timezone.now() + dt.timedelta(days=1))
    opinion = workflow.add_opinion(draft, author="甲", text="建议公开比价")
    workflow.handle_opinion(opinion, actor=people.clerk, handling="已记录")
    force_state(draft, State.SUBMITTED, consulted=True)
    workflow.review(draft, actor=people.reviewer, checklist=CHECKLIST)
    workflow.approve(draft, actor=people.reviewer)
    d = workflow.publish(draft, actor=people.clerk)
    client = client_for(people.reviewer)

    client.post(f"/console/disclosures/{d.pk}/opinions/{opinion.pk}", {"handling": "改了"})
    opinion.refresh_from_db()
    assert opinion.handling == "已记录"

    response = client.post(
        f"/console/disclosures/{d.pk}/act/correct",
        {
            "title": d.title,
            "body": d.body,
            "reason": "补记采纳情况",
            f"handling_{opinion.pk}": "已补充三家比价",
        },
    )
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert opinion.handling == "已补充三家比价"
