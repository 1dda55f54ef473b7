"""Opinion tests speak about the shared tree and personas (gongkai/conftest.py) and the
disclosure tests' catalog and helpers (imported, not copied)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from gongkai.disclosures import workflow
from gongkai.disclosures.tests.conftest import (  # noqa: F401  (fixtures, used by name)
    item_key,
    published,
    village_catalog,
)
from gongkai.engagement import services

BEIJING = dt.timezone(dt.timedelta(hours=8))
#: A sender's identity the tests plant and then look for everywhere public.
NAME = "韩梅梅"
PHONE = "13912345678"
ID_NUMBER = "11010519491231002X"


def at(y: int, m: int, d: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, hour, tzinfo=BEIJING)


def send(org: Any, text: str = "党费收缴表里的金额请再核对一下。", **extra: Any) -> Any:
    options: dict[str, Any] = {"kind": "suggestion", "channel": "portal", **extra}
    return services.submit(org, text=text, **options)


def now() -> dt.datetime:
    return timezone.now()


def dues_table(people: Any, tree: Any, catalog: Any, title: str = "党费收缴情况") -> Any:
    """A published public disclosure of the village."""
    made = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(catalog, "phones"),  # a public item of the test catalog
        title=title,
        body="<p>2026年第三季度党费收缴情况</p>",
    )
    return published(people, made)
