"""Who may do what where: every predicate in gongkai.permissions, for every role, at every
position in the tree relative to where the role is held; and the queryset scopers agree with
the predicates for every organization.

The role is always held at the town (青石镇党委). Positions relative to it:

    云岭县委 [YL]                 P  parent
    ├── 青石镇党委 [QS]            O  own          <- the role is held here
    │   └── 东岭村党支部 [QS-01]     C  child
    │       └── 东岭村合作社党支部     G  grandchild   (added below the village in this module)
    └── 白沙镇党委 [BS]            S  sibling
        └── 白沙村党支部 [BS-01]     U  unrelated
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from gongkai import permissions as p
from gongkai.accounts.models import User
from gongkai.conftest import Tree, grant, make_org, make_user
from gongkai.organizations.models import Organization, Role

# What each predicate answers at each position, written out by hand from the intended rules
# (not computed from the code under test). A cell lists the positions where the answer is yes,
# in the order O P C G S U, with "." for no.
#
#   view      can_view_in_console        review     can_review
#   manage    can_manage_organization    superior   can_review_as_superior
#   below     can_manage_tree_below      supervise  can_supervise
#   catalog   can_edit_catalog           internal   can_read_party_internal
#   draft     can_draft
#
# "+subtree" means the role row has reaches_subtree=True.
EXPECTED = """
persona                        view    manage  below   catalog draft   review  superior supervise internal
clerk                          O.....  ......  ......  ......  O.....  ......  ......   ......    O.....
clerk+subtree                  O.CG..  ......  ......  ......  O.CG..  ......  ......   ......    O.CG..
reviewer                       O.C...  ......  ......  ......  ......  O.....  ..C...   ......    O.....
reviewer+subtree               O.CG..  ......  ......  ......  ......  O.CG..  ..CG..   ......    O.CG..
principal                      O.C...  ......  ......  O.....  ......  O.....  ..C...   ......    O.....
principal+subtree              O.CG..  ......  ......  O.CG..  ......  O.CG..  ..CG..   ......    O.CG..
discipline_secretary           O.C...  ......  ......  ......  ......  O.....  ..C...   O.....    O.....
discipline_secretary+subtree   O.CG..  ......  ......  ......  ......  O.CG..  ..CG..   O.CG..    O.CG..
supervisor                     O.....  ......  ......  ......  ......  ......  ......   O.....    O.....
supervisor+subtree             O.CG..  ......  ......  ......  ......  ......  ......   O.CG..    O.CG..
member                         ......  ......  ......  ......  ......  ......  ......   ......    O.....
member+subtree                 ......  ......  ......  ......  ......  ......  ......   ......    O.CG..
office                         O.....  O.....  O.....  O.....  ......  ......  ......   ......    O.....
office+subtree                 O.CG..  O.CG..  O.CG..  O.CG..  ......  ......  ......   ......    O.CG..
anonymous                      ......  ......  ......  ......  ......  ......  ......   ......    ......
outsider                       ......  ......  ......  ......  ......  ......  ......   ......    ......
staff_flag_only                ......  ......  ......  ......  ......  ......  ......   ......    ......
administrator                  OPCGSU  OPCGSU  OPCGSU  ......  ......  ......  ......   ......    ......
inactive_office+subtree        ......  ......  ......  ......  ......  ......  ......   ......    ......
"""

# Questions that take no organization: Y yes, . no.
EXPECTED_WITHOUT_ORGANIZATION = """
persona                        administrator  console  new_roots
clerk                          .              Y        .
clerk+subtree                  .              Y        .
reviewer                       .              Y        .
reviewer+subtree               .              Y        .
principal                      .              Y        .
principal+subtree              .              Y        .
discipline_secretary           .              Y        .
discipline_secretary+subtree   .              Y        .
supervisor                     .              Y        .
supervisor+subtree             .              Y        .
member                         .              .        .
member+subtree                 .              .        .
office                         .              Y        .
office+subtree                 .              Y        .
anonymous                      .              .        .
outsider                       .              .        .
staff_flag_only                .              .        .
administrator                  Y              Y        Y
inactive_office+subtree        .              .        .
"""

PREDICATES = {
    "view": p.can_view_in_console,
    "manage": p.can_manage_organization,
    "below": p.can_manage_tree_below,
    "catalog": p.can_edit_catalog,
    "draft": p.can_draft,
    "review": p.can_review,
    "superior": p.can_review_as_superior,
    "supervise": p.can_supervise,
    "internal": p.can_read_party_internal,
}
QUESTIONS_WITHOUT_ORGANIZATION = {
    "administrator": p.is_administrator,
    "console": p.can_use_console,
    "new_roots": lambda user: p.can_manage_tree_below(user, None),
}


def parse(table: str) -> dict[str, dict[str, str]]:
    header, *rows = [line.split() for line in table.strip().splitlines()]
    return {row[0]: dict(zip(header[1:], row[1:], strict=True)) for row in rows}


MATRIX = parse(EXPECTED)
MATRIX_WITHOUT_ORGANIZATION = parse(EXPECTED_WITHOUT_ORGANIZATION)
PERSONAS = list(MATRIX)


@dataclass
class Positions:
    own: Organization
    parent: Organization
    child: Organization
    grandchild: Organization
    sibling: Organization
    unrelated: Organization

    def by_letter(self) -> dict[str, Organization]:
        return {
            "O": self.own,
            "P": self.parent,
            "C": self.child,
            "G": self.grandchild,
            "S": self.sibling,
            "U": self.unrelated,
        }


@pytest.fixture
def positions(tree: Tree) -> Positions:
    below_village = make_org(
        "QS-01-01", "东岭村合作社党支部", Organization.Kind.BRANCH, tree.village
    )
    return Positions(
        own=tree.town,
        parent=tree.county,
        child=tree.village,
        grandchild=below_village,
        sibling=tree.other_town,
        unrelated=tree.unrelated_village,
    )


@pytest.fixture
def personas(positions: Positions) -> dict[str, Any]:
    people: dict[str, Any] = {}
    for kind in Role.Kind.values:
        for reach in (False, True):
            name = f"{kind}+subtree" if reach else kind
            user = make_user(name.replace("+", "_"), name)
            grant(user, positions.own, kind, reaches_subtree=reach)
            people[name] = user
    people["anonymous"] = AnonymousUser()
    people["outsider"] = make_user("outsider", "路人甲")
    people["staff_flag_only"] = make_user("staff", "职员", is_staff=True)
    people["administrator"] = User.objects.create_superuser(
        username="admin", password="x", display_name="系统管理员"
    )
    inactive = make_user("inactive_office", "离任主任", is_active=False)
    grant(inactive, positions.own, Role.Kind.OFFICE, reaches_subtree=True)
    people["inactive_office+subtree"] = inactive
    # Fresh instances, so no test leans on a roles cache filled while granting.
    return {
        name: user if isinstance(user, AnonymousUser) else User.objects.get(pk=user.pk)
        for name, user in people.items()
    }


def every_organization() -> list[Organization]:
    return list(Organization.objects.select_related("parent"))


def test_the_table_covers_every_role_kind_with_and_without_reach() -> None:
    for kind in Role.Kind.values:
        assert kind in PERSONAS
        assert f"{kind}+subtree" in PERSONAS
    assert list(MATRIX_WITHOUT_ORGANIZATION) == PERSONAS


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_predicate_answers_as_the_table_says(
    persona: str, personas: dict[str, Any], positions: Positions
) -> None:
    user = personas[persona]
    actual = {
        name: "".join(
            letter if predicate(user, org) else "." for letter, org in positions.by_letter().items()
        )
        for name, predicate in PREDICATES.items()
    }
    assert actual == MATRIX[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_question_without_an_organization_answers_as_the_table_says(
    persona: str, personas: dict[str, Any]
) -> None:
    user = personas[persona]
    actual = {
        name: "Y" if question(user) else "."
        for name, question in QUESTIONS_WITHOUT_ORGANIZATION.items()
    }
    assert actual == MATRIX_WITHOUT_ORGANIZATION[persona]


def test_a_role_reaching_the_subtree_reaches_every_level_below(positions: Positions) -> None:
    deepest = positions.grandchild
    for depth in range(3):
        deepest = make_org(f"DEEP-{depth}", f"第{depth}层", Organization.Kind.BRANCH, deepest)
    office = make_user("office", "陈主任")
    grant(office, positions.parent, Role.Kind.OFFICE, reaches_subtree=True)
    assert p.can_manage_organization(office, deepest)
    assert p.can_read_party_internal(office, deepest)


KIND_SETS = {
    **{kind: frozenset({kind}) for kind in Role.Kind.values},
    "staff": p.STAFF_KINDS,
    "review": p.REVIEW_KINDS,
    "catalog": p.CATALOG_KINDS,
    "supervision": p.SUPERVISION_KINDS,
    "all": frozenset(Role.Kind.values),
}


def assert_scopers_agree_with_predicates(user: Any) -> None:
    organizations = every_organization()
    for name, kinds in KIND_SETS.items():
        scoped = set(p.organizations_where(user, kinds))
        expected = {org for org in organizations if p.holds(user, org, kinds)}
        assert scoped == expected, name
    assert set(p.console_organizations(user)) == {
        org for org in organizations if p.can_view_in_console(user, org)
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_scopers_agree_with_the_predicates_for_every_persona(
    persona: str, personas: dict[str, Any]
) -> None:
    assert_scopers_agree_with_predicates(personas[persona])


def test_the_scopers_list_what_the_table_allows(
    personas: dict[str, Any], positions: Positions
) -> None:
    """The scopers' answers at the six positions, read against the same table."""
    letters = {org.pk: letter for letter, org in positions.by_letter().items()}
    for persona, user in personas.items():
        listed = {letters[o.pk] for o in p.console_organizations(user) if o.pk in letters}
        expected = {letter for letter in MATRIX[persona]["view"] if letter != "."}
        assert listed == expected, persona


def test_the_console_list_is_one_query(
    personas: dict[str, Any], django_assert_num_queries: Any
) -> None:
    user = personas["reviewer+subtree"]
    user.roles_cached  # noqa: B018 - loaded once per request, before the list is asked for
    with django_assert_num_queries(1):
        list(p.console_organizations(user))


NODES = [
    "county",
    "town",
    "village",
    "sibling_village",
    "grandchild",
    "other_town",
    "unrelated_village",
]
ROLE_SETS = st.lists(
    st.tuples(
        st.sampled_from(NODES),
        st.sampled_from(Role.Kind.values),
        st.booleans(),
    ),
    max_size=5,
    unique_by=lambda role: (role[0], role[1]),
)


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=60,
    deadline=None,
    # Each example runs in a savepoint that is rolled back, so sharing the tree is safe.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(roles=ROLE_SETS, is_superuser=st.booleans(), is_active=st.booleans())
def test_the_scopers_agree_with_the_predicates_for_any_set_of_roles(
    positions: Positions,
    tree: Tree,
    roles: list[tuple[str, str, bool]],
    is_superuser: bool,
    is_active: bool,
) -> None:
    nodes = {
        "county": tree.county,
        "town": tree.town,
        "village": tree.village,
        "sibling_village": tree.sibling_village,
        "grandchild": positions.grandchild,
        "other_town": tree.other_town,
        "unrelated_village": tree.unrelated_village,
    }
    with transaction.atomic():
        user = User.objects.create(
            username="someone", display_name="某人", is_superuser=is_superuser, is_active=is_active
        )
        for node, kind, reach in roles:
            Role.objects.create(
                user=user, organization=nodes[node], kind=kind, reaches_subtree=reach
            )
        assert_scopers_agree_with_predicates(User.objects.get(pk=user.pk))
        transaction.set_rollback(True)
