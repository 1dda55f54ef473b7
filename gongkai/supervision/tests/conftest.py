"""Supervision tests speak about the shared tree and personas (gongkai/conftest.py), plus the
discipline committee: the town's discipline secretary (over the village) and the unrelated
town's one (who must see nothing of it), and the village's principal."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gongkai.conftest import grant, make_user
from gongkai.disclosures.tests.conftest import (  # noqa: F401  (fixtures, used by name)
    CHECKLIST,
    draft,
    item_key,
    published,
    village_catalog,
)
from gongkai.organizations.models import Role
from gongkai.supervision import workflow
from gongkai.supervision.models import Finding


@dataclass
class Oversight:
    discipline: Any  # 镇纪委书记 of the town
    other_discipline: Any  # 纪委书记 of the other town
    principal: Any  # the village's secretary (first responsible person)
    other_supervisor: Any  # a supervisor of the other town


@pytest.fixture
def oversight(people, tree) -> Oversight:
    R = Role.Kind
    discipline = make_user("discipline", "吴清廉")
    other = make_user("other-discipline", "白纪检")
    principal = make_user("principal", "孙支书")
    other_supervisor = make_user("other-supervisor", "白监督")
    grant(discipline, tree.town, R.DISCIPLINE_SECRETARY)
    grant(other, tree.other_town, R.DISCIPLINE_SECRETARY)
    grant(principal, tree.village, R.PRINCIPAL)
    grant(other_supervisor, tree.other_town, R.SUPERVISOR)
    return Oversight(discipline, other, principal, other_supervisor)


def png(name: str = "board.png", color: str = "red") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def media(settings, tmp_path) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def finding(people, tree, oversight, media) -> Finding:
    return workflow.file_finding(
        tree.village,
        actor=people.supervisor,
        category="content",
        description="公开栏仍张贴去年的党费收缴情况",
        deadline_days=10,
    )
