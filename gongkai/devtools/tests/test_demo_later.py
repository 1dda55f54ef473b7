"""The demo plays its year up to whatever day it is loaded on: here a day of 2027 (while the
calendar package does not know the year, its deadlines count Monday to Friday and are marked
provisional)."""

from __future__ import annotations

import datetime as dt

import time_machine

from gongkai.compliance import obligations, rollups
from gongkai.compliance.models import Obligation, Source, State
from gongkai.devtools.demo import load_demo
from gongkai.devtools.demo.year import BEIJING, LATE_BRANCH, STOPPED_BRANCH
from gongkai.ledger.models import LogEntry
from gongkai.ledger.verification import verify
from gongkai.workdays import services as workdays

LATER = dt.datetime(2027, 1, 8, 10, tzinfo=BEIJING)


def test_the_demo_loaded_in_a_later_year_plays_the_year_up_to_that_day(db):
    with time_machine.travel(LATER, tick=True):
        load_demo()
        assert obligations.today() == LATER.date()
        # The new year's obligations are there.
        s2027 = Obligation.objects.filter(period_key="S2027")
        unknown = not workdays.is_known_year(2027)
        assert s2027.count() >= 17 * 5 and all(ob.provisional == unknown for ob in s2027)
        assert Obligation.objects.filter(period_key="2027-Q1").exists()
        # The yearly confirmations of 2027 already published are on time (nobody is late
        # yet a week into the year), and the stopped branch is still escalated.
        published = s2027.filter(state__in=[State.ON_TIME, State.LATE])
        assert published.exists()
        assert set(
            published.exclude(organization__code=LATE_BRANCH).values_list("state", flat=True)
        ) == {State.ON_TIME}
        stopped = Obligation.objects.filter(
            organization__code=STOPPED_BRANCH, state=State.OVERDUE, source=Source.PERIOD
        )
        assert stopped.count() >= 3
        assert all(
            -obligations.remaining_days(ob, LATER.date()) > ob.escalate_after_days for ob in stopped
        )
        assert rollups.recompute(fix=False).mismatches == 0
        times = list(
            LogEntry.objects.filter(log__root__code="QS")
            .order_by("index")
            .values_list("at", flat=True)
        )
        assert times == sorted(times) and times[-1] <= LATER + dt.timedelta(hours=1)
        report = verify()
        assert report.ok, report.failure
