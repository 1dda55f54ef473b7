import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from gongkai.disclosures.models import Disclosure, State

from .conftest import published


def run(*args: str) -> str:
    out = StringIO()
    call_command("end_publicity", *args, stdout=out)
    return out.getvalue()


def test_it_records_ended_periods_once_and_leaves_running_ones(
    people, draft, tree, village_catalog
):
    done = published(people, draft)
    Disclosure.objects.filter(pk=done.pk).update(
        publicity_until=timezone.now() - dt.timedelta(minutes=1)
    )
    assert run("--dry-run") == "1 个公示期将结束。\n"
    assert Disclosure.objects.get(pk=done.pk).state == State.PUBLISHED
    assert run() == "1 个公示期已结束。\n"
    assert run() == "0 个公示期已结束。\n"  # idempotent
    ended = Disclosure.objects.get(pk=done.pk)
    assert ended.state == State.PUBLICITY_ENDED
    assert ended.events.filter(action="end_publicity", actor=None).count() == 1
