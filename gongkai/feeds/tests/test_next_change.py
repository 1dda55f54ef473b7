"""`next_change` (gongkai.disclosures.changes) against a brute-force reading of the same
rows: the earliest future publication, public time, end of an open consultation and (for a
disclosure's page) end of a publicity period, whatever the states and times."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.disclosures import changes
from gongkai.disclosures.models import PUBLIC_STATES, Disclosure, State

pytestmark = pytest.mark.django_db

ROWS = 5
offsets = st.one_of(st.none(), st.integers(min_value=-3600, max_value=3600))
row = st.fixed_dictionaries(
    {
        "state": st.sampled_from(list(State.values)),
        "publish_from": offsets,
        "public_from": offsets,
        "consultation_until": offsets,
        "publicity_until": offsets,
    }
)


def expected(rows: list[dict[str, Any]], now: dt.datetime, publicity: bool) -> dt.datetime | None:
    found = []
    for r in rows:
        published = r["state"] in PUBLIC_STATES
        for name, counts in (
            ("publish_from", published),
            # Any state: an approved item's public time only makes the bound earlier.
            ("public_from", True),
            ("consultation_until", r["state"] == State.CONSULTATION),
            ("publicity_until", published and publicity),
        ):
            if counts and r[name] is not None and r[name] > now:
                found.append(r[name])
    return min(found) if found else None


class Rollback(Exception):
    pass


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(row, min_size=ROWS, max_size=ROWS), publicity=st.booleans())
def test_next_change_is_the_earliest_moment_ahead(shown, rows, publicity) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now().replace(microsecond=0)
    made = list(Disclosure.objects.filter(title__startswith="时刻").order_by("pk"))
    while len(made) < ROWS:
        made.append(shown(title=f"时刻{len(made)}"))
    moments = [
        {k: (now + dt.timedelta(seconds=v) if isinstance(v, int) else v) for k, v in r.items()}
        for r in rows
    ]
    try:
        with transaction.atomic():
            for disclosure, fields in zip(made, moments, strict=True):
                Disclosure.objects.filter(pk=disclosure.pk).update(**fields)
            found = changes.next_change(
                Disclosure.objects.filter(pk__in=[d.pk for d in made]), now, publicity=publicity
            )
            assert found == expected(moments, now, publicity)
            # One disclosure already read: the same moment from its row, with no query.
            for disclosure, fields in zip(made, moments, strict=True):
                disclosure.refresh_from_db()
                assert changes.moment_of(disclosure, now, publicity=publicity) == expected(
                    [fields], now, publicity
                )
            raise Rollback
    except Rollback:
        pass
