"""What must follow a commit is sent with transaction.on_commit: a rollback leaves the files
as they were."""

from __future__ import annotations

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from gongkai.catalog import services as catalog_services
from gongkai.catalog.effective import effective_catalog
from gongkai.catalog.exchange import parse_yaml
from gongkai.catalog.models import Catalog
from gongkai.disclosures import attachments, workflow

CATALOG = """
title: 青石镇目录
defaults: {scope: public, channels: [公开栏]}
categories:
  - key: fixed
    name: 固定公开
    timing: standing
    items:
      - {key: phones, name: 监督电话, scope: public}
"""


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def catalog(tree, people) -> Catalog:  # type: ignore[no-untyped-def]
    town = catalog_services.create_catalog(
        tree.town, actor=people.office, title="镇目录", inherit=False
    )
    catalog_services.load_catalog_data(town, actor=people.office, data=parse_yaml(CATALOG).data)
    catalog_services.publish_catalog(town, actor=people.office)
    catalog_services.push_down(town, actor=people.office)
    return Catalog.objects.get(organization=tree.village)


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def attachment(people, tree, catalog):  # type: ignore[no-untyped-def]
    key = next(i.key for i in effective_catalog(catalog).items if i.key.endswith(".phones"))
    draft = workflow.create_disclosure(tree.village, actor=people.clerk, item_key=key, title="电话")
    return attachments.attach(draft, SimpleUploadedFile("照片.png", png()), actor=people.clerk)


def test_a_removed_files_bytes_go_only_after_the_commit(people, attachment, django_capture_on_commit_callbacks):  # fmt: skip
    stored = attachment.file.storage, attachment.file.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        attachments.remove(attachment, actor=people.clerk)
    assert stored[0].exists(stored[1])  # the row is gone, the bytes wait for the commit
    for callback in callbacks:
        callback()
    assert not stored[0].exists(stored[1])


def test_a_rolled_back_removal_keeps_the_file(people, attachment, django_capture_on_commit_callbacks):  # fmt: skip
    storage, name, pk = attachment.file.storage, attachment.file.name, attachment.pk

    class Abort(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Abort),
        transaction.atomic(),
    ):
        attachments.remove(attachment, actor=people.clerk)
        raise Abort
    assert storage.exists(name)
    assert type(attachment).objects.filter(pk=pk).exists()
