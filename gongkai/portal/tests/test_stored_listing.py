"""An organization page's listing (what is new, on show, out for consultation and in the
catalog) is rendered once for the public and stored until it changes
(`gongkai.portal.stored`). Whatever changed it — a move of the workflow, the clock reaching
a scheduled moment, a decided exemption, the organization itself — the next anonymous
reader gets exactly what a fresh rendering shows at that moment, never the stored copy of
before; and nobody signed in is ever given the public copy."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from gongkai.catalog.models import Catalog, Scope
from gongkai.compliance import notices
from gongkai.console.tests.obligation_fixtures import at, generate, travel
from gongkai.disclosures import changes, workflow
from gongkai.disclosures.models import Disclosure, State
from gongkai.disclosures.tests.conftest import force_state, item_key
from gongkai.organizations.models import Organization
from gongkai.portal import stored

from .conftest import make_shown, published, reader
from .test_exemption_notice import decided

MINUTE = dt.timedelta(minutes=1)
STILL = dt.timedelta(0)


def served_and_fresh(moment: dt.datetime) -> tuple[str, stored.ListingParts]:
    """The anonymous page as served at `moment`, and the listing freshly rendered then."""
    with time_machine.travel(moment, tick=False):
        html = Client().get("/o/QS-01/").content.decode()
        org = stored.organizations().get(code="QS-01")
        now = timezone.now()
        shown = notices.shown_to(AnonymousUser(), org, timezone.localdate(now))
        fresh = stored.render_parts(org, AnonymousUser(), now, shown)
    return html, fresh


def current_page(moment: dt.datetime) -> str:
    """The anonymous page at `moment`, checked to hold the listing as rendered afresh."""
    html, fresh = served_and_fresh(moment)
    assert str(fresh.lead) in html
    assert str(fresh.catalog) in html
    return html


def new_draft(people: Any, tree: Any, title: str, local: str = "phones") -> Disclosure:
    catalog = Catalog.objects.get(organization=tree.village)
    return workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(catalog, local),
        title=title,
        body="<p>正文</p>",
    )


@dataclasses.dataclass
class Scene:
    people: Any
    tree: Any
    catalog: Catalog
    start: dt.datetime
    #: What the set-up made for the change to act on.
    subject: Any = None


@dataclasses.dataclass
class Change:
    #: Sets the scene before the page is first stored (returns the change's subject).
    before: Callable[[Scene], Any]
    #: Changes the listing; returns how far the clock then moves.
    change: Callable[[Scene], dt.timedelta]
    #: Text the page shows after the change only (before it only, with `gone`).
    text: str
    gone: bool = False


def _nothing(scene: Scene) -> None:
    return None


def _a_published(scene: Scene) -> Disclosure:
    return published(scene.people, new_draft(scene.people, scene.tree, "东岭村监督电话第一版"))


def _publish(scene: Scene) -> dt.timedelta:
    published(scene.people, new_draft(scene.people, scene.tree, "新公布的监督电话"))
    return STILL


def _correct(scene: Scene) -> dt.timedelta:
    workflow.correct(
        scene.subject, actor=scene.people.reviewer, reason="号码有误", title="更正后的监督电话",
        body="<p>更正</p>",
    )  # fmt: skip
    return STILL


def _withdraw(scene: Scene) -> dt.timedelta:
    workflow.withdraw(scene.subject, actor=scene.people.reviewer, reason="内容重复")
    return STILL


def _scheduled(scene: Scene) -> Disclosure:
    return published(
        scene.people,
        new_draft(scene.people, scene.tree, "定时发布的监督电话"),
        at=scene.start + 10 * MINUTE,
    )


def _on_show(scene: Scene) -> Disclosure:
    return make_shown(
        scene.people, scene.tree.village, scene.catalog, title="公示中的人选",
        publicity_until=scene.start + 10 * MINUTE,
    )  # fmt: skip


def _party_first(scene: Scene) -> Disclosure:
    return make_shown(
        scene.people, scene.tree.village, scene.catalog, title="先党内后公开的方案",
        public_from=scene.start + 10 * MINUTE,
    )  # fmt: skip


def _consulting(scene: Scene) -> Disclosure:
    draft = new_draft(scene.people, scene.tree, "征求意见的修缮方案", local="building")
    return force_state(
        draft, State.CONSULTATION, party_first=False, consultation_required=True,
        consultation_until=scene.start + 10 * MINUTE,
    )  # fmt: skip


def _open_consultation(scene: Scene) -> dt.timedelta:
    _consulting(scene)
    return STILL


def _eleven_minutes(scene: Scene) -> dt.timedelta:
    return 11 * MINUTE


CHANGES = {
    "published": Change(_nothing, _publish, "新公布的监督电话"),
    "corrected": Change(_a_published, _correct, "更正后的监督电话"),
    "withdrawn": Change(_a_published, _withdraw, "已撤回"),
    "a scheduled publication's minute": Change(_scheduled, _eleven_minutes, "定时发布的监督电话"),
    "a party-first item's public time": Change(_party_first, _eleven_minutes, "先党内后公开"),
    "a publicity period's end": Change(_on_show, _eleven_minutes, "正在公示", gone=True),
    "a consultation opened": Change(_nothing, _open_consultation, "征求意见的修缮方案"),
    "a consultation's close": Change(_consulting, _eleven_minutes, "征求意见的修缮方案", gone=True),
}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_after_any_change_the_public_gets_what_a_fresh_rendering_shows(
    name, people, tree, village_catalog
):
    case = CHANGES[name]
    start = timezone.now().replace(microsecond=0)
    scene = Scene(people, tree, village_catalog, start)
    with time_machine.travel(start, tick=False):
        scene.subject = case.before(scene)
    before = current_page(start)
    assert current_page(start) == before  # stored, and the same bytes
    with time_machine.travel(start + MINUTE, tick=False):
        moved = case.change(scene)
    after = current_page(start + MINUTE + moved)
    assert (case.text in before) == case.gone, name
    assert (case.text in after) != case.gone, name


def test_a_decided_exemption_reaches_the_stored_page_at_once(people, tree, catalogs):
    with travel(at(2026, 7, 2)):
        generate(dt.date(2026, 7, 2))
        before = reader(people, "anonymous").get("/o/QS-01/").content.decode()
        decided(people, tree, kind="exempt", scope="public")
        after = reader(people, "anonymous").get("/o/QS-01/").content.decode()
    assert "本期不予公开" not in before
    assert "本期不予公开" in after


def test_the_stored_copy_runs_none_of_the_listings_queries(people, tree, village_catalog):
    published(people, new_draft(people, tree, "东岭村监督电话"))
    client = Client()
    with CaptureQueriesContext(connection) as rendered:
        first = client.get("/o/QS-01/").content.decode()
    with CaptureQueriesContext(connection) as kept:
        second = client.get("/o/QS-01/").content.decode()
    assert first == second
    assert "disclosures_disclosure" in " ".join(q["sql"] for q in rendered.captured_queries)
    assert "disclosures_disclosure" not in " ".join(q["sql"] for q in kept.captured_queries)


def test_members_are_never_given_the_public_copy(people, shown):
    shown(scope=Scope.PARTY, title="党费收缴情况通报")
    shown(title="东岭村监督电话公告")
    anonymous = reader(people, "anonymous").get("/o/QS-01/").content.decode()
    assert "党费收缴情况通报" not in anonymous  # stored now, for the public
    member = reader(people, "member").get("/o/QS-01/").content.decode()
    assert "党费收缴情况通报" in member
    outsider = reader(people, "outsider").get("/o/QS-01/").content.decode()
    assert "党费收缴情况通报" not in outsider
    again = reader(people, "anonymous").get("/o/QS-01/").content.decode()
    assert "党费收缴情况通报" not in again


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, dt.datetime):
        return value + dt.timedelta(seconds=1)
    if value is None:
        return 1
    return f"{value}x"


def test_the_key_changes_with_every_column_of_the_organization(tree, village_catalog):
    """The organization decides which items apply (its kind, setting, place in the tree):
    any change to its row names another stored listing."""
    org = stored.organizations().get(pk=tree.village.pk)
    catalog = (org.listing_catalog, org.listing_catalog_version)  # type: ignore[attr-defined]
    key = stored.listing_key(org, catalog, {})
    for field in Organization._meta.concrete_fields:
        other = stored.organizations().get(pk=tree.village.pk)
        setattr(other, field.attname, _changed(getattr(other, field.attname)))
        assert stored.listing_key(other, catalog, {}) != key, field.name
    assert stored.listing_key(org, (catalog[0], (catalog[1] or 0) + 1), {}) != key
    with translation.override("en"):
        assert stored.listing_key(org, catalog, {}) != key
    assert stored.listing_key(org, catalog, {}) == key


def test_a_rendering_is_kept_no_later_than_the_next_scheduled_change(people, tree, shown):
    start = timezone.now().replace(microsecond=0)
    shown(title="即将期满的公示", publicity_until=start + dt.timedelta(seconds=90))
    with time_machine.travel(start, tick=False):
        first = Client().get("/o/QS-01/")
        again = Client().get("/o/QS-01/")  # the stored copy: the same bound
    for response in (first, again):
        assert "s-maxage=5" in response["Cache-Control"]
    with time_machine.travel(start + dt.timedelta(seconds=88), tick=False):
        late = Client().get("/o/QS-01/")
    assert "s-maxage=2" in late["Cache-Control"]
    assert changes.of_listing(tree.village.pk, start) == start + dt.timedelta(seconds=90)


def test_with_storing_off_every_public_request_renders_the_listing(people, tree, village_catalog):
    published(people, new_draft(people, tree, "东岭村监督电话"))
    client = Client()
    with override_settings(GONGKAI_STORED_LISTINGS=False):
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                html = client.get("/o/QS-01/").content.decode()
            assert "disclosures_disclosure" in " ".join(q["sql"] for q in queries.captured_queries)
            assert "东岭村监督电话" in html


def test_a_new_release_names_other_keys(tree, village_catalog, monkeypatch):
    org = stored.organizations().get(pk=tree.village.pk)
    catalog = (org.listing_catalog, org.listing_catalog_version)  # type: ignore[attr-defined]
    key = stored.listing_key(org, catalog, {})
    assert len(stored.code_digest()) == 16
    monkeypatch.setattr(stored, "code_digest", lambda: "another-release")
    assert stored.listing_key(org, catalog, {}) != key
