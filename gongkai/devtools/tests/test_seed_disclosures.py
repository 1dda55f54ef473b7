"""`gongkai seed --disclosures M` gives pages, the API and the ledger real published rows,
spread over every organization, each with its own revision and a log entry."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from gongkai.disclosures.models import Disclosure, Event, Revision
from gongkai.ledger import verification
from gongkai.ledger.models import LogEntry
from gongkai.organizations.models import Organization

pytestmark = pytest.mark.django_db


def test_seeded_disclosures_cover_every_organization_and_the_api_lists_them_all():
    out = StringIO()
    call_command("seed", "--orgs", "300", "--seed", "3", stdout=StringIO())
    organizations = Organization.objects.count()
    count = organizations + 17  # round-robin: every organization, some twice
    call_command("seed", "--disclosures", str(count), "--seed", "3", stdout=out)

    assert Disclosure.objects.count() == count
    assert set(Disclosure.objects.values_list("organization", flat=True)) == set(
        Organization.objects.values_list("pk", flat=True)
    )
    assert Revision.objects.count() == count
    assert LogEntry.objects.filter(kind="publish").count() == count
    response = Client().get("/api/v1/disclosures/", {"page_size": 1})
    assert response.status_code == 200
    assert response.json()["count"] == count
    report = verification.verify()
    assert report.ok, report.failure
    assert report.checked == count
    assert str(count) in out.getvalue().splitlines()[-1]


def test_seeded_history_has_the_events_real_history_has():
    call_command("seed", "--orgs", "200", "--disclosures", "12", "--seed", "5", stdout=StringIO())
    for disclosure in Disclosure.objects.all():
        events = list(disclosure.events.order_by("at", "pk"))
        assert [e.action for e in events] == ["create", "submit", "review", "approve", "publish"]
        assert events[-1].at == disclosure.publish_from
        assert disclosure.state == events[-1].to_state
        assert disclosure.published_revision is not None
        assert disclosure.published_revision.published_title is not None
        entry = LogEntry.objects.get(disclosure=disclosure)
        assert entry.event_id == events[-1].pk and entry.at == disclosure.publish_from
    assert Event.objects.filter(action="publish").count() == 12
