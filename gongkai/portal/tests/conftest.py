"""The portal's tests speak about the shared tree and people (gongkai/conftest.py) and the
village's catalog from the disclosures tests: a public item (监督电话), a party item
(党费缴纳情况), an institution item (本单位人员分工) and a major party-first item (办公楼修缮)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.utils import timezone

from gongkai.catalog.models import Scope
from gongkai.compliance.tests.conftest import catalogs  # noqa: F401  (a fixture, by name)
from gongkai.conftest import People, client_for
from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure, Revision, State
from gongkai.disclosures.tests import conftest as disclosure_fixtures
from gongkai.disclosures.tests.conftest import CHECKLIST, force_state, item_key, published

# The village's catalog and a draft of its supervision phone, shared with the disclosures tests.
village_catalog = disclosure_fixtures.village_catalog
draft = disclosure_fixtures.draft

#: The village catalog's item for each scope.
ITEM_FOR_SCOPE: dict[str, str] = {
    Scope.PUBLIC: "phones",
    Scope.PARTY: "dues",
    Scope.INSTITUTION: "staff",
}


def reader(people: People, persona: str) -> Client:
    """A browser session for a persona ("anonymous" has no account)."""
    return Client() if persona == "anonymous" else client_for(getattr(people, persona))


def user_of(people: People, persona: str):  # type: ignore[no-untyped-def]
    return AnonymousUser() if persona == "anonymous" else getattr(people, persona)


def make_shown(
    people: People,
    org,  # type: ignore[no-untyped-def]
    catalog,  # type: ignore[no-untyped-def]
    *,
    scope: str = Scope.PUBLIC,
    state: str = State.PUBLISHED,
    title: str = "东岭村公开事项",
    body: str = "<p>正文</p>",
    publish_from: dt.datetime | None = None,
    public_from: dt.datetime | None = None,
    **fields: object,
) -> Disclosure:
    """A disclosure put straight into `state` with a published revision 1 (no workflow, no
    ledger): for matrices over states and times."""
    disclosure = workflow.create_disclosure(
        org,
        actor=people.clerk,
        item_key=item_key(catalog, ITEM_FOR_SCOPE[scope]),
        title=title,
        body=body,
    )
    publish_from = publish_from or timezone.now() - dt.timedelta(hours=1)
    revision = Revision.objects.create(
        disclosure=disclosure,
        number=1,
        public_number=1,
        title=title,
        body=body,
        published_at=publish_from,
        created_by=people.clerk,
    )
    if public_from is None and scope != Scope.PARTY:
        public_from = publish_from
    return force_state(
        disclosure,
        state,
        scope=scope,
        publish_from=publish_from,
        public_from=public_from,
        published_revision=revision,
        **fields,
    )


@pytest.fixture
def shown(people, tree, village_catalog):  # type: ignore[no-untyped-def]
    def make(**kwargs: object) -> Disclosure:
        return make_shown(people, tree.village, village_catalog, **kwargs)  # type: ignore[arg-type]

    return make


__all__ = ["CHECKLIST", "ITEM_FOR_SCOPE", "make_shown", "published", "reader", "user_of"]
