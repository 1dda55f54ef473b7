"""Who may propose, support and answer topic requests, by role and organization: one table,
asked of the predicates in gongkai.permissions."""

from __future__ import annotations

import pytest

from gongkai import permissions
from gongkai.conftest import grant
from gongkai.organizations.models import Role

# (person, organization, propose/support, answer, accept as item, accept as disclosure)
TABLE = [
    ("member", "village", True, False, False, False),
    ("clerk", "village", True, True, False, True),
    ("reviewer", "village", True, True, False, False),
    ("principal", "village", True, True, True, False),
    ("office", "village", True, True, True, False),  # the town's office reaches the village
    ("office", "town", True, True, True, False),
    ("supervisor", "village", False, False, False, False),  # watches, never proposes
    ("superior_reviewer", "village", False, False, False, False),
    ("superior_reviewer", "town", True, True, False, False),
    ("member", "sibling_village", False, False, False, False),
    ("clerk", "town", False, False, False, False),
    ("member", "town", False, False, False, False),
    ("outsider", "village", False, False, False, False),
    ("anonymous", "village", False, False, False, False),
    ("admin", "village", False, False, False, False),
]


@pytest.fixture
def persons(people, tree):  # type: ignore[no-untyped-def]
    from gongkai.conftest import make_user

    principal = make_user("principal", "周书记")
    grant(principal, tree.village, Role.Kind.PRINCIPAL)
    return {
        "member": people.member,
        "clerk": people.clerk,
        "reviewer": people.reviewer,
        "principal": principal,
        "office": people.office,
        "supervisor": people.supervisor,
        "superior_reviewer": people.superior_reviewer,
        "outsider": people.outsider,
        "admin": people.admin,
        "anonymous": None,
    }


@pytest.mark.parametrize(("who", "where", "propose", "answer", "item", "disclosure"), TABLE)
def test_who_may_do_what(persons, tree, who, where, propose, answer, item, disclosure):
    user, org = persons[who], getattr(tree, where)
    assert permissions.can_propose_topic(user, org) is propose
    assert permissions.can_support_topic(user, org) is propose
    assert permissions.can_answer_topic(user, org) is answer
    assert permissions.can_accept_topic_as_item(user, org) is item
    assert permissions.can_accept_topic_as_disclosure(user, org) is disclosure


def test_an_inactive_person_may_do_nothing(people, tree):
    people.member.is_active = False
    people.member.save()
    assert not permissions.can_propose_topic(people.member, tree.village)
