"""The portal's forms and addresses never answer 500, on SQLite and PostgreSQL: an opinion
with a NUL, a lone surrogate or 100,000 characters is refused in Chinese with the text kept;
addresses and searches with hostile text answer 4xx or a page."""

from __future__ import annotations

import contextlib
import urllib.parse
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from gongkai.conftest import client_for
from gongkai.disclosures import workflow
from gongkai.disclosures.models import Opinion
from gongkai.disclosures.tests.conftest import item_key
from gongkai.validation.tests.strategies import (
    FUZZ,
    chinese,
    has_surrogate,
    hostile_text,
    post_form,
)


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def consulting(people, tree, village_catalog):  # type: ignore[no-untyped-def]
    d = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "building"),
        title="村委会办公楼修缮方案（征求意见稿）",
        body="<p>预算6.8万元</p>",
    )
    workflow.submit(d, actor=people.clerk)
    return workflow.open_consultation(d, actor=people.clerk, days=5)


@FUZZ
@given(text=hostile_text(300), persona=st.sampled_from(["member", "anonymous", "outsider"]))
def test_the_opinion_form_never_answers_500(people, consulting, text, persona):
    client = Client() if persona == "anonymous" else client_for(getattr(people, persona))
    with rolled_back():
        response = post_form(client, f"/d/{consulting.pk}/consultation", {"text": text})
        assert response.status_code < 500
        if persona != "member":
            assert response.status_code == 404
        elif response.status_code == 400:
            html = response.content.decode()
            assert chinese(html)
            if text.strip() and not has_surrogate(text):
                assert escape(text) in html
        else:
            assert response.status_code == 302
            assert Opinion.objects.filter(disclosure=consulting).exists()


def test_a_nul_in_an_opinion_is_refused_not_a_server_error(people, consulting):
    client = client_for(people.member)
    response = post_form(client, f"/d/{consulting.pk}/consultation", {"text": "同意\x00方案"})
    assert response.status_code == 400
    assert "空字符" in response.content.decode()
    assert not Opinion.objects.exists()


@FUZZ
@given(text=hostile_text(40), persona=st.sampled_from(["member", "anonymous"]))
def test_portal_addresses_never_answer_500(people, tree, text, persona):
    client = Client() if persona == "anonymous" else client_for(getattr(people, persona))
    quoted = urllib.parse.quote(text, safe="", errors="surrogatepass")
    for url in (
        f"/search?q={quoted}",
        f"/o/{quoted}/",
        f"/o/{quoted}/children",
        f"/o/QS-01/items/{quoted}/",
        f"/o/QS-01/items/x/?page={quoted}",
    ):
        assert client.get(url).status_code < 500, url


@FUZZ
@given(username=hostile_text(60), password=hostile_text(60))
def test_signing_in_with_hostile_text_never_answers_500(people, username, password):
    with rolled_back():
        response = post_form(
            Client(), "/accounts/login/", {"username": username, "password": password}
        )
        assert response.status_code < 500
