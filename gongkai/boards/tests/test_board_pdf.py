"""The printed board: each size renders Chinese that can be read back, the codes decode to
exactly the pages of the disclosures shown, and the paper is the size it says."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gongkai.boards.content import CAPACITY
from gongkai.boards.models import Size
from gongkai.boards.tests.conftest import page_sizes_mm, pdf_text, qr_codes
from gongkai.catalog.models import Scope
from gongkai.conftest import client_for
from gongkai.disclosures.models import State

pytestmark = pytest.mark.django_db

BASE = "http://testserver"
TITLES = ("东岭村党员名单公示", "东岭村监督电话及举报方式", "东岭村党员活动室开放时间")
PHONE = "0871-6123401"
EXPECTED_MM = {"A4": (297, 210), "A3": (420, 297), "A1": (841, 594)}


def board(client: Client, size: str, path: str = "/o/QS-01/board.pdf") -> bytes:
    response = client.get(path, {"size": size})
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    return response.content


@pytest.mark.parametrize("size", ["A4", "A3", "A1"])
def test_each_size_prints_the_public_items_with_codes_to_their_pages(shown, tree, tmp_path, size):
    tree.village.supervision_phone = PHONE
    tree.village.save()
    now = timezone.now()
    disclosures = [
        shown(title=title, publish_from=now - dt.timedelta(hours=3 - n))
        for n, title in enumerate(TITLES)
    ]
    pdf = board(Client(), size)

    text = pdf_text(pdf)
    for title in TITLES:
        assert title in text
    assert PHONE in text
    assert "监督电话" in text
    assert "/track/" in text
    assert all(mm == EXPECTED_MM[size] for mm in page_sizes_mm(pdf))

    codes = qr_codes(pdf, tmp_path)
    items = {f"{BASE}/d/{d.pk}/" for d in disclosures}
    assert {c for c in codes if "/d/" in c} == items
    assert sorted(c for c in codes if "/d/" in c) == sorted(items)  # each code once
    assert f"{BASE}/o/QS-01/opinion" in codes
    assert set(codes) <= items | {f"{BASE}/o/QS-01/opinion", f"{BASE}/o/QS-01/"}


def test_a_full_column_says_more_by_code_and_long_titles_send_to_the_code(shown, tree, tmp_path):
    capacity = CAPACITY[Size.A4]
    now = timezone.now()
    long_title = "东岭村" + "关于党员教育管理工作情况的说明" * 5
    many = [
        shown(title=f"东岭村第{n}号公示", publish_from=now - dt.timedelta(minutes=n + 1))
        for n in range(capacity.per_column + 3)
    ]
    newest = shown(title=long_title, publish_from=now - dt.timedelta(seconds=5))
    pdf = board(Client(), "A4")
    text = pdf_text(pdf)
    assert "详见二维码" in text
    assert "更多内容请扫码" in text
    assert long_title not in text.replace("\n", "")
    codes = qr_codes(pdf, tmp_path)
    shown_ids = {newest.pk, *(d.pk for d in many[: capacity.per_column - 1])}
    assert {c for c in codes if "/d/" in c} == {f"{BASE}/d/{pk}/" for pk in shown_ids}
    assert f"{BASE}/o/QS-01/" in codes  # the column's "more" code


def test_a_long_board_goes_on_several_sheets_of_the_same_size(shown, tree):
    # Six columns on A4 (three a sheet): two sheets.
    from gongkai.boards.models import BoardSpec
    from gongkai.catalog.effective import applicable_catalog

    shown(title="东岭村多栏公示")
    applicable = applicable_catalog(tree.village)
    assert applicable is not None
    keys = [c.key for c in applicable.categories]
    BoardSpec.objects.create(
        organization=tree.town,
        columns=[{"title": f"栏目{n}", "categories": keys, "domain": ""} for n in range(6)],
    )
    pdf = board(Client(), "A4")
    assert page_sizes_mm(pdf) == [EXPECTED_MM["A4"]] * 2
    assert "栏目5" in pdf_text(pdf)


def test_the_size_comes_from_the_spec_unless_asked(shown, tree):
    from gongkai.boards.models import BoardSpec

    BoardSpec.objects.create(organization=tree.town, size=Size.A1)
    assert page_sizes_mm(board(Client(), ""))[0] == EXPECTED_MM["A1"]
    assert page_sizes_mm(board(Client(), "A4"))[0] == EXPECTED_MM["A4"]
    assert page_sizes_mm(board(Client(), "ZZZZ"))[0] == EXPECTED_MM["A1"]


def test_the_inside_board_is_for_members_and_staff_only(shown, people, tree, tmp_path):
    public = shown(title="东岭村公开的公示")
    party = shown(title="东岭村党内的党费情况", scope=Scope.PARTY)
    path = "/o/QS-01/board/inside.pdf"
    for client in (Client(), client_for(people.outsider)):
        assert client.get(path).status_code == 404
    # A member of another organization is not inside this one.
    from gongkai.conftest import grant, make_user

    stranger = make_user("stranger", "外村党员")
    grant(stranger, tree.sibling_village, "member")
    assert client_for(stranger).get(path).status_code == 404

    response = client_for(people.member).get(path, {"size": "A3"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    text = pdf_text(response.content)
    assert "东岭村党内的党费情况" in text and "东岭村公开的公示" in text
    assert "党内" in text
    codes = qr_codes(response.content, tmp_path)
    assert {c for c in codes if "/d/" in c} == {f"{BASE}/d/{public.pk}/", f"{BASE}/d/{party.pk}/"}


def test_the_public_board_is_the_anonymous_view_even_for_a_member(shown, people, tree):
    shown(title="东岭村党内的党费情况", scope=Scope.PARTY)
    response = client_for(people.member).get("/o/QS-01/board.pdf")
    assert response.status_code == 200
    assert "东岭村党内的党费情况" not in pdf_text(response.content)
    assert "no-store" in response["Cache-Control"]


def test_unknown_or_odd_codes_are_404(db):
    client = Client()
    assert client.get("/o/NOPE/board.pdf").status_code == 404
    assert client.get("/o/A%00B/board.pdf").status_code in (400, 404)
    assert client.get("/o/NOPE/board/inside.pdf").status_code == 404


ID_NUMBER = "110101199003078515"
MOBILE = "13912345678"
PLANTED: dict[str, dict[str, Any]] = {
    "党内事项": dict(scope=Scope.PARTY),
    "草稿事项": dict(state=State.DRAFT),
    "已提交事项": dict(state=State.SUBMITTED),
    "定时事项": dict(publish_from_hours=5),
    "先党内后公开事项": dict(public_from_hours=48),
    "已撤回事项": dict(state=State.WITHDRAWN),
    "公示期满事项": dict(state=State.PUBLICITY_ENDED),
    "已归档事项": dict(state=State.ARCHIVED),
    "公示已过期事项": dict(publicity_until_hours=-1),
    "本单位事项": dict(scope=Scope.INSTITUTION),
}


def plant(shown, name: str, spec: dict) -> object:  # type: ignore[no-untyped-def]
    now = timezone.now()
    kwargs: dict = {"title": f"东岭村{name}", "body": f"<p>{name}</p>"}
    if "scope" in spec:
        kwargs["scope"] = spec["scope"]
    if "state" in spec:
        kwargs["state"] = spec["state"]
    if "publish_from_hours" in spec:
        kwargs["publish_from"] = now + dt.timedelta(hours=spec["publish_from_hours"])
    if "public_from_hours" in spec:
        kwargs["publish_from"] = now - dt.timedelta(hours=1)
        kwargs["public_from"] = now + dt.timedelta(hours=spec["public_from_hours"])
    if "publicity_until_hours" in spec:
        kwargs["publicity_until"] = now + dt.timedelta(hours=spec["publicity_until_hours"])
    return shown(**kwargs)


def test_the_public_board_carries_nothing_planted_and_no_personal_number(
    shown, people, tree, tmp_path
):
    for name, spec in PLANTED.items():
        plant(shown, name, spec)
    ok = shown(
        title=f"东岭村困难户名单{MOBILE}",
        body=f"<p>联系人身份证{ID_NUMBER}，手机{MOBILE}</p>",
    )
    for size in ("A4", "A3", "A1"):
        pdf = board(Client(), size)
        text = pdf_text(pdf).replace("\n", "").replace(" ", "")
        for name in PLANTED:
            assert name not in text, (size, name)
        assert ID_NUMBER not in text and MOBILE not in text
        assert not re.search(r"1[3-9]\d{9}", text)
        assert not re.search(r"\d{17}[\dXx]", text)
        assert "东岭村困难户名单" in text
        codes = qr_codes(pdf, tmp_path / size)
        assert {c for c in codes if "/d/" in c} == {f"{BASE}/d/{ok.pk}/"}


def test_the_ledger_head_in_short_form(people, tree, draft):
    from gongkai.disclosures.tests.conftest import published
    from gongkai.ledger import public

    published(people, draft)
    from gongkai.ledger import log as ledger

    log = public.log_of(tree.village)
    if log is None:
        pytest.skip("no log for the village in this configuration")
    head = ledger.latest_head(log)
    if head is None:
        pytest.skip("no signed head yet")
    text = pdf_text(board(Client(), "A3"))
    assert head.root_hash[:16] in text.replace("\n", "")
