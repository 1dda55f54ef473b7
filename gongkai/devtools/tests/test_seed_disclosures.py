"""`gongkai seed --disclosures M`: disclosures spread over the tree with a skew, on the items
that apply to each organization, every published one with its stored published revision,
its events and its ledger entries; the ledger verifies; same seed, same data; streamed."""

import inspect
import itertools
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.utils import translation

from gongkai.catalog.effective import applicable_catalog
from gongkai.devtools.synthetic import disclosures as synthetic
from gongkai.devtools.synthetic import indexes
from gongkai.disclosures import visibility
from gongkai.disclosures.models import PUBLIC_STATES, Disclosure, Event, Revision, State
from gongkai.ledger import verification
from gongkai.ledger.models import Log, LogEntry, LogNode, SignedHead
from gongkai.organizations.models import Organization
from gongkai.search import backends, index, query
from gongkai.search.models import Entry

pytestmark = pytest.mark.django_db

ORGS, COUNT = 120, 500


def _seed(count: int = COUNT, seed: int = 3) -> str:
    out = StringIO()
    call_command(
        "seed", "--orgs", str(ORGS), "--disclosures", str(count), "--seed", str(seed), stdout=out
    )
    return out.getvalue()


def test_every_published_disclosure_has_its_revision_events_and_entry_and_the_api_lists_them():
    out = _seed()
    assert Disclosure.objects.count() == COUNT
    assert "500" in out.splitlines()[-1]
    for d in Disclosure.objects.select_related("published_revision"):
        assert d.state in PUBLIC_STATES
        revision = d.published_revision
        assert revision is not None and revision.published_at is not None
        # Exactly what workflow._store_published stores.
        shown = visibility.masked_content(
            d, title=revision.title, body=revision.body, data=revision.data, period=d.period
        )
        assert revision.published_title == shown["title"] == d.title
        assert revision.published_body == shown["body"]
        assert revision.published_data == shown["data"]
        assert revision.published_period == shown["period"]
        # Numbered as the workflow numbers publications: 1, then one more per correction.
        published = list(
            d.revisions.filter(published_at__isnull=False).order_by("published_at", "pk")
        )
        assert [r.public_number for r in published] == list(range(1, len(published) + 1))
        assert revision == published[-1]
        for r in published:
            assert r.published_note == visibility.published_text(d, r.note)
        actions = list(d.events.order_by("at", "pk").values_list("action", flat=True))
        assert actions[:5] == ["create", "submit", "review", "approve", "publish"]
        moves = [a for a in actions if a in ("publish", "correct", "withdraw")]
        kinds = list(
            LogEntry.objects.filter(disclosure=d).order_by("at").values_list("kind", flat=True)
        )
        assert kinds == moves
        if "correct" in actions:
            assert revision.number == 2 and revision.note
        if d.state == State.WITHDRAWN:
            assert d.withdrawal_reason and d.withdrawn_at
    anonymous = Disclosure.objects.visible_to(AnonymousUser()).count()
    assert 0 < anonymous < COUNT  # party-internal items are seeded too
    response = Client().get("/api/v1/disclosures/", {"page_size": 1})
    assert response.status_code == 200
    assert response.json()["count"] == anonymous
    # Lives vary: mostly public, some party, party first, corrected, withdrawn.
    assert Disclosure.objects.filter(scope="party").exists()
    assert Disclosure.objects.filter(party_first=True).exists()
    assert Revision.objects.filter(number=2).exists()
    assert Disclosure.objects.filter(state=State.WITHDRAWN).exists()
    party_first = Disclosure.objects.filter(party_first=True).first()
    assert party_first is not None and party_first.public_from > party_first.publish_from


def test_the_ledger_verifies_and_entries_are_in_time_order():
    _seed()
    report = verification.verify()
    assert report.ok, report.failure
    assert report.checked == LogEntry.objects.count() > COUNT
    for log in Log.objects.all():
        times = list(
            LogEntry.objects.filter(log=log).order_by("index").values_list("at", flat=True)
        )
        assert times == sorted(times)


def test_disclosures_are_spread_with_a_skew_over_items_that_apply():
    _seed()
    per_org = Counter(Disclosure.objects.values_list("organization", flat=True))
    organizations = Organization.objects.count()
    assert max(per_org.values()) <= 0.35 * COUNT  # nobody holds everything
    assert len(per_org) >= 0.3 * organizations  # spread over the tree
    assert len(per_org) < organizations  # and some have none
    counts = sorted(per_org.values(), reverse=True)
    assert counts[0] >= 4 * counts[len(counts) // 2]  # skewed, not round-robin
    for org in Organization.objects.filter(pk__in=list(per_org)):
        catalog = applicable_catalog(org)
        assert catalog is not None
        keys = {item.key for item in catalog.items}
        used = set(Disclosure.objects.filter(organization=org).values_list("item__key", flat=True))
        assert used <= keys, org.code


class _Rollback(Exception):
    pass


def _fingerprint() -> list[tuple[object, ...]]:
    rows = Disclosure.objects.order_by("pk").values_list(
        "organization__code", "item__key", "title", "period_key", "publish_from", "state", "scope"
    )
    leaves = LogEntry.objects.order_by("log__root__code", "index").values_list("leaf_hash")
    return [*rows, *leaves]


def test_the_same_seed_gives_the_same_data():
    prints = []
    for _ in range(2):
        try:
            with transaction.atomic():
                _seed(count=150, seed=9)
                prints.append(_fingerprint())
                raise _Rollback
        except _Rollback:
            pass
    assert prints[0] == prints[1] and len(prints[0]) > 150


def test_the_plan_is_a_lazy_generator():
    call_command("seed", "--orgs", str(ORGS), stdout=StringIO())
    synthetic.ensure_catalogs("default")
    catalogs = synthetic.load_catalogs("default")
    lives = synthetic.plan(catalogs.orgs, catalogs.items, 10**12, 1)
    assert inspect.isgenerator(lives)
    first = list(itertools.islice(lives, 3))  # a trillion planned, three made
    assert [life.k for life in first] == [0, 1, 2]
    again = list(itertools.islice(synthetic.plan(catalogs.orgs, catalogs.items, 10**12, 1), 3))
    assert [(x.org, x.item, x.at) for x in again] == [(x.org, x.item, x.at) for x in first]


def test_seeded_history_has_the_events_real_history_has():
    _seed(count=40, seed=5)
    assert Event.objects.filter(action="publish").count() == 40
    for disclosure in Disclosure.objects.all():
        events = list(disclosure.events.order_by("at", "pk"))
        assert events[4].action == "publish" and events[4].at == disclosure.publish_from
        assert disclosure.state == events[-1].to_state


def test_the_fast_time_adapter_writes_what_django_writes():
    adapt = synthetic.time_adapter("default")
    for value in (synthetic.START, synthetic.END, synthetic.END.replace(microsecond=123000), None):
        assert adapt(value) == connection.ops.adapt_datetimefield_value(value)


def _index_rows() -> list[tuple]:
    columns = (
        "e.sort_key, e.kind, e.source_id, e.disclosure_id, e.organization_id, e.scope, "
        "e.category_key, e.item_key, e.period_key, e.date, e.withdrawn, e.title, e.period, "
        "e.text, e.normalized"
    )
    indexed = backends.indexed_tokens()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM search_entry e ORDER BY 1")
        return [(*row, indexed.get(row[0])) for row in cursor.fetchall()]


def test_the_seed_indexes_for_search_what_a_rebuild_indexes():
    out = _seed()
    assert "搜索索引已同时写入" in out.splitlines()[-1]
    seeded = _index_rows()
    published = Disclosure.objects.filter(state__in=PUBLIC_STATES).count()
    assert len(seeded) == published == COUNT
    assert any(row[10] for row in seeded)  # withdrawn ones: title and reason only
    index.rebuild()
    assert _index_rows() == seeded
    # And found: a two-character term of the seeded bodies, exactly where it is.
    pks = list(Entry.objects.values_list("pk", flat=True))
    holding = set(Entry.objects.filter(normalized__contains="党费").values_list("pk", flat=True))
    assert holding and query.matching_ids("党费", pks) == holding


def test_the_seeds_bulk_settings_are_set_back_after_it():
    def settings_now() -> tuple:
        if connection.vendor != "sqlite":
            return ()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            cache = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous")
            synchronous = cursor.fetchone()[0]
            cursor.execute("PRAGMA journal_mode")
            journal = cursor.fetchone()[0]
            cursor.execute("SELECT v FROM search_fts_config WHERE k = 'hashsize'")
            hashsize = cursor.fetchone()
        return cache, synchronous, journal, hashsize[0] if hashsize else backends.HASH_BYTES

    before = settings_now()
    _seed(count=50)
    assert settings_now() == before


def test_the_seed_stores_its_text_in_the_sites_language_whatever_the_callers():
    with translation.override("en"):
        _seed(count=60)
    labels = set(Disclosure.objects.exclude(period="").values_list("period", flat=True))
    assert labels and all("年" in label for label in labels), labels
    assert not any(word in label for label in labels for word in ("half", "Q", "first"))


def test_no_listing_a_site_stored_before_the_seed_outlives_it():
    """The seed writes past the workflow: it counts its writes as the workflow counts a move,
    so a listing stored before (gongkai.portal.stored) is not served after."""
    before = dict(Organization.objects.values_list("pk", "listing_version"))
    _seed(count=60)
    after = dict(Organization.objects.values_list("pk", "listing_version"))
    written = set(Disclosure.objects.values_list("organization_id", flat=True))
    assert written
    for pk in written:
        assert after[pk] > before.get(pk, 0), pk
    assert all(after[pk] == version for pk, version in before.items() if pk not in written)


SEEDED_MODELS = (Disclosure, Revision, Event, LogEntry, LogNode, SignedHead)


#: Keys to rows made through the ORM (PostgreSQL's sequences number them anew on a second
#: run), compared by what names them instead (none for the seed's user).
_BY_NAME = {
    "created_by_id": None,
    "actor_id": None,
    "log_id": "log__root__code",
    "item_id": "item__key",
    "catalog_id": "catalog__organization__code",
}


def _everything() -> dict[str, list[tuple]]:
    """Every row the seed writes (see _BY_NAME), and the search index."""
    found: dict[str, list[tuple]] = {}
    for model in SEEDED_MODELS:
        names = []
        for f in model._meta.concrete_fields:
            name = _BY_NAME.get(f.attname, f.attname)
            if name is not None:
                names.append(name)
        found[model.__name__] = list(model.objects.order_by("pk").values_list(*names))
    found["search"] = _index_rows()
    return found


def test_the_rows_made_in_a_forked_process_are_the_rows_made_here():
    made = []
    for parallel in (False, True):
        try:
            with transaction.atomic():
                call_command("seed", "--orgs", str(ORGS), stdout=StringIO())
                summary = synthetic.seed(300, using="default", seed=4, parallel=parallel, batch=70)
                assert (summary.maker_peak_rss_mib > 0) == parallel
                made.append(_everything())
                raise _Rollback
        except _Rollback:
            pass
    assert made[0] == made[1]
    assert len(made[0]["Disclosure"]) == 300 and len(made[0]["search"]) == 300
    assert len(made[0]["LogEntry"]) > 300 and made[0]["SignedHead"]


def _set_aside_now() -> list[indexes.SetAside]:
    tables = [model._meta.db_table for model in (*SEEDED_MODELS, Entry)]
    return indexes.removable("default", tables)


@pytest.mark.parametrize("parallel", [False, True])
def test_a_failing_seed_says_why_and_leaves_every_index_in_place(monkeypatch, parallel):
    call_command("seed", "--orgs", str(ORGS), stdout=StringIO())
    before = _set_aside_now()
    assert {index.name for index in before} >= {"disclosure_org_newest", "event_timeline"}
    calls = itertools.count()
    real = synthetic.build

    def failing(*args, **kwargs):
        if next(calls) == 120:  # in the third batch: two are written by then
            raise ValueError("planted failure")
        return real(*args, **kwargs)

    monkeypatch.setattr(synthetic, "build", failing)  # a forked process inherits it
    with pytest.raises((ValueError, RuntimeError), match="planted failure"):
        synthetic.seed(500, using="default", seed=2, parallel=parallel, batch=50)
    assert Disclosure.objects.count() == 100
    assert _set_aside_now() == before


@pytest.mark.django_db(transaction=True)
def test_a_seed_outside_a_transaction_loads_without_checks_and_leaves_them_as_they_were():
    """Outside a transaction SQLite's foreign keys are off while the seed writes (with their
    indexes set aside too); they are on again after, and every key holds."""

    def foreign_keys() -> int | None:
        if connection.vendor != "sqlite":
            return None
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys")
            return cursor.fetchone()[0]

    call_command("seed", "--orgs", str(ORGS), stdout=StringIO())
    keys, before = foreign_keys(), _set_aside_now()
    summary = synthetic.seed(200, using="default", seed=6)
    assert summary.disclosures == Disclosure.objects.count() == 200
    assert foreign_keys() == keys and _set_aside_now() == before
    connection.check_constraints()  # raises IntegrityError for a key without its row
    assert verification.verify().ok
