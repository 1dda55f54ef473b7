from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from gongkai.workdays import services


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> Iterator[None]:
    # Each test's rows are rolled back afterwards; a test that ran its on_commit callbacks
    # (django_capture_on_commit_callbacks(execute=True)) may have cached them as committed.
    services.invalidate_cache()
    yield
    services.invalidate_cache()


def d(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)
