"""An administrator pastes the notice, checks the preview, and saves; nobody else can."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from gongkai.conftest import People, client_for
from gongkai.workdays.models import CalendarDay, CalendarYear
from gongkai.workdays.services import is_known_year
from gongkai.workdays.tests.conftest import d

NOTICE_2026 = (Path(__file__).with_name("notices") / "2026.txt").read_text(encoding="utf-8")
# The 2026 notice rewritten for a year the package does not know, as the 2027 notice will be.
NOTICE_2028 = """国务院办公厅关于2028年部分节假日安排的通知
一、元旦：1月1日（周六）至3日（周一）放假，共3天。
二、春节：1月25日（农历除夕、周二）至2月1日（周二）放假调休，共8天。1月23日（周日）、2月5日（周六）上班。
三、国庆节：10月1日（周日）至7日（周六）放假调休，共7天。9月30日（周六）、10月8日（周日）上班。
国务院办公厅
2027年11月10日
"""
URL = reverse("console:holiday_notice")


def fingerprint(html: str) -> str:
    found = re.search(r'name="previewed" value="([0-9a-f]+)"', html)
    assert found, "no confirm button"
    return found.group(1)


@pytest.mark.django_db
def test_only_administrators_reach_the_page(people: People) -> None:
    assert client_for(people.admin).get(URL).status_code == 200
    for person in (people.office, people.clerk, people.reviewer):
        assert client_for(person).get(URL).status_code == 403
        assert (
            client_for(person).post(URL, {"text": NOTICE_2028, "confirm": "1"}).status_code == 403
        )
    assert not CalendarDay.objects.exists()


@pytest.mark.django_db
def test_paste_preview_confirm_saves_the_year(people: People) -> None:
    client = client_for(people.admin)
    preview = client.post(URL, {"text": NOTICE_2028, "preview": "1"})
    assert preview.status_code == 200
    html = preview.text
    assert "2028 年共 22 天" in html
    assert "2028-01-25" in html and "春节" in html and "春节调休" in html
    assert "新增" in html
    assert not CalendarDay.objects.exists(), "the preview saves nothing"
    assert not is_known_year(2028)

    saved = client.post(
        URL, {"text": NOTICE_2028, "confirm": "1", "previewed": fingerprint(html)}, follow=True
    )
    assert (
        "2028 年的节假日已保存，该年已标记为完整：新增 22 天，修改 0 天，0 天原已与通知一致。"
        in saved.text
    )
    assert CalendarDay.objects.filter(date__year=2028).count() == 22
    assert CalendarYear.objects.get(year=2028).complete
    assert is_known_year(2028)
    assert CalendarDay.objects.get(date=d("2028-02-05")).kind == CalendarDay.Kind.WORKDAY

    # The same notice again: nothing changes, and the preview says so.
    again = client.post(URL, {"text": NOTICE_2028, "preview": "1"}).text
    assert "已一致" in again and "新增" not in again.split('id="preview"')[1]
    client.post(URL, {"text": NOTICE_2028, "confirm": "1", "previewed": fingerprint(again)})
    assert CalendarDay.objects.filter(date__year=2028).count() == 22


@pytest.mark.django_db
def test_a_text_changed_after_the_preview_is_shown_again_not_saved(people: People) -> None:
    client = client_for(people.admin)
    html = client.post(URL, {"text": NOTICE_2026, "preview": "1"}).text
    changed = NOTICE_2026.replace("5月9日（周六）上班。", "")
    response = client.post(URL, {"text": changed, "confirm": "1", "previewed": fingerprint(html)})
    assert response.status_code == 200
    assert not CalendarDay.objects.exists()


@pytest.mark.django_db
def test_a_notice_with_problems_lists_them_and_offers_no_save(people: People) -> None:
    client = client_for(people.admin)
    text = NOTICE_2028.replace("1月1日（周六）", "1月1日（周五）")
    html = client.post(URL, {"text": text, "preview": "1"}).text
    assert "有 1 句无法识别，暂不能保存。" in html
    assert "“1月1日（周五）”标注为周五，但 2028-01-01 是周六。" in html
    assert 'name="confirm"' not in html
    client.post(URL, {"text": text, "confirm": "1", "previewed": "0" * 64})
    assert not CalendarDay.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00",
        "一、元旦：" + "1月1日放假。" * 4000,
        "一、元旦：99999年1月1日放假。",
        "\ufeff一\u200b、元旦：1月1日放假。",
    ],
)
def test_whatever_is_pasted_the_page_answers(people: People, text: str) -> None:
    response = client_for(people.admin).post(URL, {"text": text, "year": "2028", "preview": "1"})
    assert response.status_code == 200
    assert not CalendarDay.objects.exists()
