"""A draft out for consultation reaches its audience, and only them, and takes opinions."""

from __future__ import annotations

import pytest
from django.test import Client

from gongkai.conftest import client_for
from gongkai.disclosures import workflow
from gongkai.disclosures.models import Opinion
from gongkai.disclosures.tests.conftest import item_key


@pytest.fixture
def consulting(people, tree, village_catalog):  # type: ignore[no-untyped-def]
    d = workflow.create_disclosure(
        tree.village, actor=people.clerk, item_key=item_key(village_catalog, "building"),
        title="村委会办公楼修缮方案（征求意见稿）", body="<p>预算6.8万元，联系人13800138000</p>",
    )  # fmt: skip
    workflow.submit(d, actor=people.clerk)
    return workflow.open_consultation(d, actor=people.clerk, days=5)


def test_a_member_reads_the_draft_and_gives_an_opinion(people, consulting):
    client = client_for(people.member)
    assert "村委会办公楼修缮方案（征求意见稿）" in client.get("/").content.decode()
    page = client.get(f"/d/{consulting.pk}/consultation").content.decode()
    assert "预算6.8万元" in page and "138****8000" in page and "13800138000" not in page
    response = client.post(f"/d/{consulting.pk}/consultation", {"text": "建议公开比价结果"})
    assert response.status_code == 302
    assert Opinion.objects.get().author == people.member.display_name


@pytest.mark.parametrize("persona", ["anonymous", "outsider", "superior_reviewer"])
def test_nobody_outside_the_audience_sees_the_draft(people, consulting, persona):
    client = Client() if persona == "anonymous" else client_for(getattr(people, persona))
    assert client.get(f"/d/{consulting.pk}/consultation").status_code == 404
    assert client.post(f"/d/{consulting.pk}/consultation", {"text": "x"}).status_code == 404
    assert "征求意见稿" not in client.get("/").content.decode()
    assert not Opinion.objects.exists()


def test_an_empty_opinion_is_refused_and_a_long_one_keeps_what_was_typed(people, consulting):
    client = client_for(people.member)
    response = client.post(f"/d/{consulting.pk}/consultation", {"text": "  "})
    assert response.status_code == 400 and "请先填写意见" in response.content.decode()
    long_text = "意" * 2001
    response = client.post(f"/d/{consulting.pk}/consultation", {"text": long_text})
    assert response.status_code == 400 and long_text in response.content.decode()
    assert not Opinion.objects.exists()


def test_once_the_consultation_closes_the_draft_is_gone_from_view(people, consulting):
    from django.utils import timezone

    consulting.consultation_until = timezone.now()
    consulting.save(update_fields=["consultation_until"])
    workflow.close_consultation(consulting, actor=people.clerk)
    assert client_for(people.member).get(f"/d/{consulting.pk}/consultation").status_code == 404
