"""`gongkai seed --disclosures M` gives pages, the API and the ledger real published rows."""

from io import StringIO

from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from gongkai.disclosures.models import Disclosure
from gongkai.ledger.services import verify


def test_seeding_disclosures_gives_visible_published_rows_and_a_verifying_chain(db):
    out = StringIO()
    call_command("seed", "--orgs", "300", "--disclosures", "40", "--seed", "3", stdout=out)
    assert Disclosure.objects.count() == 40
    assert Disclosure.objects.visible_to(AnonymousUser()).count() == 40
    result = verify()
    assert result.ok and result.checked == 40
    assert "40" in out.getvalue().splitlines()[-1]


def test_seeded_history_has_the_events_real_history_has(db):
    from gongkai.disclosures.models import Event
    from gongkai.ledger.models import LedgerEntry

    call_command("seed", "--orgs", "200", "--disclosures", "12", "--seed", "5", stdout=StringIO())
    for disclosure in Disclosure.objects.all():
        events = list(disclosure.events.order_by("at", "pk"))
        assert [e.action for e in events] == ["create", "submit", "review", "approve", "publish"]
        assert events[-1].at == disclosure.publish_from
        assert disclosure.state == events[-1].to_state
        assert disclosure.published_revision is not None
    published = LedgerEntry.objects.filter(action="publish").count()
    assert published == Event.objects.filter(action="publish").count() == 12
