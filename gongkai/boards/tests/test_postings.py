"""「记录张贴」: the clerk records that the board was posted, with a photo; the disclosures on
it count as published on the board; staff and supervisors see the photos."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from gongkai.boards.models import Posting, Variant
from gongkai.boards.public import postings_for
from gongkai.catalog.models import Scope
from gongkai.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/console/boards/QS-01/"


def png(name: str = "公开栏.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (180, 20, 20)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


def test_a_posting_with_a_photo_is_evidence_for_the_disclosures_on_it(people, tree, shown, media):
    on_board = shown(title="东岭村党员名单公示")
    party = shown(title="东岭村党内事项", scope=Scope.PARTY)
    client = client_for(people.clerk)
    page = client.get(URL)
    assert page.status_code == 200
    assert "东岭村党员名单公示" in page.content.decode()
    day = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(
        URL, {"variant": "public", "size": "A3", "posted_on": day.isoformat(), "photo": png()}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    posting = Posting.objects.get()
    assert posting.posted_on == day and posting.variant == Variant.PUBLIC
    assert set(posting.disclosures.all()) == {on_board}
    assert list(postings_for(on_board)) == [posting]
    assert list(postings_for(party)) == []

    # Staff of the village, the town's office and the supervisors see the photo.
    photo = f"{URL}postings/{posting.pk}/photo"
    for person in (people.clerk, people.reviewer, people.office, people.supervisor):
        got = client_for(person).get(photo)
        assert got.status_code == 200, person
        assert got["Content-Type"] == "image/png"
        assert got.getvalue().startswith(b"\x89PNG")
    assert client_for(people.outsider).get(photo).status_code in (403, 404)
    assert Client().get(photo).status_code == 302  # to sign in

    from django.template.loader import render_to_string

    html = render_to_string("boards/_postings.html", {"board_postings": postings_for(on_board)})
    assert f"已张贴于公开栏（{day:%Y-%m-%d}）" in html


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("说明.txt", b"just text", content_type="image/png"), "不是"),
        (SimpleUploadedFile("空.png", b"", content_type="image/png"), ""),
    ],
)
def test_a_bad_file_is_refused_in_chinese_and_the_date_is_kept(
    people, tree, shown, media, upload, message
):
    shown(title="东岭村党员名单公示")
    day = timezone.localdate() - dt.timedelta(days=2)
    response = client_for(people.clerk).post(
        URL, {"variant": "public", "size": "A4", "posted_on": day.isoformat(), "photo": upload}
    )
    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert f'value="{day.isoformat()}"' in html
    assert 'role="alert"' in html
    assert any("\u4e00" <= ch <= "\u9fff" for ch in html.split('role="alert"')[1][:200])
    if message:
        assert message in html
    assert not Posting.objects.exists()


def test_a_pdf_is_not_a_photo(people, tree, shown, media):
    pdf = SimpleUploadedFile(
        "公开栏.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    )
    response = client_for(people.clerk).post(
        URL,
        {
            "variant": "public",
            "size": "A4",
            "posted_on": timezone.localdate().isoformat(),
            "photo": pdf,
        },
    )
    assert response.status_code == 400
    assert not Posting.objects.exists()


def test_a_future_date_is_refused(people, tree, shown, media):
    day = timezone.localdate() + dt.timedelta(days=3)
    response = client_for(people.clerk).post(
        URL, {"variant": "public", "size": "A4", "posted_on": day.isoformat(), "photo": png()}
    )
    assert response.status_code == 400
    assert "张贴日期不能晚于今天" in response.content.decode()


def test_only_the_clerk_or_office_records_and_members_cannot_open_the_page(
    people, tree, shown, media
):
    day = timezone.localdate().isoformat()
    response = client_for(people.supervisor).post(
        URL, {"variant": "public", "size": "A4", "posted_on": day, "photo": png()}
    )
    assert response.status_code == 403
    assert client_for(people.member).get(URL).status_code == 403
    assert client_for(people.outsider).get(URL).status_code == 403


def test_the_console_downloads_each_size_and_the_inside_board_for_staff(people, tree, shown):
    shown(title="东岭村党员名单公示")
    client = client_for(people.clerk)
    for size in ("A4", "A3", "A1"):
        response = client.get(f"{URL}board.pdf", {"size": size})
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        inside = client.get(f"{URL}board.pdf", {"size": size, "variant": "inside"})
        assert inside.status_code == 200
    # The town's office reaches the village in the console but is not inside the branch.
    assert client_for(people.office).get(f"{URL}board.pdf", {"variant": "inside"}).status_code in (
        200,
        404,
    )


def test_an_activity_room_posting_is_evidence_inside_only(people, tree, shown, media):
    party = shown(title="东岭村党内事项", scope=Scope.PARTY)
    public = shown(title="东岭村公开事项")
    day = timezone.localdate().isoformat()
    response = client_for(people.clerk).post(
        URL, {"variant": "inside", "size": "A3", "posted_on": day, "photo": png()}
    )
    assert response.status_code == 302
    posting = Posting.objects.get()
    assert posting.variant == Variant.INSIDE
    assert set(posting.disclosures.all()) == {party, public}
    assert list(postings_for(party)) == []
    assert list(postings_for(party, include_inside=True)) == [posting]
