"""Files sent with an opinion (a photo of a board, a PDF): checked by their bytes, read and
scanned by gongkai.guard.uploads before anything is stored, kept under a random path, and
given to the handling staff only; a refusal is Chinese and keeps what was typed."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from gongkai.api import tokens
from gongkai.conftest import client_for
from gongkai.disclosures.tests import files
from gongkai.engagement import services
from gongkai.engagement.models import Opinion, OpinionAttachment
from gongkai.guard import limits

from .conftest import ID_NUMBER

pytestmark = pytest.mark.django_db

TEXT = "村务公开栏的照片和材料见附件"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def post(client, code, *attached, **data):  # type: ignore[no-untyped-def]
    form = {"kind": "report", "text": TEXT, "sender_name": "", "sender_contact": "", **data}
    if attached:
        form["attachments"] = list(attached)
    return client.post(f"/o/{code}/opinion", form)


def public_pages(client, tree, opinion):  # type: ignore[no-untyped-def]
    code = tree.village.code
    yield client.post("/track/", {"code": opinion.tracking_code})
    yield client.get(f"/o/{code}/echo/")
    yield client.get(f"/kiosk/{code}/echo/")
    yield client.post(f"/kiosk/{code}/track", {"code": opinion.tracking_code})
    yield client.get(f"/api/v1/opinions/track/{opinion.tracking_code}")
    yield client.get(f"/api/v1/organizations/{code}/echo")


def test_a_photo_and_a_pdf_are_kept_for_the_clerk_only(people, tree, tmp_path):
    photo, paper = files.png(), files.pdf(f"身份证号 {ID_NUMBER}")
    sent = post(
        Client(),
        tree.village.code,
        upload("公开栏.png", photo, "image/png"),
        upload("材料.pdf", paper),
    )
    assert sent.status_code == 302, sent.content.decode()
    opinion = Opinion.objects.get()
    rows = list(opinion.attachments.order_by("pk"))
    assert [(r.name, r.kind, r.size) for r in rows] == [
        ("公开栏.png", "png", len(photo)),
        ("材料.pdf", "pdf", len(paper)),
    ]
    assert rows[1].sha256 == hashlib.sha256(paper).hexdigest()
    # The ID number inside the PDF is read and recorded as a finding.
    assert ID_NUMBER in rows[1].text and rows[1].findings >= 1 and rows[0].findings == 0
    # Stored under a random name, not the one typed nor the digest.
    for r in rows:
        assert r.name not in r.file.name and r.sha256 not in r.file.name
        assert r.file.name.startswith("engagement/opinions/")

    # The clerk sees them, the finding flagged, and downloads them.
    clerk = client_for(people.clerk)
    detail = clerk.get(f"/console/opinions/{opinion.pk}/").content.decode()
    assert "公开栏.png" in detail and "材料.pdf" in detail
    assert f"/console/opinions/{opinion.pk}/files/{rows[1].pk}" in detail
    got = clerk.get(f"/console/opinions/{opinion.pk}/files/{rows[1].pk}")
    assert got.status_code == 200
    assert got.getvalue() == paper
    assert got["Content-Type"] == "application/pdf"
    assert got["Content-Disposition"].startswith("attachment")
    assert got["X-Content-Type-Options"] == "nosniff"
    image = clerk.get(f"/console/opinions/{opinion.pk}/files/{rows[0].pk}")
    assert image["Content-Type"] == "image/png" and image["Content-Disposition"].startswith(
        "attachment"
    )
    # A file of another opinion is not reachable through this one.
    other = services.submit(tree.village, kind="report", text="另一条", channel="portal")
    assert clerk.get(f"/console/opinions/{other.pk}/files/{rows[1].pk}").status_code == 404

    # Anyone else: refused.
    url = f"/console/opinions/{opinion.pk}/files/{rows[1].pk}"
    anonymous = Client().get(url)
    assert anonymous.status_code in (302, 403, 404)
    assert anonymous.status_code != 302 or "/accounts/" in anonymous["Location"]
    for person in (people.outsider, people.member, people.supervisor):
        assert client_for(person).get(url).status_code in (403, 404)

    # Published on the echo wall: neither the files nor the ID number show anywhere public.
    services.answer(opinion, actor=people.clerk, text="已到现场核实。")
    services.publish(opinion, actor=people.clerk)
    for page in public_pages(Client(), tree, opinion):
        assert page.status_code == 200
        body = page.content.decode()
        assert TEXT in body or "已到现场核实" in body
        for secret in ("公开栏.png", "材料.pdf", ID_NUMBER, "/files/"):
            assert secret not in body


def test_the_kiosk_takes_no_files(tree):
    page = Client().get(f"/kiosk/{tree.village.code}/opinion").content.decode()
    assert 'type="file"' not in page
    sent = Client().post(
        f"/kiosk/{tree.village.code}/opinion",
        {"kind": "report", "text": TEXT, "attachments": [upload("a.png", files.png())]},
    )
    assert sent.status_code == 302
    assert Opinion.objects.get().channel == "kiosk" and not OpinionAttachment.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("公开栏.png", b"<html><script>alert(1)</script></html>", "不是 PDF"),  # forged type
        ("空.pdf", b"", "空"),
        ("炸弹.docx", files.zip_bomb_docx(20), "炸弹.docx"),
        ("程序.pdf", b"MZ\x90\x00" + b"\x00" * 200, "程序.pdf"),
    ],
)
def test_a_refused_file_keeps_the_text(tree, name, content, says):
    refused = post(Client(), tree.village.code, upload(name, content), sender_contact="村东头")
    assert refused.status_code == 200
    body = refused.content.decode()
    assert says in body and TEXT in body and "村东头" in body
    assert '<span class="error" role="alert">' in body
    assert not Opinion.objects.exists() and not OpinionAttachment.objects.exists()


def test_a_forged_type_is_refused_in_chinese(tree):
    forged = upload("照片.png", b"%PDX not really anything" * 10, "image/png")
    body = post(Client(), tree.village.code, forged).content.decode()
    assert "照片.png" in body and "不是" in body and TEXT in body
    assert not Opinion.objects.exists()


def test_too_many_or_too_large_files_are_refused(tree, settings):
    four = [upload(f"{n}.png", files.png(), "image/png") for n in range(4)]
    body = post(Client(), tree.village.code, *four).content.decode()
    assert "最多" in body and TEXT in body
    settings.GUARD_MAX_UPLOAD_BYTES = 1000
    big = post(Client(), tree.village.code, upload("大.pdf", files.pdf("字" * 3000)))
    assert big.status_code == 200
    assert "大.pdf" in big.content.decode() and "MB" in big.content.decode()
    assert not Opinion.objects.exists()


@override_settings(GUARD_LIMITS={"opinion": limits.Limit(1, 1, 100, 3600)})
def test_the_guard_counts_a_submission_with_files(tree):
    client = Client()
    assert post(client, tree.village.code, upload("a.png", files.png(), "image/png")).status_code
    refused = post(client, tree.village.code, upload("b.png", files.png(), "image/png"))
    assert refused.status_code == 429 and TEXT in refused.content.decode()
    assert OpinionAttachment.objects.count() == 1


def _api_post(path, data, user=None):  # type: ignore[no-untyped-def]
    headers = {}
    if user is not None:
        headers["Authorization"] = f"Bearer {tokens.issue(user, label='t')[1]}"
    return Client().post("/api/v1" + path, data, headers=headers)


def _api_get(path, user=None):  # type: ignore[no-untyped-def]
    headers = {}
    if user is not None:
        headers["Authorization"] = f"Bearer {tokens.issue(user, label='t')[1]}"
    return Client().get("/api/v1" + path, headers=headers)


def test_the_api_takes_files_as_multipart(people, tree):
    paper = files.pdf(f"ID {ID_NUMBER}")
    sent = _api_post(
        "/opinions/with-files",
        {
            "organization": tree.village.code,
            "kind": "report",
            "text": TEXT,
            "attachments": [upload("材料.pdf", paper), upload("图.png", files.png(), "image/png")],
        },
    )
    assert sent.status_code == 201, sent.content.decode()
    receipt = sent.json()
    opinion = Opinion.objects.get()
    assert opinion.channel == "api" and opinion.attachments.count() == 2
    # Without files, multipart works too; and the JSON operation is unchanged.
    bare = _api_post(
        "/opinions/with-files", {"organization": tree.village.code, "kind": "inquiry", "text": "问"}
    )
    assert bare.status_code == 201, bare.content.decode()
    as_json = Client().post(
        "/api/v1/opinions",
        json.dumps({"organization": tree.village.code, "kind": "inquiry", "text": "问问"}),
        content_type="application/json",
    )
    assert as_json.status_code == 201

    # The public's answers say nothing of the files.
    tracked = _api_get(f"/opinions/track/{receipt['tracking_code']}").content.decode()
    assert "材料.pdf" not in tracked and ID_NUMBER not in tracked and "attachments" not in tracked

    # Staff: metadata in the detail, the bytes from the download operation.
    status = _api_get(f"/opinions/handled/{opinion.pk}", people.clerk)
    assert status.status_code == 200
    listed = status.json()["attachments"]
    assert [a["name"] for a in listed] == ["材料.pdf", "图.png"]
    assert listed[0]["findings"] >= 1 and listed[0]["kind"] == "pdf"
    url = f"/opinions/handled/{opinion.pk}/files/{listed[0]['id']}"
    got = _api_get(url, people.clerk)
    assert got.status_code == 200 and got.getvalue() == paper
    assert got["Content-Disposition"].startswith("attachment")
    assert got["X-Content-Type-Options"] == "nosniff"
    assert _api_get(url).status_code == 401
    for person in (people.outsider, people.member, people.supervisor):
        assert _api_get(url, person).status_code in (403, 404)


def test_the_api_refuses_bad_files_in_chinese(tree):
    forged = _api_post(
        "/opinions/with-files",
        {
            "organization": tree.village.code,
            "kind": "report",
            "text": TEXT,
            "attachments": [upload("照片.png", b"<svg onload=alert(1)>", "image/png")],
        },
    )
    assert forged.status_code == 400 and "照片.png" in forged.json()["detail"]
    many = _api_post(
        "/opinions/with-files",
        {
            "organization": tree.village.code,
            "kind": "report",
            "text": TEXT,
            "attachments": [upload(f"{n}.png", files.png(), "image/png") for n in range(4)],
        },
    )
    assert many.status_code == 400 and "最多" in many.json()["detail"]
    empty = _api_post(
        "/opinions/with-files",
        {
            "organization": tree.village.code,
            "kind": "report",
            "text": TEXT,
            "attachments": [upload("空.pdf", b"")],
        },
    )
    assert empty.status_code == 400, empty.content.decode()
    assert not Opinion.objects.exists()
