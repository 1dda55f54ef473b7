"""The workflow's corrections (issue 6): compound moves are all or nothing, the rules of the
effective item are snapshotted at creation, the consultation window and the frozen handling,
opinions by account, one clock, a rescan of every new revision with clearances bound to what
they cleared, and the masked content stored with the published revision."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.catalog import services as catalog_services
from gongkai.catalog.effective import effective_catalog
from gongkai.catalog.exchange import parse_yaml
from gongkai.catalog.models import Catalog
from gongkai.conftest import grant, make_user
from gongkai.disclosures import workflow
from gongkai.disclosures.models import PUBLIC_STATES, Disclosure, Event, Opinion, Revision, State
from gongkai.disclosures.visibility import published_content
from gongkai.ledger.services import verify
from gongkai.organizations.models import Role

from .conftest import CHECKLIST, force_state, item_key, published

BEIJING = ZoneInfo("Asia/Shanghai")
#: A Monday with calendar data on both sides (2026), far from any holiday.
MONDAY = dt.datetime(2026, 6, 8, 9, 0, tzinfo=BEIJING)
ID = "11010519491231002X"  # a valid resident ID (checksum and date)


# --- compound moves are one transaction ---------------------------------------------------

ROOT_CATALOG = """
title: 县委目录
defaults: {scope: public, channels: [公开栏]}
categories:
  - key: major
    name: 三重一大
    timing: event
    major_matter: true
    items:
      - {key: budget, name: 县委预算}
"""


def test_reviewing_a_major_item_with_no_superior_leaves_nothing_half_moved(tree, people):
    county_clerk, county_reviewer = make_user("yl-clerk", "县文书"), make_user("yl-rev", "县书记")
    grant(county_clerk, tree.county, Role.Kind.CLERK)
    grant(county_reviewer, tree.county, Role.Kind.REVIEWER)
    county_office = make_user("yl-office", "县办")
    grant(county_office, tree.county, Role.Kind.OFFICE)
    catalog = catalog_services.create_catalog(
        tree.county, actor=county_office, title="县委目录", inherit=False
    )
    catalog_services.load_catalog_data(
        catalog, actor=county_office, data=parse_yaml(ROOT_CATALOG).data
    )
    catalog_services.publish_catalog(catalog, actor=county_office)
    catalog.refresh_from_db()
    d = workflow.create_disclosure(
        tree.county, actor=county_clerk, item_key=item_key(catalog, "budget"), title="县委预算"
    )
    workflow.submit(d, actor=county_clerk)
    before = Disclosure.objects.filter(pk=d.pk).values().get()
    events = Event.objects.filter(disclosure=d).count()

    with pytest.raises(ValidationError, match="没有上级党组织"):
        workflow.review(d, actor=county_reviewer, checklist=CHECKLIST)

    assert Disclosure.objects.filter(pk=d.pk).values().get() == before  # not even "reviewed"
    assert Event.objects.filter(disclosure=d).count() == events


def test_a_major_item_with_a_superior_is_reviewed_and_sent_up_in_one_go(
    people, tree, village_catalog
):
    d = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "building"),
        title="办公楼修缮",
    )
    force_state(d, State.SUBMITTED, consulted=True)
    moved = workflow.review(d, actor=people.reviewer, checklist=CHECKLIST)
    assert moved.state == State.SUPERIOR_REVIEW
    assert list(d.events.order_by("pk").values_list("action", flat=True))[-2:] == [
        "review",
        "send_to_superior",
    ]


# --- the rules of the effective item, snapshotted at creation -----------------------------


def _override(catalog: Catalog, people, local: str, **values: object) -> str:  # type: ignore[no-untyped-def]
    key = item_key(catalog, local)
    item = effective_catalog(catalog).find(key)
    assert item is not None
    current = {name: item.value(name) for name in ("name", "scope", "channels")}
    catalog_services.save_item(catalog, actor=people.office, key=key, values={**current, **values})
    catalog_services.publish_catalog(catalog, actor=people.office)
    return key


def test_publication_honours_a_local_override_of_the_minimum_publicity_period(
    people, tree, village_catalog
):
    # The town says 5 working days; the village extends it to 10 for itself.
    key = _override(village_catalog, people, "building", min_publicity_days=10)
    d = workflow.create_disclosure(tree.village, actor=people.clerk, item_key=key, title="修缮")
    assert d.rule("min_publicity_days") == 10
    force_state(d, State.APPROVED)
    with workflow.clock(MONDAY):
        done = workflow.publish(d, actor=people.clerk, publish_from=MONDAY)
    # Ten working days from Monday 8 June 2026: the 22nd ends on 23 June 00:00 (no holiday
    # between; the Dragon Boat Festival is 19 June, so it ends a day later, after the 23rd).
    end = timezone.localtime(done.publicity_until, BEIJING)
    from gongkai.workdays.services import deadline

    expected = deadline(MONDAY.date(), 10).date + dt.timedelta(days=1)
    assert end == dt.datetime.combine(expected, dt.time(0), tzinfo=BEIJING)


def test_a_later_catalog_change_does_not_move_a_disclosure_s_rules(people, tree, village_catalog):
    d = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "building"),
        title="修缮",
    )
    _override(village_catalog, people, "building", min_publicity_days=20, consultation_days=9)
    d.refresh_from_db()
    assert d.rule("min_publicity_days") == 5
    assert d.rule("consultation_days") == 5


RULE_VALUES = st.fixed_dictionaries(
    {
        "min_publicity_days": st.one_of(st.none(), st.integers(1, 30)),
        "consultation_days": st.integers(1, 30),
        "party_first_lag_days": st.integers(0, 10),
        "party_first": st.booleans(),
        "deadline_days": st.one_of(st.none(), st.integers(1, 60)),
        "scope": st.sampled_from(["party", "institution", "public"]),
        "channels": st.lists(st.sampled_from(["board", "website", "meeting"]), unique=True),
    }
)


class _Rollback(Exception):
    pass


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(values=RULE_VALUES)
def test_the_snapshot_is_the_effective_item_whatever_the_overrides(
    values, people, tree, village_catalog
):
    from django.core.cache import cache

    cache.clear()  # rolled-back examples reuse catalog versions, the cache's key
    with pytest.raises(_Rollback), transaction.atomic():
        key = _override(village_catalog, people, "building", consultation_required=True, **values)
        effective = effective_catalog(Catalog.objects.get(pk=village_catalog.pk)).find(key)
        assert effective is not None
        d = workflow.create_disclosure(tree.village, actor=people.clerk, item_key=key, title="修")
        for name, value in values.items():
            assert d.rule(name) == value == effective.value(name), name
        # The superior's raw row is untouched and is not what the disclosure follows.
        assert d.item.min_publicity_days == 5
        assert d.scope == values["scope"] and d.party_first == values["party_first"]
        assert d.party_first_lag_days == values["party_first_lag_days"]
        assert d.channels == values["channels"]
        assert workflow.consultation_bounds(d.rules)[:2] == (
            values["consultation_days"],
            values["consultation_days"],
        )
        raise _Rollback


CONSULTATION_CASES = [
    # (item days, days asked, allowed)
    (5, None, True),
    (5, 5, True),
    (5, 4, False),
    (5, 1, False),
    (5, 60, True),
    (5, 61, False),
    (None, None, True),
    (None, 1, True),
    (None, 0, False),
    (None, 61, False),
]


@pytest.mark.parametrize(("item_days", "asked", "allowed"), CONSULTATION_CASES)
def test_the_item_s_consultation_length_is_the_default_and_the_least(
    item_days, asked, allowed, people, draft
):
    draft.rules = {**draft.rules, "consultation_days": item_days}
    draft.save(update_fields=["rules"])
    force_state(draft, State.SUBMITTED)
    with workflow.clock(MONDAY):
        if not allowed:
            with pytest.raises(ValidationError):
                workflow.open_consultation(draft, actor=people.clerk, days=asked)
            assert Disclosure.objects.get(pk=draft.pk).state == State.SUBMITTED
            return
        moved = workflow.open_consultation(draft, actor=people.clerk, days=asked)
    from gongkai.workdays.services import deadline

    length = asked if asked is not None else (item_days or workflow.CONSULTATION_DEFAULT_DAYS)
    expected = deadline(MONDAY.date(), length).date + dt.timedelta(days=1)
    assert timezone.localtime(moved.consultation_until, BEIJING) == dt.datetime.combine(
        expected, dt.time(0), tzinfo=BEIJING
    )


# --- the consultation window, the handling, opinions by account --------------------------

WINDOW = {"open": dt.timedelta(hours=1), "closed": -dt.timedelta(minutes=1)}


@pytest.mark.parametrize(
    ("state", "window"), list(itertools.product(State.values, ["open", "closed"]))
)
def test_opinions_are_taken_only_in_consultation_and_inside_the_window(
    state, window, people, draft
):
    force_state(draft, state, consultation_until=timezone.now() + WINDOW[window])
    allowed = state == State.CONSULTATION and window == "open"
    for actor in (people.member, None):  # online, and collected on paper by the clerk
        if allowed:
            opinion = workflow.add_opinion(draft, author="王党员", text="建议公开比价", actor=actor)
            assert opinion.account == actor
        else:
            with pytest.raises(ValidationError):
                workflow.add_opinion(draft, author="王党员", text="建议公开比价", actor=actor)
    if not allowed:
        assert not Opinion.objects.filter(disclosure=draft).exists()


def test_the_window_closes_at_its_minute_without_any_job(people, draft):
    force_state(draft, State.CONSULTATION, consultation_until=MONDAY)
    with workflow.clock(MONDAY - dt.timedelta(seconds=1)):
        workflow.add_opinion(draft, author="甲", text="赶在截止前", actor=people.member)
    with workflow.clock(MONDAY), pytest.raises(ValidationError, match="征求意见已于"):
        workflow.add_opinion(draft, author="甲", text="晚了一分钟", actor=people.member)
    assert Disclosure.objects.get(pk=draft.pk).state == State.CONSULTATION


@pytest.mark.parametrize("state", State.values)
def test_the_handling_is_frozen_once_published(state, people, draft):
    force_state(draft, State.CONSULTATION, consultation_until=timezone.now() + dt.timedelta(days=1))
    opinion = workflow.add_opinion(draft, author="甲", text="建议公开比价")
    force_state(draft, state)
    opinion.refresh_from_db()
    if state in PUBLIC_STATES:
        with pytest.raises(ValidationError, match="更正"):
            workflow.handle_opinion(opinion, actor=people.clerk, handling="已采纳")
        opinion.refresh_from_db()
        assert opinion.handling == ""
    else:
        workflow.handle_opinion(opinion, actor=people.clerk, handling="已采纳")
        opinion.refresh_from_db()
        assert opinion.handling == "已采纳"


def test_after_publication_a_handling_changes_only_by_a_correction_with_its_reason(people, draft):
    force_state(draft, State.CONSULTATION, consultation_until=timezone.now() + dt.timedelta(days=1))
    opinion = workflow.add_opinion(draft, author="甲", text="建议公开比价")
    workflow.handle_opinion(opinion, actor=people.clerk, handling="已记录")
    force_state(draft, State.SUBMITTED, consulted=True)
    workflow.review(draft, actor=people.reviewer, checklist=CHECKLIST)
    workflow.approve(draft, actor=people.reviewer)
    workflow.publish(draft, actor=people.clerk)
    workflow.correct(
        draft,
        actor=people.reviewer,
        reason="补记比价结果的采纳情况",
        title=draft.title,
        body=draft.body,
        handlings={opinion.pk: "已在方案中补充三家比价结果"},
    )
    opinion.refresh_from_db()
    assert opinion.handling == "已在方案中补充三家比价结果"
    assert draft.events.filter(action="correct", reason="补记比价结果的采纳情况").exists()


def test_opinions_are_matched_by_account_not_by_name(people, tree, draft):
    from gongkai.conftest import client_for

    namesake = make_user("member2", people.member.display_name)  # the same display name
    grant(namesake, tree.village, Role.Kind.MEMBER)
    force_state(draft, State.CONSULTATION, consultation_until=timezone.now() + dt.timedelta(days=1))
    workflow.add_opinion(draft, author=namesake.display_name, text="同名者的意见", actor=namesake)
    workflow.add_opinion(
        draft, author=people.member.display_name, text="我的意见", actor=people.member
    )
    page = client_for(people.member).get(f"/d/{draft.pk}/consultation")
    assert "我的意见" in page.content.decode()
    assert "同名者的意见" not in page.content.decode()


# --- one clock ------------------------------------------------------------------------------


def test_every_timestamp_the_workflow_writes_comes_from_its_clock(people, tree, village_catalog):
    at = dt.datetime(2026, 3, 2, 10, 0, tzinfo=BEIJING)
    with workflow.clock(at):
        d = workflow.create_disclosure(
            tree.village,
            actor=people.clerk,
            item_key=item_key(village_catalog, "phones"),
            title="电话",
        )
        workflow.submit(d, actor=people.clerk)
        workflow.open_consultation(d, actor=people.clerk)
        opinion = workflow.add_opinion(d, author="甲", text="好", actor=people.member)
        workflow.handle_opinion(opinion, actor=people.clerk, handling="已记录")
    d.refresh_from_db()
    opinion.refresh_from_db()
    assert d.created_at == at
    assert opinion.received_at == at and opinion.handled_at == at
    assert {r.created_at for r in d.revisions.all()} == {at}
    assert {e.at for e in d.events.all()} == {at}


# --- rescan and clearances bound to what they cleared -------------------------------------


def _published_with_marking(people, draft) -> Disclosure:  # type: ignore[no-untyped-def]
    workflow.edit_draft(draft, actor=people.clerk, title=draft.title, body="<p>秘密★一年</p>")
    workflow.submit(draft, actor=people.clerk)
    with pytest.raises(ValidationError, match="密级标志"):
        workflow.review(draft, actor=people.reviewer, checklist=CHECKLIST)
    workflow.review(
        draft, actor=people.reviewer, checklist=CHECKLIST, secret_clearance="已解密，解密文号X"
    )
    workflow.approve(draft, actor=people.reviewer)
    return workflow.publish(draft, actor=people.clerk)


def test_a_correction_that_adds_a_marking_needs_a_new_clearance(people, draft):
    d = _published_with_marking(people, draft)
    assert (
        d.secret_clearances[0]["markings"] == [["body", "秘密", 1], ["body", "★", 1]]
        or (d.secret_clearances[0]["markings"])
    )
    with pytest.raises(ValidationError, match="尚未"):
        workflow.correct(
            d, actor=people.reviewer, reason="补充", title=d.title, body="<p>秘密★一年。绝密★</p>"
        )
    d.refresh_from_db()
    assert d.revisions.count() == 2 and d.published_revision.number == 2  # nothing published

    done = workflow.correct(
        d,
        actor=people.reviewer,
        reason="补充",
        title=d.title,
        body="<p>秘密★一年。绝密★</p>",
        secret_clearance="绝密件已按程序解密",
    )
    assert done.published_revision.number == 3
    assert done.secret_clearances[-1]["revision"] == 3
    assert done.secret_clearances[-1]["reason"] == "绝密件已按程序解密"


@pytest.mark.parametrize(
    ("body", "needs_new_clearance"),
    [
        ("<p>秘密★一年</p>", False),  # the same marking, already cleared
        ("<p>一年</p>", False),  # the marking removed
        ("<p>秘密★一年，秘密★两年</p>", True),  # another occurrence
        ("<p>机密★一年</p>", True),  # another level
    ],
)
def test_a_correction_is_scanned_again(body, needs_new_clearance, people, draft):
    d = _published_with_marking(people, draft)
    if needs_new_clearance:
        with pytest.raises(ValidationError):
            workflow.correct(d, actor=people.reviewer, reason="更正", title=d.title, body=body)
    else:
        workflow.correct(d, actor=people.reviewer, reason="更正", title=d.title, body=body)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "绝密★通知"),
        ("period", "2026年 绝密"),
        ("data", {"机密": "1"}),
        ("data", {"rows": [{"备注": "秘密★"}]}),
    ],
)
def test_every_field_a_reader_sees_is_scanned(field, value, people, draft):
    Disclosure.objects.filter(pk=draft.pk).update(**{field: value})
    draft.refresh_from_db()
    assert workflow.uncleared_markings(draft)
    workflow.submit(draft, actor=people.clerk)
    with pytest.raises(ValidationError):
        workflow.review(draft, actor=people.reviewer, checklist=CHECKLIST)


def test_personal_numbers_in_the_period_and_data_keys_are_found(people, draft):
    Disclosure.objects.filter(pk=draft.pk).update(
        period=f"对象{ID}", data={f"户主{ID}": 13812345678}
    )
    draft.refresh_from_db()
    kinds = [f.kind for f in workflow.findings(draft)]
    assert kinds.count("id18") == 2 and "mobile" in kinds


# --- the masked content is stored with the published revision -----------------------------


def test_publication_stores_the_masked_content_and_every_surface_reads_it(people, tree, draft):
    from gongkai.conftest import client_for

    workflow.edit_draft(
        draft,
        actor=people.clerk,
        title=f"公示{ID}",
        body=f"<p>身份证号{ID}，电话13812345678</p>",
    )
    Disclosure.objects.filter(pk=draft.pk).update(period=f"对象{ID}")
    d = published(people, Disclosure.objects.get(pk=draft.pk))
    revision = d.published_revision
    assert ID not in revision.published_title and ID not in revision.published_body
    assert "13812345678" not in revision.published_body
    assert ID not in revision.published_period
    assert revision.title == f"公示{ID}"  # what is stored and hashed is the original

    # Pages and the API read the stored bytes, not a fresh masking of the original.
    Revision.objects.filter(pk=revision.pk).update(
        published_title="已存标题", published_body="<p>已存正文</p>", published_period="已存期间"
    )
    page = client_for(people.member).get(f"/d/{d.pk}/").content.decode()
    assert "已存标题" in page and "已存正文" in page and "已存期间" in page
    assert ID not in page
    api = client_for(people.member).get(f"/api/v1/disclosures/{d.pk}").json()
    assert api["title"] == "已存标题" and api["body"] == "<p>已存正文</p>"
    assert api["period"] == "已存期间"
    organization_page = client_for(people.member).get(f"/o/{tree.village.code}/").content.decode()
    assert "已存标题" in organization_page


def test_a_correction_stores_its_masked_content_and_the_ledger_still_verifies(people, draft):
    d = published(people, draft)
    workflow.correct(
        d, actor=people.reviewer, reason="更正号码", title=d.title, body=f"<p>{ID}</p>"
    )
    d.refresh_from_db()
    revision = d.published_revision
    assert revision is not None
    shown = published_content(d, revision)
    assert ID not in shown["body"] and revision.body == f"<p>{ID}</p>"
    assert verify().ok


def test_the_data_migration_fills_old_published_revisions(people, draft):
    import importlib

    fill = importlib.import_module("gongkai.disclosures.migrations.0004_workflow_snapshot").fill
    d = published(people, draft)
    assert d.published_revision_id is not None
    Revision.objects.filter(pk=d.published_revision_id).update(
        body=f"<p>{ID}</p>",
        published_title=None,
        published_body=None,
        published_data=None,
        published_period=None,
    )
    Disclosure.objects.filter(pk=d.pk).update(rules={})
    fill(apps, None)
    revision = Revision.objects.get(pk=d.published_revision_id)
    assert revision.published_title == d.title
    assert revision.published_body is not None and ID not in revision.published_body
    assert Disclosure.objects.get(pk=d.pk).rules["scope"] == d.scope


# --- scheduled is never "published" to staff -----------------------------------------------


def test_a_scheduled_item_shows_as_scheduled_to_staff(people, draft):
    from gongkai.conftest import client_for

    later = timezone.now() + dt.timedelta(days=3)
    d = published(people, draft, at=later)
    assert d.is_scheduled() and d.state_label() == "定时发布"
    assert not d.is_scheduled(later)
    for path in ("/console/todo/", f"/console/disclosures/{d.pk}/"):
        html = client_for(people.clerk).get(path).content.decode()
        assert "定时发布" in html, path
        assert timezone.localtime(later).strftime("%Y-%m-%d %H:%M") in html, path
    api = client_for(people.clerk).get(f"/api/v1/disclosures/{d.pk}/working")
    assert api.status_code in (200, 401)


def test_the_refusals_are_said_in_chinese(people, draft):
    force_state(draft, State.CONSULTATION, consultation_until=timezone.now() - dt.timedelta(days=1))
    with pytest.raises(ValidationError) as refused:
        workflow.add_opinion(draft, author="甲", text="晚了")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.messages[0])
    with pytest.raises(PermissionDenied):
        workflow.add_opinion(draft, author="甲", text="外人", actor=people.outsider)


def test_the_start_page_lists_only_consultations_still_taking_opinions(people, draft):
    from gongkai.conftest import client_for

    force_state(draft, State.CONSULTATION, consultation_until=timezone.now() + dt.timedelta(days=1))
    assert "东岭村监督电话" in client_for(people.member).get("/").content.decode()
    force_state(draft, State.CONSULTATION, consultation_until=timezone.now() - dt.timedelta(days=1))
    assert "东岭村监督电话" not in client_for(people.member).get("/").content.decode()


def test_the_consultation_title_is_masked(people, draft):
    from gongkai.conftest import client_for

    workflow.edit_draft(draft, actor=people.clerk, title=f"公示{ID}", body="<p>正文</p>")
    workflow.submit(draft, actor=people.clerk)
    workflow.open_consultation(draft, actor=people.clerk)
    member = client_for(people.member)
    for path in ("/", f"/d/{draft.pk}/consultation"):
        html = member.get(path).content.decode()
        assert "公示" in html and ID not in html, path
