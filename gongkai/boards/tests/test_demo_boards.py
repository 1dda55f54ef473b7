"""The demo: 青石镇 sets one board for its villages, 东岭村 recorded a posting with a photo,
and the village's public board renders with codes to exactly its shown disclosures."""

from __future__ import annotations

from django.test import Client

from gongkai.boards import spec as specs
from gongkai.boards.models import Posting
from gongkai.boards.public import postings_for
from gongkai.boards.tests.conftest import pdf_text, qr_codes
from gongkai.devtools.tests.test_demo import demo  # noqa: F401  (the module's demo town)
from gongkai.organizations.models import Organization


def test_the_demo_town_sets_the_board_and_the_village_posted_it(demo, db, tmp_path):  # noqa: F811
    town = Organization.objects.get(name="青石镇党委")
    villages = list(town.children.all())
    assert len(villages) == 16
    for village in villages:
        assert specs.spec_for(village).set_by == town
    village = Organization.objects.get(name="东岭村党支部")
    posting = Posting.objects.get(organization=village)
    assert posting.photo_kind == "png" and posting.disclosures.exists()
    first = posting.disclosures.first()
    assert first is not None and posting in postings_for(first)

    response = Client().get(f"/o/{village.code}/board.pdf", {"size": "A3"})
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "东岭村党支部党务公开栏" in text.replace("\n", "")
    assert village.supervision_phone in text
    codes = qr_codes(response.content, tmp_path)
    assert any("/d/" in c for c in codes)
    assert all(c.startswith("http://testserver/") for c in codes)
