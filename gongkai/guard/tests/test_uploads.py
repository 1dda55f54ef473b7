"""Files from the public: type by content, size bound, the sandboxed reading and the scan."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from gongkai.disclosures import scanning
from gongkai.disclosures.tests import files
from gongkai.guard import uploads


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_a_pdf_is_read_and_scanned():
    checked = uploads.check(upload("反映.pdf", files.pdf("联系电话 13812345678")))
    assert checked.kind == "pdf" and checked.content_type == "application/pdf"
    assert "13812345678" in checked.text
    assert [f.kind for f in checked.findings] == [scanning.MOBILE]


def test_the_name_is_scanned_too():
    checked = uploads.check(upload("张三 13812345678 反映.png", files.png()))
    assert checked.kind == "png"
    assert any(f.kind == scanning.MOBILE for f in checked.findings)


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("x.pdf", b"<html><script>alert(1)</script></html>", "不是"),  # the name lies
        ("x.exe", b"MZ\x90\x00" + b"\x00" * 100, "不是"),
        ("empty.pdf", b"", "空"),
        ("bomb.docx", files.zip_bomb_docx(20), "拒绝"),
    ],
)
def test_refusals_name_the_file(name, content, says):
    with pytest.raises(ValidationError) as error:
        uploads.check(upload(name, content))
    assert name in error.value.messages[0]


@override_settings(GUARD_MAX_UPLOAD_BYTES=1000)
def test_size_is_bounded():
    with pytest.raises(ValidationError, match="MB"):
        uploads.check(upload("big.pdf", files.pdf("x" * 5000)))


def test_files_per_submission_are_bounded():
    with pytest.raises(ValidationError):
        uploads.check_all([upload(f"{i}.png", files.png()) for i in range(4)])
