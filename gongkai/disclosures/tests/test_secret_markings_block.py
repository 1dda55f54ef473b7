"""A secret marking, however it is spelled and wherever it is typed, stops a disclosure until a
reviewer records a clearance, and a correction that brings a new one needs a new clearance: no
marking is ever published unseen. Markings come from the scanner's generator (simplified and
traditional characters, anything invisible or markup between them, stars and periods)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.disclosures import workflow
from gongkai.disclosures.models import State
from gongkai.disclosures.tests.conftest import CHECKLIST, item_key, published
from gongkai.disclosures.tests.strategies import secret_markings

pytestmark = pytest.mark.django_db

FIELDS = ("title", "body", "period")
SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _draft(people: Any, tree: Any, catalog: Any, field: str, marking: str) -> Any:
    return workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(catalog, "phones"),
        title=f"东岭村监督电话{marking}" if field == "title" else "东岭村监督电话",
        body=f"<p>监督电话{marking}</p>" if field == "body" else "<p>监督电话</p>",
        period=f"2026年{marking}" if field == "period" else "",
    )


@SETTINGS
@given(field=st.sampled_from(FIELDS), marked=secret_markings(html=True))
def test_a_marking_in_any_field_stops_review_until_a_reviewer_clears_it(
    people: Any, tree: Any, village_catalog: Any, field: str, marked: tuple[str, str]
) -> None:
    _level, marking = marked
    draft = _draft(people, tree, village_catalog, field, marking)
    workflow.submit(draft, actor=people.clerk)
    with pytest.raises(ValidationError):
        workflow.review(draft, actor=people.reviewer, checklist=CHECKLIST)
    draft.refresh_from_db()
    assert draft.state == State.SUBMITTED
    workflow.review(
        draft, actor=people.reviewer, checklist=CHECKLIST, secret_clearance="已按保密规定审查"
    )
    assert draft.state == State.REVIEWED


@SETTINGS
@given(marked=secret_markings(html=True))
def test_a_correction_that_adds_a_marking_needs_a_new_clearance(
    people: Any, tree: Any, village_catalog: Any, marked: tuple[str, str]
) -> None:
    _level, marking = marked
    shown = published(
        people,
        workflow.create_disclosure(
            tree.village,
            actor=people.clerk,
            item_key=item_key(village_catalog, "phones"),
            title="东岭村监督电话",
            body="<p>监督电话</p>",
        ),
    )
    before = shown.published_revision_id
    with pytest.raises(ValidationError):
        workflow.correct(
            shown,
            actor=people.reviewer,
            reason="补充说明",
            title=shown.title,
            body=f"<p>监督电话{marking}</p>",
        )
    shown.refresh_from_db()
    assert shown.published_revision_id == before
    workflow.correct(
        shown,
        actor=people.reviewer,
        reason="补充说明",
        title=shown.title,
        body=f"<p>监督电话{marking}</p>",
        secret_clearance="经保密委员会审查可公开",
    )
    shown.refresh_from_db()
    assert shown.published_revision_id != before
