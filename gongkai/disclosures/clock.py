"""The one clock of every timestamp the disclosure workflow writes: events, revisions,
opinions and their handling, ledger entries, and (through `now()`) an attachment's upload
time. A module of its own so that attachments and the workflow can both read it without
importing each other.

`clock(at)` moves it, for building history only (the demo, seeds, tests): pages and the API
never use it, so a person can never date a publication earlier than it happened.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

_SIMULATED_NOW: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar(
    "simulated_now", default=None
)


def now() -> dt.datetime:
    return _SIMULATED_NOW.get() or timezone.now()


@contextlib.contextmanager
def clock(at: dt.datetime) -> Iterator[None]:
    """Run moves as if it were `at`: everything the workflow writes says `at`."""
    token = _SIMULATED_NOW.set(at)
    try:
        yield
    finally:
        _SIMULATED_NOW.reset(token)
