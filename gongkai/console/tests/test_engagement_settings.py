"""The leading-group office sets an organization's deadlines for opinions, topic requests and
information requests in the console; the rules then use them; nobody else may; bad numbers
are refused in Chinese and nothing is saved."""

from __future__ import annotations

import pytest

from gongkai.conftest import client_for
from gongkai.engagement import services as opinions
from gongkai.engagement.models import AnswerRule
from gongkai.inforequests.models import InformationRequestPolicy, policy_for
from gongkai.topics import services as topics

pytestmark = pytest.mark.django_db

VALID = {
    "opinions-answer_days": "7",
    "opinions-escalate_after_days": "3",
    "topics-answer_days": "12",
    "requests-answer_days": "15",
    "requests-max_extension_days": "15",
    "requests-supplement_notice_days": "5",
    "requests-third_party_days": "10",
}


def url(org):  # type: ignore[no-untyped-def]
    return f"/console/orgs/{org.code}/deadlines"


def test_the_office_sets_the_deadlines_and_the_rules_use_them(people, tree):
    office = client_for(people.office)
    page = office.get(url(tree.village))
    assert page.status_code == 200
    html = page.content.decode()
    assert "留言" in html or "意见" in html
    assert 'value="10"' in html and 'value="20"' in html  # the defaults in force
    saved = office.post(url(tree.village), VALID)
    assert saved.status_code == 302
    assert opinions.rule_for(tree.village) == (7, 3)
    assert topics.answer_days(tree.village) == 12
    policy = policy_for(tree.village)
    assert (policy.answer_days, policy.max_extension_days) == (15, 15)
    assert (policy.supplement_notice_days, policy.third_party_days) == (5, 10)
    # Saved again: the same rows, no duplicates.
    assert office.post(url(tree.village), {**VALID, "topics-answer_days": "9"}).status_code == 302
    assert topics.answer_days(tree.village) == 9
    assert AnswerRule.objects.filter(organization=tree.village).count() == 1


def test_a_town_rule_is_inherited_below(people, tree):
    office = client_for(people.office)
    assert office.post(url(tree.town), VALID).status_code == 302
    assert opinions.rule_for(tree.sibling_village) == (7, 3)
    page = office.get(url(tree.sibling_village)).content.decode()
    assert 'value="7"' in page  # shown as the rule in force
    assert not AnswerRule.objects.filter(organization=tree.sibling_village).exists()


@pytest.mark.parametrize(
    "field,value",
    [
        ("opinions-answer_days", "0"),
        ("opinions-answer_days", "999"),
        ("topics-answer_days", "abc"),
        ("requests-answer_days", "61"),
        ("requests-third_party_days", "1\x00"),
        ("opinions-escalate_after_days", ""),
    ],
)
def test_bad_numbers_are_refused_in_chinese_and_nothing_is_saved(people, tree, field, value):
    response = client_for(people.office).post(url(tree.village), {**VALID, field: value})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and any("\u4e00" <= c <= "\u9fff" for c in html)
    assert not AnswerRule.objects.filter(organization=tree.village).exists()
    assert not InformationRequestPolicy.objects.filter(organization=tree.village).exists()


def test_only_the_office_may(people, tree):
    for person in (
        people.clerk,
        people.reviewer,
        people.member,
        people.supervisor,
        people.outsider,
    ):
        assert client_for(person).get(url(tree.village)).status_code in (403, 404)
        assert client_for(person).post(url(tree.village), VALID).status_code in (403, 404)
    assert not AnswerRule.objects.exists()
