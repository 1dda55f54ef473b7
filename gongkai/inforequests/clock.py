"""The clock of an information request (依申请公开), as pure functions of its steps.

The rules follow the government information disclosure regulation (政府信息公开条例, articles
30–33), which party-affairs disclosure applies to requests:

- the answer is due `answer_days` working days (default 20) after the day of receipt (the day
  of receipt never counts: `workdays.add_working_days`' convention);
- a request that is unclear is sent *one* notice to complete it (补正) within
  `supplement_notice_days` working days (default 7) of receipt; the clock stops on the day
  the notice goes out, and when the completed request arrives the count **restarts** from that
  day (“答复期限自行政机关收到补正的申请之日起计算”): what had elapsed before no longer counts;
- while a third party is consulted (征求第三方意见) the clock stops: the working days after
  the day of asking up to the day the answer came (at most `third_party_days`, default 15,
  after which the organization decides without it) are not counted;
- one extension of at most `max_extension_days` (default 20) working days, with a reason.

Nothing here reads the database or the time: the caller passes the steps (from
`RequestStep` rows), the organization's policy and a `WorkingCalendar` snapshot. Years the
calendar does not know are counted Monday to Friday and the result says it is provisional
(see gongkai.workdays.services), so a page never fails for a deadline next spring.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from gongkai.workdays.services import WorkingCalendar

RECEIVED = "received"
SUPPLEMENT_REQUESTED = "supplement_requested"
SUPPLEMENT_RECEIVED = "supplement_received"
THIRD_PARTY_ASKED = "third_party_asked"
THIRD_PARTY_ANSWERED = "third_party_answered"
EXTENDED = "extended"

STOPPED_SUPPLEMENT = "supplement"
STOPPED_THIRD_PARTY = "third_party"


@dataclass(frozen=True)
class Policy:
    """The organization's periods, in working days."""

    answer_days: int = 20
    max_extension_days: int = 20
    supplement_notice_days: int = 7
    third_party_days: int = 15


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Step:
    kind: str
    on: dt.date
    #: The extension's length in working days (other kinds: 0).
    days: int = 0


@dataclass(frozen=True)
class Clock:
    received_on: dt.date
    #: The day counting runs from: the receipt, or the day the completed request arrived.
    counting_from: dt.date
    #: The answer's deadline; None while the applicant has not completed the request (the
    #: clock stands still and nobody knows when it restarts). While a third party is being
    #: consulted it is the latest it can be: as if the consultation took all its days.
    due_on: dt.date | None
    #: "" while running, else what stopped it (STOPPED_SUPPLEMENT, STOPPED_THIRD_PARTY).
    stopped: str
    stopped_since: dt.date | None
    #: The last day the one-time notice to complete the request may be sent.
    supplement_notice_by: dt.date
    #: While a third party is consulted: the last day of its period.
    third_party_by: dt.date | None
    extension_days: int
    #: Working days not counted because a third party was being consulted (finished spans).
    paused_days: int
    #: The deadline without the extension (what the extension notice names as the old one).
    due_before_extension: dt.date | None
    provisional: bool = False
    missing_years: tuple[int, ...] = ()


def compute(
    received_on: dt.date,
    steps: Iterable[Step],
    calendar: WorkingCalendar,
    policy: Policy = DEFAULT_POLICY,
) -> Clock:
    """The clock after `steps` (in the order they happened; same-day steps in row order)."""
    missing: set[int] = set()
    start = received_on
    paused = 0
    extension = 0
    stopped = ""
    since: dt.date | None = None
    third_party_by: dt.date | None = None

    def add(day: dt.date, n: int) -> dt.date:
        result = calendar.deadline(day, n)
        missing.update(result.missing_years)
        return result.date

    def count(a: dt.date, b: dt.date) -> int:
        n, years = calendar.count_provisional(a, b)
        missing.update(years)
        return n

    for step in steps:
        if step.kind == RECEIVED:
            start = step.on
        elif step.kind == SUPPLEMENT_REQUESTED:
            stopped, since = STOPPED_SUPPLEMENT, step.on
        elif step.kind == SUPPLEMENT_RECEIVED:
            # The count restarts: consultations before the completion no longer matter.
            start, paused, stopped, since = step.on, 0, "", None
        elif step.kind == THIRD_PARTY_ASKED:
            stopped, since = STOPPED_THIRD_PARTY, step.on
            third_party_by = add(step.on, policy.third_party_days)
        elif step.kind == THIRD_PARTY_ANSWERED and stopped == STOPPED_THIRD_PARTY:
            assert since is not None and third_party_by is not None
            paused += count(since, min(step.on, third_party_by))
            stopped, since, third_party_by = "", None, None
        elif step.kind == EXTENDED:
            extension += step.days

    notice_by = add(received_on, policy.supplement_notice_days)
    if stopped == STOPPED_SUPPLEMENT:
        due: dt.date | None = None
        before: dt.date | None = None
    else:
        running = paused + (policy.third_party_days if stopped == STOPPED_THIRD_PARTY else 0)
        before = add(start, policy.answer_days + running)
        due = add(start, policy.answer_days + running + extension) if extension else before
    return Clock(
        received_on=received_on,
        counting_from=start,
        due_on=due,
        stopped=stopped,
        stopped_since=since,
        supplement_notice_by=notice_by,
        third_party_by=third_party_by,
        extension_days=extension,
        paused_days=paused,
        due_before_extension=before,
        provisional=bool(missing),
        missing_years=tuple(sorted(missing)),
    )


def remaining(clock: Clock, on: dt.date, calendar: WorkingCalendar) -> int | None:
    """Working days left on `on` (0 on the deadline, negative when overdue); None while the
    clock is stopped for the applicant."""
    if clock.due_on is None:
        return None
    if on <= clock.due_on:
        return calendar.count_provisional(on, clock.due_on)[0]
    return -calendar.count_provisional(clock.due_on, on)[0]


def is_overdue(clock: Clock, on: dt.date) -> bool:
    return clock.due_on is not None and on > clock.due_on
