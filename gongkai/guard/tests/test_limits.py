import pytest
from django.test import RequestFactory, override_settings

from gongkai.guard import limits
from gongkai.guard.models import Hit

pytestmark = pytest.mark.django_db


@override_settings(GUARD_LIMITS={"opinion": limits.Limit(3, 2, 100, 3600)})
def test_an_address_gets_its_quota_then_refusals_counted_in_the_database():
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.1")
    verdicts = [limits.check(request, "opinion") for _ in range(5)]
    assert [v.allowed for v in verdicts] == [True, True, True, False, False]
    assert [v.challenge for v in verdicts[:3]] == [False, False, True]
    assert verdicts[-1].retry_after > 0
    other = RequestFactory().post("/", REMOTE_ADDR="10.0.0.2")
    assert limits.check(other, "opinion").allowed
    assert Hit.objects.get(key="opinion:a:10.0.0.1").count == 5
