"""The office's other console forms never answer 500 either: a catalog item (with its
structured form typed as YAML), a category, dropping an item, publishing the catalog, and
adding or editing an organization, whatever is typed, on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
import yaml
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from gongkai.catalog import services as catalog_services
from gongkai.catalog.exchange import parse_yaml
from gongkai.conftest import client_for
from gongkai.validation.tests.strategies import (
    FUZZ,
    hostile_cell,
    hostile_number,
    hostile_structure,
    hostile_text,
    post_form,
)

CATALOG = """
title: 镇目录
categories:
  - key: fixed
    name: 固定公开
    timing: standing
    items:
      - {key: phones, name: 监督电话, scope: public}
"""


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def town_catalog(tree, people):  # type: ignore[no-untyped-def]
    town = catalog_services.create_catalog(
        tree.town, actor=people.office, title="镇目录", inherit=False
    )
    catalog_services.load_catalog_data(town, actor=people.office, data=parse_yaml(CATALOG).data)
    return town


def _yaml(value: object) -> str:
    try:
        return yaml.safe_dump(value, allow_unicode=True)
    except (yaml.YAMLError, RecursionError):
        return "[" * 300


item_payload = st.fixed_dictionaries(
    {
        "category_key": st.one_of(st.just("1.fixed"), hostile_text(10)),
        "name": hostile_text(),
        "description": hostile_text(100),
        "scope": st.sampled_from(["public", "party", "institution", "\x00", "x"]),
        "timing": st.sampled_from(["standing", "event", "periodic", "x"]),
        "period": st.sampled_from(["", "monthly", "x"]),
        "deadline_days": hostile_number(),
        "deadline_basis": st.sampled_from(["", "event", "period_end"]),
        "min_publicity_days": hostile_number(),
        "party_first_lag_days": hostile_number(),
        "consultation_days": hostile_number(),
        "responsible_unit": hostile_text(),
        "legal_basis": hostile_text(),
        "form": st.one_of(hostile_text(80), hostile_structure(12).map(_yaml)),
    }
)


@FUZZ
@given(payload=item_payload)
def test_the_catalog_item_form_never_answers_500(people, town_catalog, payload):
    client = client_for(people.office)
    with rolled_back():
        response = post_form(client, "/console/catalog/items/new", payload)
        assert response.status_code < 500


@FUZZ
@given(
    name=hostile_text(),
    description=hostile_text(),
    domain=st.sampled_from(["party", "government", "village", "", "\x00"]) | hostile_text(30),
    reason=hostile_text(),
    note=hostile_text(),
)
def test_category_drop_and_publish_forms_never_answer_500(
    people, town_catalog, name, description, domain, reason, note
):
    client = client_for(people.office)
    with rolled_back():
        for url, data in (
            (
                "/console/catalog/categories/new",
                {"name": name, "description": description, "domain": domain},
            ),
            ("/console/catalog/items/1.phones/drop", {"reason": reason}),
            ("/console/catalog/publish", {"note": note}),
        ):
            assert post_form(client, url, data).status_code < 500, url


@FUZZ
@given(
    payload=st.fixed_dictionaries(
        {
            "code": st.one_of(st.just("QS-09"), hostile_text(40)),
            "name": hostile_text(),
            "kind": st.sampled_from(["branch", "committee", "x", ""]),
            "setting": st.sampled_from(["village", "community", "", "moon"]) | hostile_text(30),
            "supervision_phone": hostile_cell(),
            "opinion_mailbox": hostile_text(),
            "address": hostile_text(),
            "spokesperson": hostile_text(),
            "press_liaison": hostile_text(),
            "is_active": st.sampled_from(["on", ""]),
        }
    )
)
def test_organization_forms_never_answer_500(people, tree, payload):
    client = client_for(people.office)
    with rolled_back():
        assert post_form(client, "/console/orgs/QS/new", payload).status_code < 500
        assert post_form(client, "/console/orgs/QS-01/edit", payload).status_code < 500
