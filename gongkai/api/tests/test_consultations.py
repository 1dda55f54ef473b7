"""The consultation API (征求意见): the same audience, masking and guard as the portal's
consultation page. The public sees and comments on public consultations only; a member sees
their organization's consultations inside the party too and comments by account."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import override_settings
from django.utils import timezone

from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure, Opinion
from gongkai.disclosures.tests.conftest import item_key
from gongkai.guard import challenge, limits

from .conftest import ApiClient

BODY = "<p>村道硬化工程预算12万元，联系人13800138000，身份证11010519491231002X</p>"
TITLE = "村道硬化工程方案（征求意见稿）"


def _consulting(people, org, catalog, **fields) -> Disclosure:  # type: ignore[no-untyped-def]
    d = workflow.create_disclosure(
        org, actor=people.clerk, item_key=item_key(catalog, "building"), title=TITLE, body=BODY
    )
    Disclosure.objects.filter(pk=d.pk).update(party_first=False, **fields)
    d.refresh_from_db()
    workflow.submit(d, actor=people.clerk)
    return workflow.open_consultation(d, actor=people.clerk, days=5)


@pytest.fixture
def public_draft(people, tree, village_catalog):  # type: ignore[no-untyped-def]
    return _consulting(people, tree.village, village_catalog)


@pytest.fixture
def party_draft(people, tree, village_catalog):  # type: ignore[no-untyped-def]
    return _consulting(people, tree.village, village_catalog, scope="party")


def _ids(client: ApiClient, **params: str) -> list[int]:
    response = client.get("/consultations/", **params)
    assert response.status_code == 200
    return [c["id"] for c in response.json()["results"]]


def test_the_public_sees_and_comments_on_a_public_consultation(public_draft, party_draft, tree):
    client = ApiClient()
    assert _ids(client) == [public_draft.pk]
    assert _ids(client, organization=tree.village.code) == [public_draft.pk]
    assert _ids(client, organization=tree.town.code) == []
    one = client.get(f"/consultations/{public_draft.pk}").json()
    assert one["public"] and one["open"] and one["mine"] == []
    assert one["url"] == f"/d/{public_draft.pk}/consultation"
    assert one["organization_code"] == tree.village.code
    response = client.post(
        f"/consultations/{public_draft.pk}/opinions",
        {"text": "<b>建议</b>公开施工单位", "author": "村民老李"},
    )
    assert response.status_code == 201 and response.json()["duplicate"] is False
    assert "已收到" in response.json()["detail"]
    opinion = Opinion.objects.get()
    assert (opinion.text, opinion.author, opinion.account) == ("建议公开施工单位", "村民老李", None)


def test_a_party_consultation_is_a_404_to_the_public(party_draft, people):
    for client in (ApiClient(), ApiClient(people.outsider)):
        assert _ids(client) == []
        missing = client.get("/consultations/999999")
        hidden = client.get(f"/consultations/{party_draft.pk}")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()
        posted = client.post(f"/consultations/{party_draft.pk}/opinions", {"text": "同意"})
        assert posted.status_code == 404
    assert not Opinion.objects.exists()


def test_a_member_sees_their_party_consultations_and_comments_by_account(
    public_draft, party_draft, people
):
    member = ApiClient(people.member)
    assert sorted(_ids(member)) == sorted([public_draft.pk, party_draft.pk])
    one = member.get(f"/consultations/{party_draft.pk}").json()
    assert one["public"] is False
    response = member.post(
        f"/consultations/{party_draft.pk}/opinions", {"text": "同意", "author": "别人的名字"}
    )
    assert response.status_code == 201
    opinion = Opinion.objects.get()
    assert opinion.account == people.member and opinion.author == people.member.display_name
    mine = member.get(f"/consultations/{party_draft.pk}").json()["mine"]
    assert [m["text"] for m in mine] == ["同意"]


def test_the_draft_is_masked_as_the_portal_shows_it(public_draft, anonymous):
    listed = anonymous.get("/consultations/").json()["results"][0]
    one = anonymous.get(f"/consultations/{public_draft.pk}").json()
    for shown in (listed, one):
        body = shown["content"]["body"]
        assert "预算12万元" in body and "138****8000" in body
        assert "13800138000" not in body and "11010519491231002X" not in body
        assert shown["title"] == TITLE
    # The ID number and the phone number masked the same way as on the portal's page.
    assert "1101**********002X" in one["content"]["body"]
    page = anonymous.client.get(f"/d/{public_draft.pk}/consultation").content.decode()
    assert "1101**********002X" in page and "138****8000" in page
    assert "11010519491231002X" not in page


@override_settings(GUARD_LIMITS={"consultation": limits.Limit(4, 2, 1000, 3600)})
def test_the_guard_asks_its_question_then_refuses_with_429(public_draft):
    client = ApiClient()
    url = f"/consultations/{public_draft.pk}/opinions"
    for i in range(2):
        assert client.post(url, {"text": f"意见{i}"}).status_code == 201
    asked = client.post(url, {"text": "第三条意见"})
    assert asked.status_code == 429 and "请回答下面的问题" in asked.json()["detail"]
    body = asked.json()
    numbers = re.findall("[零一二三四五六七八九十]+", body["question"])
    a, b = (challenge.read_number(n) for n in numbers)
    assert a is not None and b is not None
    answer = str(a - b if "减" in body["question"] else a + b)
    client.headers |= {"X-Guard-Token": body["guard_token"], "X-Guard-Answer": answer}
    assert client.post(url, {"text": "第三条意见"}).status_code == 201
    # Past the hard limit: refused with Retry-After and a sentence in Chinese.
    hard = client.post(url, {"text": "第四条意见"})
    assert hard.status_code == 429 and int(hard["Retry-After"]) > 0
    assert "稍后再试" in hard.json()["detail"]
    assert Opinion.objects.count() == 3


def test_the_same_opinion_twice_is_stored_once(public_draft, anonymous):
    url = f"/consultations/{public_draft.pk}/opinions"
    first = anonymous.post(url, {"text": "路要修宽"})
    again = anonymous.post(url, {"text": "路要修宽！"})
    assert first.status_code == 201
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert "不再重复记录" in again.json()["detail"]
    assert Opinion.objects.count() == 1


@pytest.mark.parametrize(
    ("text", "status"), [("a\x00b", 422), ("意" * 2001, 422), ("   ", 400), ("<p></p>", 400)]
)
def test_bad_text_gets_a_chinese_message(public_draft, anonymous, text, status):
    response = anonymous.post(f"/consultations/{public_draft.pk}/opinions", {"text": text})
    assert response.status_code == status
    assert re.search("[\u4e00-\u9fff]", response.json()["detail"])
    assert not Opinion.objects.exists()


def test_a_closed_window_is_refused(public_draft, people, anonymous):
    Disclosure.objects.filter(pk=public_draft.pk).update(
        consultation_until=timezone.now() - dt.timedelta(minutes=1)
    )
    assert _ids(anonymous) == []
    assert anonymous.get(f"/consultations/{public_draft.pk}").json()["open"] is False
    for client in (anonymous, ApiClient(people.member)):
        response = client.post(f"/consultations/{public_draft.pk}/opinions", {"text": "晚了"})
        assert response.status_code == 400
        assert re.search("[\u4e00-\u9fff]", response.json()["detail"])
    assert not Opinion.objects.exists()
    # A corrected resend after the refusal is not taken for a copy (the claim was undone).
    Disclosure.objects.filter(pk=public_draft.pk).update(consultation_until=None)
    assert (
        anonymous.post(f"/consultations/{public_draft.pk}/opinions", {"text": "晚了"}).status_code
        == 201
    )
