"""Topic-request tests speak about the shared tree and personas (gongkai/conftest.py) and the
village's catalog of the disclosure tests (imported, not copied)."""

from __future__ import annotations

from typing import Any

import pytest

from gongkai.conftest import grant, make_user
from gongkai.disclosures.tests.conftest import item_key, village_catalog  # noqa: F401
from gongkai.organizations.models import Role
from gongkai.topics import services


@pytest.fixture
def members(tree) -> list[Any]:  # type: ignore[no-untyped-def]
    """Five more members of the village."""
    out = []
    for n in range(5):
        person = make_user(f"m{n}", f"党员{n}号")
        grant(person, tree.village, Role.Kind.MEMBER)
        out.append(person)
    return out


@pytest.fixture
def topic(people, tree) -> Any:  # type: ignore[no-untyped-def]
    return services.propose(
        tree.village,
        actor=people.member,
        title="村集体经济收支情况",
        description="希望公开去年集体经济收支明细。联系电话13812345678",
    )


__all__ = ["item_key"]
