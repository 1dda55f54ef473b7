"""Refusals and missing pages speak Chinese and point somewhere useful."""

import pytest

from gongkai.conftest import client_for


@pytest.fixture(autouse=True)
def _production_pages(settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = False


def test_a_missing_page_says_so_in_chinese(db, client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_a_refusal_says_why_in_chinese(people):
    response = client_for(people.member).get("/console/")
    assert response.status_code == 403
    assert "您的账户没有工作人员职责" in response.content.decode()
