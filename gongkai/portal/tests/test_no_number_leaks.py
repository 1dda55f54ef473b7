"""No personal number reaches an anonymous reader through any published surface, however it
was typed and wherever it was typed: generated numbers (valid IDs, mobiles, cards, mistyped IDs)
in random spellings (separators, other scripts' digits, entities, markup, prefixes, country
codes) are put into every field a clerk or reviewer writes, the disclosure goes through the
real workflow, and every page and API answer an anonymous reader gets is read the way a reader
reads it (`strategies.leaked`: tags dropped, entities resolved, every script's digits)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from gongkai.disclosures import workflow
from gongkai.disclosures.tests.conftest import item_key, published
from gongkai.disclosures.tests.strategies import leaked, texts_with_numbers

pytestmark = pytest.mark.django_db

#: Where the text goes: the field a person fills in, and whether it may hold markup.
FIELDS = ("title", "body", "period", "correction_reason", "correction_body", "withdrawal")

SURFACES = (
    "/d/{pk}/",
    "/o/{org}/",
    "/",
    "/api/v1/disclosures/{pk}",
    "/api/v1/disclosures/{pk}/revisions",
    "/api/v1/disclosures/",
    # The ledger: documents of exactly what is shown, opaque entries, the page 如何核验's
    # worked example, the log's page.
    "/api/v1/disclosures/{pk}/proof",
    "/api/v1/ledger/logs/YL/entries",
    "/ledger/YL/",
    "/ledger/how/",
)


def _publish_with(people: Any, tree: Any, catalog: Any, field: str, text: str) -> Any:
    plain = text if field in ("body", "correction_body") else text[:90]
    draft = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(catalog, "phones"),
        title=plain if field == "title" else "东岭村监督电话",
        body=text if field == "body" else "<p>监督电话</p>",
        period=plain if field == "period" else "",
    )
    shown = published(people, draft)
    if field in ("correction_reason", "correction_body"):
        shown = workflow.correct(
            shown,
            actor=people.reviewer,
            reason=plain if field == "correction_reason" else "更正电话",
            title=shown.title,
            body=text if field == "correction_body" else shown.body,
        )
    if field == "withdrawal":
        shown = workflow.withdraw(shown, actor=people.reviewer, reason=plain)
    return shown


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(field=st.sampled_from(FIELDS), typed=texts_with_numbers(html=True, max_numbers=3))
def test_no_surface_shows_a_number_to_an_anonymous_reader(
    people: Any, tree: Any, village_catalog: Any, field: str, typed: tuple[str, list[Any]]
) -> None:
    text, numbers = typed
    assert leaked(numbers, text) == [digits for _, digits in numbers]  # readable as typed
    # Each example in a savepoint of its own, rolled back: the lists (the API's, the home
    # page) show only this example's disclosure, never what an earlier one left behind.
    with transaction.atomic():
        try:
            shown = _publish_with(people, tree, village_catalog, field, text)
        except ValidationError:
            reject()  # refused with a message (too long, a marking to clear): nothing published
        reader = Client()
        for surface in SURFACES:
            response = reader.get(surface.format(pk=shown.pk, org=tree.village.code))
            assert response.status_code == 200, surface
            content = response.content.decode()
            assert leaked(numbers, content) == [], (field, surface, text)
        transaction.set_rollback(True)
