"""The kiosk's home page lists the organization's consultations open to the public, each
linking to its large-type consultation page; party consultations, other organizations' and
closed windows are not listed."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from gongkai.conftest import client_for
from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure

from .conftest import item_key


def _consulting(people, org, catalog, title: str, **fields) -> Disclosure:  # type: ignore[no-untyped-def]
    d = workflow.create_disclosure(
        org, actor=people.clerk, item_key=item_key(catalog, "building"), title=title,
        body="<p>联系人13800138000</p>",
    )  # fmt: skip
    Disclosure.objects.filter(pk=d.pk).update(party_first=False, **fields)
    d.refresh_from_db()
    workflow.submit(d, actor=people.clerk)
    return workflow.open_consultation(d, actor=people.clerk, days=5)


def test_the_kiosk_lists_open_public_consultations(people, tree, village_catalog):
    public = _consulting(people, tree.village, village_catalog, "村道硬化方案 电话13800138000")
    _consulting(people, tree.village, village_catalog, "党内议题方案", scope="party")
    closed = _consulting(people, tree.village, village_catalog, "已截止的方案")
    Disclosure.objects.filter(pk=closed.pk).update(
        consultation_until=timezone.now() - dt.timedelta(minutes=1)
    )
    # Even with a member signed in on the machine, the kiosk shows the public's view.
    for client in (Client(), client_for(people.member)):
        home = client.get(f"/kiosk/{tree.village.code}/").content.decode()
        link = f"/kiosk/{tree.village.code}/consultation/{public.pk}"
        assert f'href="{link}"' in home and "征求意见" in home
        assert "138****8000" in home and "13800138000" not in home
        assert "党内议题方案" not in home and "已截止的方案" not in home
        assert client.get(link).status_code == 200
    assert (
        "村道硬化方案" not in Client().get(f"/kiosk/{tree.sibling_village.code}/").content.decode()
    )
