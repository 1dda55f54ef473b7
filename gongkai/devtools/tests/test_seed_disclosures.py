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
