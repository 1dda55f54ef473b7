"""The topic-request endpoints do what the pages do: members propose and support, the
handling staff answer; texts masked, the proposer named to the handling staff only, refusals
in Chinese."""

from __future__ import annotations

import re

from gongkai.topics.models import Outcome, TopicRequest

from .conftest import item_key

PHONE = "13812345678"
CHINESE = re.compile("[\u4e00-\u9fff]")


def _propose(client, title="公开集体经济收支", description=f"联系{PHONE}"):  # type: ignore[no-untyped-def]
    return client.post(
        "/topics/", {"organization": "QS-01", "title": title, "description": description}
    )


def test_a_member_proposes_and_another_supports(as_person, people):
    answer = _propose(as_person("member"))
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["proposer"] == "党员" and PHONE not in body["description"]
    supported = as_person("clerk").post(f"/topics/{body['id']}/support")
    assert supported.status_code == 200
    assert supported.json()["support_count"] == 1 and supported.json()["supported"]
    # the clerk, handling staff, sees who proposed it
    assert supported.json()["proposer"] == people.member.display_name
    back = as_person("clerk").post(f"/topics/{body['id']}/unsupport")
    assert back.json()["support_count"] == 0


def test_the_list_is_for_members_and_answers_in_scope_for_others(as_person, anonymous):
    made = _propose(as_person("member")).json()
    listed = as_person("member").get("/topics/", organization="QS-01").json()
    assert [t["id"] for t in listed["results"]] == [made["id"]]
    assert anonymous.get("/topics/", organization="QS-01").json()["count"] == 0
    assert anonymous.get(f"/topics/{made['id']}").status_code == 404
    declined = as_person("clerk").post(
        f"/topics/{made['id']}/decline", {"reason": "已另行公开", "echo_scope": "public"}
    )
    assert declined.status_code == 200 and declined.json()["outcome"] == Outcome.DECLINED
    seen = anonymous.get(f"/topics/{made['id']}").json()
    assert seen["answer"] == "已另行公开" and seen["proposer"] == "党员"


def test_bad_input_is_refused_in_chinese(as_person):
    for title, description in (("a\x00b", ""), ("x" * 101, ""), ("标题", "y" * 2001), ("", "")):
        answer = _propose(as_person("member"), title, description)
        assert answer.status_code in (400, 422)
        assert CHINESE.search(answer.json()["detail"])
    assert not TopicRequest.objects.exists()


def test_outsiders_and_members_cannot_answer(as_person):
    made = _propose(as_person("member")).json()
    refused = as_person("member").post(f"/topics/{made['id']}/decline", {"reason": "不"})
    assert refused.status_code == 403 and CHINESE.search(refused.json()["detail"])
    assert as_person("outsider").post(f"/topics/{made['id']}/support").status_code == 404
    assert _propose(as_person("outsider")).status_code == 403


def test_staff_accept_as_item_and_as_disclosure(as_person, village_catalog):
    one = _propose(as_person("member"), "甲").json()
    two = _propose(as_person("member"), "乙").json()
    item = as_person("office").post(
        f"/topics/{one['id']}/accept-item", {"answer": "列入目录", "item_scope": "public"}
    )
    assert item.status_code == 200, item.json()
    assert item.json()["item_key"]
    drafted = as_person("clerk").post(
        f"/topics/{two['id']}/accept-disclosure",
        {"answer": "将公开", "item_key": item_key(village_catalog, "dues")},
    )
    assert drafted.status_code == 200, drafted.json()
    assert drafted.json()["disclosure"] is not None


def test_merge(as_person):
    one = _propose(as_person("member"), "甲").json()
    two = _propose(as_person("member"), "乙").json()
    merged = as_person("clerk").post(
        f"/topics/{two['id']}/merge", {"into": one["id"], "answer": "合并"}
    )
    assert merged.status_code == 200 and merged.json()["merged_into"] == one["id"]
