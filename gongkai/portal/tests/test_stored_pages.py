"""The organization and disclosure pages are kept for the public under a digest of what their
templates are given (`gongkai.web.stored_pages`). After any change the next anonymous reader
gets exactly the bytes a fresh rendering gives; signed-in readers never get the public copy;
what the digest cannot cover is rendered every time."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from gongkai.conftest import make_org
from gongkai.disclosures import workflow
from gongkai.organizations.models import Organization
from gongkai.web import stored_pages

from .conftest import make_shown, reader
from .test_stored_listing import new_draft, published


def get(client: Client, url: str) -> tuple[str, bool]:
    """The page's HTML and whether a template was rendered for it (False: the kept copy)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode(), bool(response.templates)


def fresh(url: str, client: Client | None = None) -> str:
    with override_settings(GONGKAI_STORED_LISTINGS=False):
        return get(client or Client(), url)[0]


def _rename(code: str, name: str) -> Callable[[Any, Any, Any], str]:
    def change(people: Any, tree: Any, subject: Any) -> str:
        Organization.objects.filter(code=code).update(name=name)  # no signal, no counter
        return name

    return change


def _child(people: Any, tree: Any, subject: Any) -> str:
    make_org("QS-01-A", "东岭村第一党小组", Organization.Kind.BRANCH, tree.village)
    return "东岭村第一党小组"


def _phone(people: Any, tree: Any, subject: Any) -> str:
    Organization.objects.filter(pk=tree.village.pk).update(supervision_phone="0871-6666 8888")
    return "0871-6666 8888"


def _publish(people: Any, tree: Any, subject: Any) -> str:
    published(people, new_draft(people, tree, "新公布的监督电话"))
    return "新公布的监督电话"


def _withdraw(people: Any, tree: Any, subject: Any) -> str:
    workflow.withdraw(subject, actor=people.reviewer, reason="内容重复")
    return "内容重复"


def _withdraw_listed(people: Any, tree: Any, subject: Any) -> str:
    _withdraw(people, tree, subject)
    return "已撤回"  # the listing marks it; the reason is on its own page


def _correct(people: Any, tree: Any, subject: Any) -> str:
    workflow.correct(
        subject,
        actor=people.reviewer,
        reason="号码有误",
        title="更正后的监督电话",
        body="<p>更正</p>",
    )
    return "更正后的监督电话"


CHANGES = {
    # (page, change): the organization page
    ("organization", "renamed"): _rename("QS-01", "东岭村党总支"),
    ("organization", "a superior renamed"): _rename("QS", "青石镇委员会"),
    ("organization", "a child added"): _child,
    ("organization", "its phone changed"): _phone,
    ("organization", "a disclosure published"): _publish,
    ("organization", "a disclosure withdrawn"): _withdraw_listed,
    # the disclosure page
    ("disclosure", "withdrawn"): _withdraw,
    ("disclosure", "corrected"): _correct,
    ("disclosure", "its organization renamed"): _rename("QS-01", "东岭村党总支"),
}


@pytest.mark.parametrize(("page", "name"), sorted(CHANGES))
def test_after_a_change_the_public_gets_the_bytes_of_a_fresh_rendering(
    page, name, people, tree, village_catalog
):
    subject = published(people, new_draft(people, tree, "东岭村监督电话第一版"))
    url = "/o/QS-01/" if page == "organization" else f"/d/{subject.pk}/"
    client = Client()
    first, rendered = get(client, url)
    assert rendered
    again, rendered = get(client, url)
    assert (again, rendered) == (first, False)  # kept: the same bytes, no template
    text = CHANGES[page, name](people, tree, subject)
    after, _ = get(client, url)
    assert text in after and text not in first
    assert after == fresh(url)
    assert get(client, url) == (after, False)


def test_a_kept_public_page_is_never_given_to_a_member(people, tree, village_catalog):
    make_shown(people, tree.village, village_catalog, scope="party", title="党内公开的党费收缴")
    public, _ = get(Client(), "/o/QS-01/")
    assert get(Client(), "/o/QS-01/") == (public, False)
    member = reader(people, "member")
    for _ in range(2):
        html, rendered = get(member, "/o/QS-01/")
        assert rendered and "党内公开的党费收缴" in html
    assert "党内公开的党费收缴" not in public
    assert get(Client(), "/o/QS-01/") == (public, False)


def test_another_address_is_another_page(people, tree, village_catalog):
    get(Client(), "/o/QS-01/")
    assert get(Client(), "/o/QS-01/")[1] is False
    assert get(Client(), "/o/QS-01/?from=board")[1] is True


def _request(messages: tuple[str, ...] = ()) -> Any:
    request = RequestFactory().get("/o/QS-01/")
    request.user = AnonymousUser()
    request.session = {}  # type: ignore[assignment]
    storage = FallbackStorage(request)
    for text in messages:
        storage.add(20, text)
    request._messages = storage  # type: ignore[attr-defined]
    return request


LOCMEM = {"t.html": "<p>{{ org.name }}</p>", "lazy.html": "<p>{{ org.parent.name }}</p>"}


@pytest.fixture
def templates(settings):  # type: ignore[no-untyped-def]
    engines = copy.deepcopy(settings.TEMPLATES)
    engines[0]["APP_DIRS"] = False
    engines[0]["OPTIONS"]["loaders"] = [("django.template.loaders.locmem.Loader", LOCMEM)]
    settings.TEMPLATES = engines


def _kept(template: str, context: dict[str, Any], **kwargs: Any) -> bool:
    stored_pages.render_stored(_request(), template, context, until=None, **kwargs)
    key = stored_pages.page_key(_request(), template, context, ("now",))
    from django.core.cache import cache

    return key is not None and cache.get(key) is not None


def test_what_the_digest_cannot_cover_is_rendered_every_time(tree, templates):
    village = Organization.objects.get(pk=tree.village.pk)
    assert _kept("t.html", {"org": village})
    # A value of a type the digest cannot read.
    assert not _kept("t.html", {"org": village, "thing": object()})
    # The template read the database (the superior, not read with the organization).
    assert not _kept("lazy.html", {"org": Organization.objects.get(pk=tree.village.pk)})
    # A message waiting for this reader.
    assert stored_pages.page_key(_request(("已收到",)), "t.html", {"org": village}, ()) is None
    # A moment already past.
    past = timezone.now() - dt.timedelta(seconds=1)
    stored_pages.render_stored(_request(), "t.html", {"org": tree.town}, until=past)
    from django.core.cache import cache

    assert cache.get(stored_pages.page_key(_request(), "t.html", {"org": tree.town}, ())) is None


def test_the_digest_holds_every_loaded_field_and_related_object(tree):
    state = stored_pages.state_of
    village = Organization.objects.select_related("parent").get(pk=tree.village.pk)
    before = state({"org": village, "now": timezone.now()})
    changed = copy.copy(village)
    changed.supervision_phone = "12345"
    assert state({"org": changed}) != state({"org": village})
    village.parent.name = "改名"
    assert state({"org": village}) != before
    # The clock is left out by name only where the caller says so.
    now = timezone.now()
    assert state({"now": now}) != state({"now": now + dt.timedelta(seconds=1)})


def test_a_kept_page_is_never_served_past_the_one_rule(people, tree, village_catalog):
    """The kept copy is looked up only after the view's visibility check: a disclosure that is
    no longer visible answers 404 though its page was kept, and a party-internal one a member
    has read is never kept for, nor served to, an outsider."""
    from gongkai.disclosures.models import State
    from gongkai.disclosures.tests.conftest import force_state

    shown = make_shown(people, tree.village, village_catalog, title="公开后退回的事项")
    url = f"/d/{shown.pk}/"
    get(Client(), url)
    assert get(Client(), url)[1] is False  # kept
    force_state(shown, State.DRAFT)
    assert Client().get(url).status_code == 404
    inside = make_shown(people, tree.village, village_catalog, scope="party", title="党内事项")
    member = reader(people, "member")
    for _ in range(2):
        html, rendered = get(member, f"/d/{inside.pk}/")
        assert rendered and "党内事项" in html
    for outsider in (Client(), reader(people, "outsider")):
        response = outsider.get(f"/d/{inside.pk}/")
        assert response.status_code == 404 and "党内事项" not in response.content.decode()
