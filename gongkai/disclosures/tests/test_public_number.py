"""The version readers are told (第 N 版) counts publications, never the drafts submitted on
the way: stored at publication (`Revision.public_number`) and, for rows published before it
was stored, by the data migration."""

from __future__ import annotations

import importlib

from django.apps import apps

from gongkai.disclosures import workflow
from gongkai.disclosures.models import Revision

from .conftest import published

migration = importlib.import_module(
    "gongkai.disclosures.migrations.0008_revision_public_number_and_portal_indexes"
)


def test_a_first_publication_is_version_1_and_each_correction_one_more(people, draft):
    workflow.submit(draft, actor=people.clerk)
    workflow.return_to_clerk(draft, actor=people.reviewer, reason="补充")
    notice = published(people, draft)  # two drafts were snapshot before it
    assert notice.published_revision.number == 3
    assert notice.published_revision.public_number == 1
    for n in (2, 3):
        notice = workflow.correct(
            notice, actor=people.reviewer, reason=f"更正{n}", title="改", body=""
        )
        assert notice.published_revision.public_number == n
    drafts = Revision.objects.filter(disclosure=notice, published_at__isnull=True)
    assert drafts.count() == 2 and not drafts.exclude(public_number=None).exists()


def test_the_migration_numbers_rows_published_before(people, draft):
    notice = published(people, draft)
    workflow.correct(notice, actor=people.reviewer, reason="更正", title="改", body="")
    Revision.objects.update(public_number=None)
    migration.number_published_versions(apps, None)
    numbers = dict(
        Revision.objects.filter(disclosure=notice).values_list("number", "public_number")
    )
    assert numbers == {1: None, 2: 1, 3: 2}


def test_a_corrections_reason_is_stored_masked_with_it(people, draft):
    notice = published(people, draft)
    assert notice.published_revision.published_note == ""
    notice = workflow.correct(
        notice, actor=people.reviewer, reason="联系人手机13912345678有误", title="改", body=""
    )
    assert notice.published_revision.published_note == "联系人手机139****5678有误"
