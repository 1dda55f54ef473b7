"""Generation at scale keeps its meaning: what it creates equals the plain definition (each
layer's effective catalog, what applies, since when, the candidates), layers with items of
their own get them, and the daily run and the calendar refresh cost the same number of
queries however many organizations there are when nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.catalog import services as catalog_services
from gongkai.catalog.applicability import applies
from gongkai.catalog.effective import effective_catalog
from gongkai.catalog.models import Catalog, CatalogVersion
from gongkai.compliance import obligations
from gongkai.compliance.models import Obligation, RecordedEvent, StagePlan
from gongkai.compliance.tests.conftest import publish_at
from gongkai.compliance.tests.test_obligations import key_of
from gongkai.workdays import services as workdays

pytestmark = pytest.mark.django_db

BEIJING = dt.timezone(dt.timedelta(hours=8))


def plain_since(layer: Catalog) -> dict[str, dt.date]:
    """effective_since as first written: every version's effective catalog, resolved."""
    versions = (
        CatalogVersion.objects.filter(catalog=layer, number__lte=layer.version)
        .order_by("-number")
        .values_list("number", "published_at")
    )
    timing = obligations._timing_of
    current = effective_catalog(layer).by_key()
    open_keys = {key: timing(item) for key, item in current.items()}
    since: dict[str, dt.date] = {}
    for number, published_at in versions:
        at_version = effective_catalog(layer, number).by_key()
        for key in list(open_keys):
            if timing(at_version.get(key)) == open_keys[key]:
                since[key] = timezone.localdate(published_at)
            else:
                del open_keys[key]
    return since


def owed_plainly(on: dt.date) -> set[tuple[int, str, str, dt.date, str]]:
    """Every (organization, item, period key, due date, state) owed up to `on`, worked out
    one layer and one item at a time."""
    out = set()
    for layer in Catalog.objects.filter(version__gt=0).select_related("organization"):
        org = layer.organization
        since = plain_since(layer)
        for item in effective_catalog(layer).items:
            if not applies(item, org) or item.key not in since:
                continue
            events = list(RecordedEvent.objects.filter(organization=org, item_key=item.key))
            plans = list(StagePlan.objects.filter(organization=org, item_key=item.key))
            for c in obligations.candidates(item, since[item.key], on, events, plans):
                due = workdays.deadline(c.basis_date, c.deadline_days).date
                out.add((org.pk, item.key, c.period_key, due, obligations.open_state(due, on)))
    return out


def owed_now() -> set[tuple[int, str, str, dt.date, str]]:
    return set(
        Obligation.objects.values_list(
            "organization_id", "item_key", "period_key", "due_date", "state"
        )
    )


@pytest.fixture
def own_item(tree, people, catalogs):  # type: ignore[no-untyped-def]
    """The village adds a monthly item of its own, from 1 March 2026."""
    village = Catalog.objects.get(organization=tree.village)
    key = catalog_services.save_item(
        village,
        actor=people.office,
        values={
            "name": "村务监督委员会工作情况",
            "timing": "periodic",
            "period": "monthly",
            "deadline_days": 5,
            "deadline_basis": "period_end",
            "scope": "public",
        },
    )
    catalog_services.publish_catalog(village, actor=people.office)
    village.refresh_from_db()
    publish_at(village, dt.datetime(2026, 3, 1, 9, tzinfo=BEIJING))
    return key


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    days=st.lists(st.dates(dt.date(2025, 12, 1), dt.date(2027, 2, 28)), min_size=1, max_size=3),
    event_day=st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
)
def test_generation_creates_what_the_plain_definition_owes(tree, people, own_item, days, event_day):
    with transaction.atomic():
        RecordedEvent.objects.create(
            organization=tree.sibling_village,
            item_key=key_of(tree.sibling_village, "appointment"),
            title="任前公示",
            happened_on=event_day,
            recorded_by=people.clerk,
            recorded_at=timezone.now(),
        )
        first, *later = sorted(days)
        obligations.generate(first)
        assert owed_now() == owed_plainly(first)  # states too: as the calendar had them
        for on in later:
            obligations.generate(on)
            assert {row[:4] for row in owed_now()} == {row[:4] for row in owed_plainly(on)}
        transaction.set_rollback(True)


def test_an_item_of_the_village_s_own_is_owed_by_the_village_only(tree, own_item):
    obligations.generate(dt.date(2026, 5, 2))
    own = set(
        Obligation.objects.filter(item_key=own_item).values_list("organization", "period_key")
    )
    assert own == {
        (tree.village.pk, "2026-M03"),
        (tree.village.pk, "2026-M04"),
        (tree.village.pk, "2026-M05"),
    }
    # The inherited items are owed as before, by both villages.
    for village in (tree.village, tree.sibling_village):
        assert Obligation.objects.filter(
            organization=village, item_key__endswith=".meetings"
        ).exists()


def _queries(run) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


def test_a_refresh_with_nothing_to_move_reads_one_range(tree, catalogs):
    on = dt.date(2026, 9, 1)
    obligations.generate(on)
    obligations.refresh(on)
    with CaptureQueriesContext(connection) as captured:
        assert not obligations.refresh(on)
    assert len(captured.captured_queries) == 1
