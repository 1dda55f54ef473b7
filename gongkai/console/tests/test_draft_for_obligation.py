"""Drafting for an obligation: the draft form carries the obligation's period key to the
workflow, and publishing the draft fulfils that obligation — on time or, as here, late."""

from __future__ import annotations

import datetime as dt

import pytest

from gongkai.compliance import recording
from gongkai.compliance.models import State
from gongkai.conftest import client_for
from gongkai.disclosures import clock, workflow
from gongkai.disclosures.models import Disclosure
from gongkai.disclosures.tests.conftest import CHECKLIST
from gongkai.workdays import services as workdays

from .obligation_fixtures import at, generate, key_of, owed, travel

pytestmark = pytest.mark.django_db


def test_a_draft_started_from_the_to_do_list_names_its_obligation_and_publishing_late_makes_it_late(
    tree, people, catalogs
):
    with travel(at(2026, 7, 1)):
        generate(dt.date(2026, 7, 1))
    q2 = owed(tree.village, "meetings", "2026-Q2")
    client = client_for(people.clerk)
    late = q2.due_date + dt.timedelta(days=1)
    while not workdays.is_working_day(late):
        late += dt.timedelta(days=1)
    with travel(at(late.year, late.month, late.day)):
        form = client.get(f"/console/disclosures/new?obligation={q2.pk}").content.decode()
        # The obligation is chosen in the select, and travels with the form.
        assert '<option value="2026-Q2" selected>' in form
        assert f'name="obligation" value="{q2.pk}"' in form
        response = client.post(
            "/console/disclosures/new",
            {"obligation": q2.pk, "title": "第二季度三会一课", "period_key": "2026-Q2"},
        )
        assert response.status_code == 302
        d = Disclosure.objects.get()
        assert d.period_key == "2026-Q2" and d.period == "2026年第二季度"
        with clock.clock(at(late.year, late.month, late.day)):
            workflow.submit(d, actor=people.clerk)
            workflow.review(d, actor=people.reviewer, checklist=CHECKLIST)
            workflow.approve(d, actor=people.reviewer)
            workflow.publish(d, actor=people.clerk)
    q2.refresh_from_db()
    assert q2.state == State.LATE and q2.disclosure == d


def test_drafting_from_the_catalog_offers_the_items_open_obligations_or_none(
    tree, people, catalogs
):
    with travel(at(2026, 7, 1)):
        generate(dt.date(2026, 7, 1))
        key = key_of(tree.village, "meetings")
        client = client_for(people.clerk)
        form = client.get(f"/console/disclosures/new?item={key}").content.decode()
        for period in ("2026-Q1", "2026-Q2", "2026-Q3"):
            assert f'<option value="{period}">' in form
        assert '<option value="" selected>' in form
        response = client.post(
            "/console/disclosures/new", {"item": key, "title": "不对应某期", "period_key": ""}
        )
        assert response.status_code == 302
        assert Disclosure.objects.get().period_key == ""


def test_a_key_that_is_not_an_open_obligation_is_refused_and_nothing_typed_is_lost(
    tree, people, catalogs
):
    with travel(at(2026, 7, 1)):
        generate(dt.date(2026, 7, 1))
        key = key_of(tree.village, "meetings")
        response = client_for(people.clerk).post(
            "/console/disclosures/new",
            {"item": key, "title": "写好的标题", "period_key": "2025-Q4", "body": "写好的正文"},
        )
    html = response.content.decode()
    assert response.status_code == 200
    assert "选择一个有效的选项" in html
    assert 'value="写好的标题"' in html and "写好的正文" in html
    assert not Disclosure.objects.exists()


def test_an_event_obligation_gives_the_draft_its_period_text(tree, people, catalogs):
    with travel(at(2026, 3, 2)):
        event = recording.record_event(
            tree.village,
            actor=people.clerk,
            item_key=key_of(tree.village, "appointment"),
            title="村党支部副书记任前公示",
            happened_on=dt.date(2026, 3, 2),
        )
        obligation = recording.obligation_of(event)
        assert obligation is not None
        client_for(people.clerk).post(
            "/console/disclosures/new",
            {"obligation": obligation.pk, "title": "任前公示", "period_key": f"E{event.pk}"},
        )
    d = Disclosure.objects.get()
    assert d.period_key == f"E{event.pk}" and d.period == "村党支部副书记任前公示"


def test_editing_a_draft_keeps_or_changes_its_obligation(tree, people, catalogs):
    with travel(at(2026, 7, 1)):
        generate(dt.date(2026, 7, 1))
        d = workflow.create_disclosure(
            tree.village,
            actor=people.clerk,
            item_key=key_of(tree.village, "meetings"),
            title="季度",
            period_key="2026-Q1",
        )
        client = client_for(people.clerk)
        form = client.get(f"/console/disclosures/{d.pk}/edit").content.decode()
        assert '<option value="2026-Q1" selected>' in form
        client.post(f"/console/disclosures/{d.pk}/edit", {"title": "季度", "period_key": "2026-Q2"})
    d.refresh_from_db()
    assert d.period_key == "2026-Q2"


def test_nobody_drafts_for_an_obligation_they_cannot_see(tree, people, catalogs):
    with travel(at(2026, 7, 1)):
        generate(dt.date(2026, 7, 1))
        other = owed(tree.sibling_village, "meetings", "2026-Q2")
        for raw in (str(other.pk), "abc", "１２", "99999999999999999999", "1\x00"):
            response = client_for(people.clerk).get(f"/console/disclosures/new?obligation={raw}")
            assert response.status_code in (400, 404), raw  # 400: a NUL, refused at the door
        # The office sees the village's obligations but does not draft for it.
        mine = owed(tree.village, "meetings", "2026-Q2")
        response = client_for(people.office).get(f"/console/disclosures/new?obligation={mine.pk}")
        assert response.status_code == 403
