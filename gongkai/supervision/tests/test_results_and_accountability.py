"""What reaches readers: published results are masked and shown to their scope; each
accountability record is shown to the scope it names, the same on every surface (console
list and page, portal section, API list and detail), and the queryset says exactly what the
predicate says."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.api import tokens
from gongkai.conftest import client_for
from gongkai.supervision import visibility, workflow
from gongkai.supervision.models import AccountabilityRecord, RecordScope

ID_NUMBER = "11010519491231002X"
MOBILE = "13812345678"


def _confirmed(people, finding, text: str) -> Any:
    workflow.rectify(finding, actor=people.clerk, text=text)
    return workflow.confirm(finding, actor=people.supervisor)


def test_a_published_result_masks_id_and_phone_numbers(people, tree, oversight, media):
    finding = workflow.file_finding(
        tree.village,
        actor=people.supervisor,
        category="content",
        description=f"公示名单中王某的身份证号{ID_NUMBER}和手机{MOBILE}未遮挡",
    )
    _confirmed(people, finding, f"已重新张贴，联系人手机{MOBILE}")
    workflow.publish(finding, actor=people.supervisor, scope="public")
    page = Client().get(f"/o/{tree.village.code}/supervision/").content.decode()
    api = Client().get(f"/api/v1/supervision/organizations/{tree.village.code}/results").json()
    for shown in (page, str(api)):
        assert "1101**********002X" in shown and "138****5678" in shown
        assert ID_NUMBER not in shown and MOBILE not in shown
    # The staff at work still read what was typed.
    staff = client_for(people.clerk).get(f"/console/supervision/findings/{finding.pk}/")
    assert ID_NUMBER in staff.content.decode()


@pytest.mark.parametrize(
    ("scope", "anonymous_sees", "member_sees"),
    [("public", True, True), ("party", False, True), ("institution", False, True)],
)
def test_a_result_is_shown_to_its_scope(
    people, tree, oversight, finding, scope, anonymous_sees, member_sees
):
    _confirmed(people, finding, "已更换为本年度党费公示")
    workflow.publish(finding, actor=people.supervisor, scope=scope)
    url = f"/o/{tree.village.code}/supervision/"
    assert (finding.description in Client().get(url).content.decode()) is anonymous_sees
    assert (
        finding.description in client_for(people.member).get(url).content.decode()
    ) is member_sees
    assert finding.description not in client_for(people.outsider).get(url).content.decode() or (
        scope == "public"
    )


def test_an_unpublished_or_unconfirmed_result_shows_nowhere(people, tree, oversight, finding):
    url = f"/o/{tree.village.code}/supervision/"
    assert finding.description not in client_for(people.member).get(url).content.decode()
    with pytest.raises(ValidationError) as refused:
        workflow.publish(finding, actor=people.supervisor, scope="public")
    assert refused.value.messages


# --- accountability ----------------------------------------------------------------------------


def _record(people, oversight, tree, finding, scope: str, **extra: Any) -> AccountabilityRecord:
    return workflow.record_accountability(
        tree.village,
        actor=oversight.discipline,
        deciding=tree.town,
        person_name="孙某",
        person_position="东岭村党支部书记",
        measure="reminder_talk",
        facts=f"党费公示逾期未更新（联系电话{MOBILE}）",
        decision_date=dt.date(2026, 11, 2),
        scope=scope,
        findings=[finding],
        **extra,
    )


# persona → (leading_group, party, public): whether they see a record of each scope
SEES = [
    ("anonymous", False, False, True),
    ("outsider", False, False, True),
    ("member", False, True, True),
    ("clerk", False, True, True),
    ("reviewer", True, True, True),
    ("principal", True, True, True),
    ("superior_reviewer", True, True, True),
    ("discipline", True, True, True),
    ("supervisor", False, True, True),
    ("office", False, True, True),
    ("other_discipline", False, False, True),
    ("other_supervisor", False, False, True),
]


def _surfaces(user: Any, record: AccountabilityRecord, tree: Any) -> dict[str, bool]:
    web = Client() if user is None else client_for(user)
    api = Client()
    headers = {}
    if user is not None:
        headers["Authorization"] = "Bearer " + tokens.issue(user, label="t")[1]
    name = record.person_name
    portal = web.get(f"/o/{tree.village.code}/supervision/").content.decode()
    api_list = api.get("/api/v1/accountability/", headers=headers).json()
    api_detail = api.get(f"/api/v1/accountability/{record.pk}", headers=headers)
    results = api.get(
        f"/api/v1/supervision/organizations/{tree.village.code}/results", headers=headers
    ).json()
    seen = {
        "portal": name in portal,
        "api list": any(r["id"] == record.pk for r in api_list["results"]),
        "api detail": api_detail.status_code == 200,
        "api results": any(r["id"] == record.pk for r in results["accountability"]),
        "rule": visibility.can_see_record(user, record),
        "queryset": AccountabilityRecord.objects.visible_to(user).filter(pk=record.pk).exists(),
    }
    console_list = web.get("/console/supervision/accountability/")
    if console_list.status_code == 200:  # staff only; others are not in the console at all
        seen["console list"] = name in console_list.content.decode()
        seen["console page"] = (
            web.get(f"/console/supervision/accountability/{record.pk}/").status_code == 200
        )
    return seen


@pytest.mark.parametrize(("name", "leading", "party", "public"), SEES)
def test_each_record_is_seen_by_its_scope_on_every_surface(
    people, oversight, tree, finding, name, leading, party, public
):
    user = None if name == "anonymous" else getattr(oversight, name, None) or getattr(people, name)
    for scope, expected in (
        (RecordScope.LEADING_GROUP, leading),
        (RecordScope.PARTY, party),
        (RecordScope.PUBLIC, public),
    ):
        record = _record(people, oversight, tree, finding, scope)
        seen = _surfaces(user, record, tree)
        assert seen == dict.fromkeys(seen, expected), (scope, seen)
        AccountabilityRecord.objects.filter(pk=record.pk).delete()


def test_the_person_held_responsible_sees_their_own_record(people, oversight, tree, finding):
    record = _record(
        people, oversight, tree, finding, RecordScope.LEADING_GROUP, person=people.member
    )
    assert visibility.can_see_record(people.member, record)
    assert AccountabilityRecord.objects.visible_to(people.member).filter(pk=record.pk).exists()


def test_facts_are_masked_where_readers_see_them(people, oversight, tree, finding):
    _record(people, oversight, tree, finding, RecordScope.PUBLIC)
    page = Client().get(f"/o/{tree.village.code}/supervision/").content.decode()
    assert "138****5678" in page and MOBILE not in page


# persona → may decide accountability for the village as the town's discipline committee
DECIDES = [
    ("discipline", True),
    ("other_discipline", False),
    ("superior_reviewer", False),
    ("supervisor", False),
    ("office", False),
    ("principal", False),
    ("admin", False),
]


@pytest.mark.parametrize(("name", "decides"), DECIDES)
def test_only_the_discipline_secretary_of_the_deciding_organization_decides(
    people, oversight, tree, finding, name, decides
):
    from django.core.exceptions import PermissionDenied

    user = getattr(oversight, name, None) or getattr(people, name)
    try:
        workflow.record_accountability(
            tree.village,
            actor=user,
            deciding=tree.town,
            person_name="孙某",
            person_position="支部书记",
            measure="criticism",
            facts="逾期",
            decision_date=dt.date(2026, 11, 2),
            scope="party",
            findings=[finding],
        )
    except PermissionDenied:
        assert not decides
    else:
        assert decides


def test_the_town_cannot_decide_for_another_town(people, oversight, tree, finding):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        workflow.record_accountability(
            tree.unrelated_village,
            actor=oversight.discipline,
            deciding=tree.town,
            person_name="某",
            person_position="书记",
            measure="criticism",
            facts="逾期",
            decision_date=dt.date(2026, 11, 2),
            scope="party",
            findings=[finding],
        )


PERSONAS = [name for name, *_ in SEES if name != "anonymous"]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    scope=st.sampled_from(RecordScope.values),
    where=st.sampled_from(["village", "sibling_village", "town"]),
    name=st.sampled_from([*PERSONAS, "anonymous"]),
)
def test_the_queryset_and_the_predicate_agree(people, oversight, tree, finding, scope, where, name):
    user = None if name == "anonymous" else getattr(oversight, name, None) or getattr(people, name)
    org = getattr(tree, where)
    record = AccountabilityRecord.objects.create(
        organization=org,
        deciding_organization=tree.town,
        person_name="某",
        person_position="书记",
        measure="criticism",
        facts="逾期",
        decision_date=dt.date(2026, 11, 2),
        decided_by=oversight.discipline,
        scope=scope,
        created_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
    )
    in_queryset = AccountabilityRecord.objects.visible_to(user).filter(pk=record.pk).exists()
    assert in_queryset is visibility.can_see_record(user, record)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    scope=st.sampled_from(["", "public", "party", "institution"]),
    where=st.sampled_from(["village", "sibling_village", "unrelated_village"]),
    name=st.sampled_from([*PERSONAS, "admin", "anonymous"]),
)
def test_the_finding_rules_and_their_querysets_agree(people, oversight, tree, scope, where, name):
    from gongkai.supervision.models import Finding

    user = None if name == "anonymous" else getattr(oversight, name, None) or getattr(people, name)
    org = getattr(tree, where)
    finding = Finding.objects.create(
        organization=org,
        category="form",
        description="栏目",
        counted_from=dt.date(2026, 11, 2),
        due_date=dt.date(2026, 11, 16),
        filed_by=people.supervisor,
        filed_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
        state="confirmed",
        publish_scope=scope,
        published_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC) if scope else None,
    )
    rows = Finding.objects.filter(pk=finding.pk)
    assert rows.filter(visibility.result_condition(user)).exists() is visibility.can_see_result(
        user, finding
    )
    assert rows.filter(visibility.handling_condition(user)).exists() is (
        visibility.can_handle_finding(user, org)
    )


def test_the_results_page_reads_in_a_fixed_number_of_queries(
    people, oversight, tree, finding, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert Client().get(f"/o/{tree.village.code}/supervision/").status_code == 200
        return len(queries)

    def one_more() -> None:
        made = workflow.file_finding(
            tree.village, actor=people.supervisor, category="form", description="栏目不统一"
        )
        workflow.rectify(made, actor=people.clerk, text="已统一")
        workflow.confirm(made, actor=people.supervisor)
        workflow.publish(made, actor=people.supervisor, scope="public")
        _record(people, oversight, tree, made, RecordScope.PUBLIC)

    one_more()
    few = count()
    for _ in range(3):
        one_more()
    assert count() == few
    with django_assert_max_num_queries(few):
        Client().get(f"/o/{tree.village.code}/supervision/")
