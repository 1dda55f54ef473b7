"""The predicates and their querysets agree, for every persona and organization."""

from __future__ import annotations

from dataclasses import fields

import pytest

from gongkai import permissions

pytestmark = pytest.mark.django_db


def test_the_lists_hold_exactly_what_the_predicates_allow(tree, people):
    orgs = [getattr(tree, f.name) for f in fields(tree)]
    for f in fields(people):
        person = getattr(people, f.name)
        handled = set(permissions.request_handling_organizations(person))
        filed = set(permissions.request_filing_organizations(person))
        for org in orgs:
            assert permissions.can_handle_requests(person, org) == (org in handled), (f.name, org)
            assert permissions.can_see_request_filing(person, org) == (org in filed), (f.name, org)


def test_who_sees_the_village_applicant(tree, people):
    seeing = {
        f.name
        for f in fields(people)
        if permissions.can_see_applicant(getattr(people, f.name), tree.village)
    }
    assert seeing == {"clerk", "reviewer", "superior_reviewer", "office", "admin"}
