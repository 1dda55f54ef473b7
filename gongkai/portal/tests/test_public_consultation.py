"""A public-scope draft whose item requires consultation is consulted with the public: anyone,
without an account, on the portal and on the kiosk, reads it and gives an opinion, guarded
against abuse; a party-scope (or party-first) consultation stays inside; nothing of the draft
beyond its masked content reaches the public."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings

from gongkai.conftest import client_for
from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure, Event, Opinion
from gongkai.disclosures.tests.conftest import item_key
from gongkai.guard import challenge, limits
from gongkai.guard.models import Hit

BODY = "<p>村道硬化工程预算12万元，联系人13800138000</p>"


def _consulting(people, org, catalog, local: str, **fields) -> Disclosure:  # type: ignore[no-untyped-def]
    d = workflow.create_disclosure(
        org, actor=people.clerk, item_key=item_key(catalog, local),
        title="村道硬化工程方案（征求意见稿）", body=BODY,
    )  # fmt: skip
    Disclosure.objects.filter(pk=d.pk).update(**fields)
    d.refresh_from_db()
    workflow.submit(d, actor=people.clerk)
    d = workflow.open_consultation(d, actor=people.clerk, days=5)
    # A reviewer's working note on the draft: never shown to the public.
    Event.objects.filter(disclosure=d).update(reason="内部备注：造价偏高")
    return d


@pytest.fixture
def public_draft(people, tree, village_catalog):  # type: ignore[no-untyped-def]
    # 办公楼修缮 is public and requires consultation; here without the party-first lag.
    return _consulting(people, tree.village, village_catalog, "building", party_first=False)


@pytest.fixture
def party_draft(people, tree, village_catalog):  # type: ignore[no-untyped-def]
    return _consulting(
        people, tree.village, village_catalog, "building", scope="party", party_first=False
    )


def test_anyone_reads_a_public_consultation_and_gives_an_opinion(public_draft, tree):
    client = Client()
    start = client.get("/").content.decode()
    assert "村道硬化工程方案（征求意见稿）" in start and "向社会公开征求意见" in start
    org_page = client.get(f"/o/{tree.village.code}/").content.decode()
    assert f"/d/{public_draft.pk}/consultation" in org_page
    page = client.get(f"/d/{public_draft.pk}/consultation").content.decode()
    assert "预算12万元" in page and "138****8000" in page and "13800138000" not in page
    # Nothing else of the draft: no reviewer note, no handling of others, no account names.
    assert "内部备注" not in page
    response = client.post(
        f"/d/{public_draft.pk}/consultation",
        {"text": "<b>建议</b>公开施工单位", "author": "村民老李"},
    )
    assert response.status_code == 302
    opinion = Opinion.objects.get()
    assert (opinion.text, opinion.author, opinion.account) == ("建议公开施工单位", "村民老李", None)
    assert Event.objects.filter(action="opinion_received", role="public").count() == 1
    assert "已收到" in client.get(response["Location"]).content.decode()


def test_the_same_opinion_twice_is_kept_once(public_draft):
    client = Client()
    for _ in range(2):
        assert (
            client.post(f"/d/{public_draft.pk}/consultation", {"text": "路要修宽"}).status_code
            == 302
        )
    assert Opinion.objects.count() == 1


def test_the_kiosk_takes_opinions_on_public_consultations(public_draft, tree, people):
    # Even with a member signed in on the machine, the kiosk's opinions are the public's.
    client = client_for(people.member)
    url = f"/kiosk/{tree.village.code}/consultation/{public_draft.pk}"
    page = client.get(url).content.decode()
    assert 'class="kiosk"' in page and "预算12万元" in page
    assert client.post(url, {"text": "请在村口公示栏也贴出"}).status_code == 302
    assert Opinion.objects.get().account is None
    # The wrong organization's code is a 404.
    assert client.get(f"/kiosk/{tree.town.code}/consultation/{public_draft.pk}").status_code == 404


@pytest.mark.parametrize("persona", ["anonymous", "outsider"])
def test_a_party_scope_consultation_stays_inside(party_draft, tree, people, persona):
    client = Client() if persona == "anonymous" else client_for(people.outsider)
    assert client.get(f"/d/{party_draft.pk}/consultation").status_code == 404
    assert client.post(f"/d/{party_draft.pk}/consultation", {"text": "x"}).status_code == 404
    kiosk = f"/kiosk/{tree.village.code}/consultation/{party_draft.pk}"
    assert Client().get(kiosk).status_code == 404
    assert Client().post(kiosk, {"text": "x"}).status_code == 404
    assert "征求意见稿" not in client.get("/").content.decode()
    assert "征求意见稿" not in client.get(f"/o/{tree.village.code}/").content.decode()
    assert not Opinion.objects.exists()
    # Members still consult on it.
    member = client_for(people.member)
    assert member.post(f"/d/{party_draft.pk}/consultation", {"text": "同意"}).status_code == 302


def test_refusals_keep_what_was_typed(public_draft):
    client = Client()
    response = client.post(
        f"/d/{public_draft.pk}/consultation", {"text": "a\x00b", "author": "老王"}
    )
    assert response.status_code == 400
    assert "老王" in response.content.decode()
    long_text = "意" * 2001
    response = client.post(f"/d/{public_draft.pk}/consultation", {"text": long_text})
    assert response.status_code == 400 and long_text in response.content.decode()
    assert not Opinion.objects.exists()


def _solve(page: str) -> tuple[str, str]:
    token = re.search(r'name="guard_token" value="([^"]+)"', page)
    question = re.search(r'<label for="guard-answer">([^<]+)</label>', page)
    assert token and question
    a, b = (
        challenge.read_number(n) for n in re.findall("[零一二三四五六七八九十]+", question.group(1))
    )
    assert a is not None and b is not None
    return token.group(1), str(a - b if "减" in question.group(1) else a + b)


@override_settings(GUARD_LIMITS={"consultation": limits.Limit(4, 2, 1000, 3600)})
def test_past_the_soft_limit_the_challenge_then_429(public_draft):
    client = Client(REMOTE_ADDR="203.0.113.5")
    url = f"/d/{public_draft.pk}/consultation"
    for i in range(2):
        assert client.post(url, {"text": f"意见{i}"}).status_code == 302
    asked = client.post(url, {"text": "第三条意见", "author": "老张"})
    page = asked.content.decode()
    assert asked.status_code == 429
    assert "第三条意见" in page and "老张" in page and "请回答下面的问题" in page
    assert '<label for="guard-answer">' in page
    token, answer = _solve(page)
    # A wrong answer: refused, kept, a new question.
    wrong = client.post(url, {"text": "第三条意见", "guard_token": token, "guard_answer": "99"})
    assert wrong.status_code == 429 and "答案不对" in wrong.content.decode()
    assert "第三条意见" in wrong.content.decode()
    # Past the hard limit (4 attempts counted): refused with Retry-After, still kept.
    token, answer = _solve(wrong.content.decode())
    hard = client.post(url, {"text": "第三条意见", "guard_token": token, "guard_answer": answer})
    assert hard.status_code == 429 and int(hard["Retry-After"]) > 0
    assert "第三条意见" in hard.content.decode() and "稍后再试" in hard.content.decode()
    assert Opinion.objects.count() == 2
    assert Hit.objects.get(key="consultation:a:203.0.113.5").count == 5


@override_settings(GUARD_LIMITS={"consultation": limits.Limit(10, 1, 1000, 3600)})
def test_a_right_answer_stores_the_opinion(public_draft):
    client = Client(REMOTE_ADDR="203.0.113.6")
    url = f"/d/{public_draft.pk}/consultation"
    assert client.post(url, {"text": "第一条"}).status_code == 302
    token, answer = _solve(client.post(url, {"text": "第二条"}).content.decode())
    ok = client.post(url, {"text": "第二条", "guard_token": token, "guard_answer": answer})
    assert ok.status_code == 302
    replay = client.post(url, {"text": "第三条", "guard_token": token, "guard_answer": answer})
    assert replay.status_code == 429 and "已经回答过" in replay.content.decode()
    assert sorted(Opinion.objects.values_list("text", flat=True)) == ["第一条", "第二条"]
