"""The pages: 我要留言 on the portal and the kiosk, the receipt, the tracking page and its vote,
the echo wall, the console's list and detail; the guard's refusal keeps what was typed."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from gongkai.catalog.models import Scope
from gongkai.conftest import client_for
from gongkai.engagement import services
from gongkai.engagement.models import Opinion, State
from gongkai.guard import limits

from .conftest import NAME, PHONE, dues_table, item_key, send

pytestmark = pytest.mark.django_db


def post_opinion(client, code, **data):  # type: ignore[no-untyped-def]
    form = {"kind": "suggestion", "text": "村里路灯坏了", "sender_name": "", "sender_contact": ""}
    return client.post(f"/o/{code}/opinion", {**form, **data})


def test_send_from_the_portal_receipt_and_track(people, tree):
    client = Client()
    assert "我要留言" in client.get(f"/o/{tree.village.code}/").content.decode()
    page = client.get(f"/o/{tree.village.code}/opinion")
    assert page.status_code == 200
    response = post_opinion(client, tree.village.code, sender_name=NAME, sender_contact=PHONE)
    assert response.status_code == 302 and response["Location"] == "/opinions/receipt"
    opinion = Opinion.objects.get()
    assert opinion.channel == "portal" and opinion.sender_name == NAME
    receipt = client.get("/opinions/receipt").content.decode()
    assert opinion.code_display in receipt and NAME not in receipt and PHONE not in receipt
    # Another browser has no receipt.
    assert Client().get("/opinions/receipt").status_code == 404
    tracked = client.post("/track/", {"code": opinion.code_display.lower()})
    body = tracked.content.decode()
    assert tracked.status_code == 200 and "村里路灯坏了" in body and "已收到" in body
    assert Client().post("/track/", {"code": "0000-0000-0000"}).status_code == 404
    assert Client().post("/track/", {"code": "a\x00b"}).status_code == 400


def test_signed_in_member_is_the_account(people, tree):
    post_opinion(client_for(people.member), tree.village.code)
    assert Opinion.objects.get().account == people.member


def test_opinion_about_an_item_or_a_disclosure(people, tree, village_catalog):
    d = dues_table(people, tree, village_catalog)
    client = Client()
    page = client.get(f"/d/{d.pk}/").content.decode()
    assert f"/o/{tree.village.code}/opinion?disclosure={d.pk}" in page
    assert (
        "党费收缴情况"
        in client.get(f"/o/{tree.village.code}/opinion?disclosure={d.pk}").content.decode()
    )
    post_opinion(client, tree.village.code, disclosure=str(d.pk))
    assert Opinion.objects.get().disclosure == d
    # A disclosure of another organization is ignored, not attached.
    post_opinion(client, tree.sibling_village.code, disclosure=str(d.pk))
    assert Opinion.objects.filter(organization=tree.sibling_village).get().disclosure is None
    key = item_key(village_catalog, "phones")
    post_opinion(client, tree.village.code, item=key)
    assert Opinion.objects.filter(item_key=key).exists()


def test_bad_input_gives_chinese_messages_never_500(tree):
    client = Client()
    for data in ({"text": ""}, {"text": "x" * 2001}, {"text": "a\x00b"}, {"kind": "x"},
                 {"sender_name": "名" * 51}):  # fmt: skip
        response = post_opinion(client, tree.village.code, **data)
        assert response.status_code == 200
        assert '<span class="error"' in response.content.decode()
    assert not Opinion.objects.exists()
    assert Client().get("/o/nope/opinion").status_code == 404
    assert Client().get("/o/a%00b/opinion").status_code in (400, 404)


@override_settings(GUARD_LIMITS={"opinion": limits.Limit(2, 2, 100, 3600)})
def test_a_refusal_keeps_what_was_typed(tree):
    client = Client()
    for _ in range(2):
        post_opinion(client, tree.village.code)
    refused = post_opinion(client, tree.village.code, text="第三条意见，内容保留")
    assert refused.status_code == 429 and "Retry-After" in refused
    assert "第三条意见，内容保留" in refused.content.decode()
    assert Opinion.objects.count() == 2


def answered(people, tree, scope=Scope.PUBLIC):  # type: ignore[no-untyped-def]
    opinion = send(tree.village, sender_name=NAME, sender_contact=PHONE)
    services.answer(opinion, actor=people.clerk, text="已核对，表格无误。")
    services.publish(opinion, actor=people.clerk, scope=scope)
    return opinion


def test_echo_wall_and_vote(people, tree):
    opinion = answered(people, tree)
    wall = Client().get(f"/o/{tree.village.code}/echo/").content.decode()
    assert "已核对，表格无误。" in wall and NAME not in wall and PHONE not in wall
    client = Client()
    voted = client.post("/track/", {"code": opinion.tracking_code, "rating": "basically"})
    assert voted.status_code == 200 and "基本满意" in voted.content.decode()
    again = client.post("/track/", {"code": opinion.tracking_code, "rating": "dissatisfied"})
    assert "已经评价" in again.content.decode() or "已评价" in again.content.decode()
    assert Opinion.objects.get().rating == "basically"
    bad = client.post("/track/", {"code": opinion.tracking_code, "rating": "x"})
    assert bad.status_code == 404 or bad.status_code == 400


def test_party_scope_wall_is_for_members(people, tree):
    answered(people, tree, scope=Scope.PARTY)
    assert "已核对" not in Client().get(f"/o/{tree.village.code}/echo/").content.decode()
    member = client_for(people.member).get(f"/o/{tree.village.code}/echo/").content.decode()
    assert "已核对" in member


def test_kiosk_pages(people, tree, village_catalog):
    d = dues_table(people, tree, village_catalog)
    client = Client()
    home = client.get(f"/kiosk/{tree.village.code}/").content.decode()
    assert "党费收缴情况" in home and f"/kiosk/{tree.village.code}/d/{d.pk}/" in home
    assert client.get(f"/kiosk/{tree.village.code}/d/{d.pk}/").status_code == 200
    assert client.get(f"/kiosk/{tree.sibling_village.code}/d/{d.pk}/").status_code == 404
    sent = client.post(
        f"/kiosk/{tree.village.code}/opinion",
        {"kind": "inquiry", "text": "党费表什么时候更新？", "sender_contact": PHONE},
    )
    assert sent.status_code == 302
    opinion = Opinion.objects.get()
    assert opinion.channel == "kiosk" and opinion.account is None
    receipt = client.get(sent["Location"]).content.decode()
    assert opinion.code_display in receipt and PHONE not in receipt
    # Shown once: the next person at the kiosk cannot find it.
    assert client.get(sent["Location"]).status_code == 404
    services.answer(opinion, actor=people.clerk, text="本月底更新。")
    services.publish(opinion, actor=people.clerk)
    track = client.post(f"/kiosk/{tree.village.code}/track", {"code": opinion.tracking_code})
    assert "本月底更新。" in track.content.decode()
    client.post(
        f"/kiosk/{tree.village.code}/track", {"code": opinion.tracking_code, "rating": "satisfied"}
    )
    assert Opinion.objects.get().rating == "satisfied"
    echo = client.get(f"/kiosk/{tree.village.code}/echo/").content.decode()
    assert "本月底更新。" in echo and PHONE not in echo


def test_console_list_detail_and_actions(people, tree):
    opinion = send(tree.village, sender_name=NAME, sender_contact=PHONE)
    clerk = client_for(people.clerk)
    listing = clerk.get("/console/opinions/").content.decode()
    assert opinion.code_display in listing
    assert "/console/opinions/" in clerk.get("/console/").content.decode()
    detail = clerk.get(f"/console/opinions/{opinion.pk}/").content.decode()
    assert NAME in detail and PHONE in detail
    url = f"/console/opinions/{opinion.pk}/act/"
    assert clerk.post(url + "triage", {"state": "spam"}).status_code == 400
    assert clerk.post(url + "assign", {"assigned_to": people.reviewer.pk}).status_code == 302
    assert clerk.post(url + "answer", {"answer": "a\x00"}).status_code == 400
    assert clerk.post(url + "answer", {"answer": "已处理"}).status_code == 302
    assert clerk.post(url + "publish", {"scope": "public"}).status_code == 302
    assert clerk.post(url + "nonsense").status_code == 404
    opinion.refresh_from_db()
    assert opinion.state == State.ANSWERED and opinion.published
    # Other staff: not theirs to see.
    for person in (people.supervisor, people.superior_reviewer):
        assert client_for(person).get(f"/console/opinions/{opinion.pk}/").status_code == 404
    assert client_for(people.office).get(f"/console/opinions/{opinion.pk}/").status_code == 200
    assert (
        opinion.code_display
        not in client_for(people.supervisor).get("/console/opinions/").content.decode()
    )
    overdue = clerk.get("/console/opinions/?overdue=1&state=open&org=QS-01").content.decode()
    assert opinion.code_display not in overdue


def test_the_to_do_list_shows_open_opinions(people, tree):
    opinion = send(tree.village)
    page = client_for(people.clerk).get("/console/todo/").content.decode()
    assert 'id="opinions"' in page and opinion.code_display in page
    assert (
        'id="opinions"' not in client_for(people.supervisor).get("/console/todo/").content.decode()
    )
    services.answer(opinion, actor=people.clerk, text="已答复")
    assert 'id="opinions"' not in client_for(people.clerk).get("/console/todo/").content.decode()


def test_the_console_passes_an_opinion_on(people, tree):
    opinion = send(tree.town)
    office = client_for(people.office)
    page = office.get(f"/console/opinions/{opinion.pk}/").content.decode()
    assert tree.village.name in page
    url = f"/console/opinions/{opinion.pk}/act/pass_on"
    assert office.post(url, {"pass-to": tree.unrelated_village.code}).status_code == 400
    assert (
        office.post(url, {"pass-to": tree.village.code, "pass-reason": "村级事务"}).status_code
        == 302
    )
    opinion.refresh_from_db()
    assert opinion.responsible == tree.village


def test_the_kiosk_does_not_leave_the_code_in_the_box(people, tree):
    opinion = send(tree.village)
    page = Client().post(f"/kiosk/{tree.village.code}/track", {"code": opinion.tracking_code})
    assert f'value="{opinion.tracking_code}"' not in page.content.decode().split("</form>")[0]


def test_the_wall_shows_answered_topic_requests_to_their_scope(people, tree):
    from gongkai.topics import services as topics

    public = topics.propose(tree.village, actor=people.member, title="公开村集体资产出租情况")
    topics.decline(
        public,
        actor=people.clerk,
        reason="已在村务公开栏公布，电话13912345678",
        echo_scope=Scope.PUBLIC,
    )
    inside = topics.propose(tree.village, actor=people.member, title="公开党费使用明细")
    topics.decline(inside, actor=people.clerk, reason="下季度起按季公开", echo_scope=Scope.PARTY)
    for url in (f"/o/{tree.village.code}/echo/", f"/kiosk/{tree.village.code}/echo/"):
        anonymous = Client().get(url).content.decode()
        assert "公开村集体资产出租情况" in anonymous and "已在村务公开栏公布" in anonymous
        assert "13912345678" not in anonymous and "王党员" not in anonymous
        assert "公开党费使用明细" not in anonymous
    member = client_for(people.member).get(f"/o/{tree.village.code}/echo/").content.decode()
    assert "公开党费使用明细" in member and "下季度起按季公开" in member
