"""A small ledger to verify and tamper with.

`chain` publishes three disclosures of the village and the sibling village, corrects one and
withdraws another, so the entries are:

    1 publish  notice  rev 1
    2 publish  dues    rev 1
    3 correct  notice  rev 2
    4 publish  roster  rev 1
    5 withdraw dues    rev 1   (names the revision it withdraws)
    6 correct  notice  rev 3

Rows are made with the ORM directly (the workflow is tested elsewhere); `append_entry` is
what the workflow calls inside its transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection, transaction

from gongkai.catalog import services as catalog_services
from gongkai.catalog.models import Catalog, Channel, Item, Scope, Timing
from gongkai.disclosures.models import Disclosure, Revision, State

# The disclosure tests' fixtures, for tests that drive the real workflow into the logs.
from gongkai.disclosures.tests.conftest import draft, village_catalog  # noqa: F401
from gongkai.ledger.models import LedgerEntry
from gongkai.ledger.services import append_entry

# The story built through the real workflow once per module (tamper and privacy tests).
from gongkai.ledger.tests.story import story, story_module  # noqa: F401

T0 = datetime(2025, 3, 1, 1, 2, 3, 456789, tzinfo=UTC)


@dataclass
class Chain:
    notice: Disclosure
    dues: Disclosure
    roster: Disclosure
    revisions: dict[str, Revision] = field(default_factory=dict)

    def entries(self) -> list[LedgerEntry]:
        return list(LedgerEntry.objects.order_by("sequence"))


@pytest.fixture
def catalog_item(tree, people) -> tuple[Catalog, Item]:
    catalog = catalog_services.create_catalog(
        tree.town, actor=people.office, title="青石镇目录", inherit=False
    )
    key = catalog_services.save_item(
        catalog,
        actor=people.office,
        values={
            "name": "村级集体经济项目进展",
            "scope": Scope.PUBLIC,
            "timing": Timing.EVENT,
            "deadline_days": 5,
            "deadline_basis": "event",
            "channels": [Channel.BOARD],
            "responsible_unit": "村委会",
        },
    )
    catalog_services.publish_catalog(catalog, actor=people.office, note="v1")
    catalog.refresh_from_db()
    return catalog, Item.objects.get(catalog=catalog, key=key)


@pytest.fixture
def make_disclosure(catalog_item, people):
    catalog, item = catalog_item

    def make(org, title: str, **extra: Any) -> Disclosure:
        return Disclosure.objects.create(
            organization=org,
            catalog=catalog,
            catalog_version=catalog.version,
            item=item,
            title=title,
            scope=Scope.PUBLIC,
            state=State.PUBLISHED,
            created_by=people.clerk,
            **extra,
        )

    return make


@pytest.fixture
def make_revision(people):
    def make(disclosure: Disclosure, *, title: str, body: str = "", data: Any = None) -> Revision:
        number = disclosure.revisions.count() + 1
        return Revision.objects.create(
            disclosure=disclosure,
            number=number,
            title=title,
            body=body,
            data=data if data is not None else {},
            created_by=people.clerk,
        )

    return make


@pytest.fixture
def chain(tree, make_disclosure, make_revision) -> Chain:
    notice = make_disclosure(tree.village, "东岭村2025年第一季度村务公开")
    dues = make_disclosure(tree.village, "党员党费缴纳情况")
    roster = make_disclosure(tree.sibling_village, "发展党员公示")
    c = Chain(notice, dues, roster)
    r = c.revisions
    r["notice1"] = make_revision(
        notice,
        title="东岭村2025年第一季度村务公开",
        body="<p>修路工程已完工，决算金额 12.5 万元。</p>",
    )
    r["dues1"] = make_revision(
        dues,
        title="党员党费缴纳情况",
        data={"rows": [{"姓名": "王党员", "金额": 30.5}, {"姓名": "李文书", "金额": 24}]},
    )
    r["notice2"] = make_revision(
        notice,
        title="东岭村2025年第一季度村务公开（更正）",
        body="<p>决算金额更正为 12.8 万元。</p>",
    )
    r["roster1"] = make_revision(
        roster,
        title="发展党员公示",
        body="<p>拟发展对象如下，公示期五个工作日。</p>",
        data={"fields": {"stage": "预备党员"}, "rows": [{"name": "张三", "gender": "男"}]},
    )
    r["notice3"] = make_revision(notice, title="东岭村2025年第一季度村务公开（再更正）")
    plan = [
        ("publish", "notice1"),
        ("publish", "dues1"),
        ("correct", "notice2"),
        ("publish", "roster1"),
        ("withdraw", "dues1"),
        ("correct", "notice3"),
    ]
    for k, (action, name) in enumerate(plan):
        append_entry(action=action, revision=r[name], at=T0 + timedelta(hours=k, microseconds=k))
    return c


def table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def raw(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@contextmanager
def rolled_back() -> Iterator[None]:
    """Tamper inside a savepoint and undo it afterwards (one hypothesis example each)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def set_entry(sequence: int, column: str, value: Any) -> None:
    """Change a stored entry behind the model's back, as a database user could."""
    raw(
        f"UPDATE {table(LedgerEntry)} SET {connection.ops.quote_name(column)} = %s "
        "WHERE sequence = %s",
        [value, sequence],
    )


def flip_one_byte(text: str, index: int) -> str:
    """`text` with one byte of its UTF-8 form changed, still valid UTF-8 and still a
    different string after NFC (so the change is a change of content)."""
    import unicodedata

    data = bytearray(text.encode())
    for offset in range(len(data)):
        position = (index + offset) % len(data)
        for bit in (0x01, 0x02, 0x04):
            changed = bytearray(data)
            changed[position] ^= bit
            try:
                result = changed.decode()
            except UnicodeDecodeError:
                continue
            if "\x00" in result:
                continue
            if unicodedata.normalize("NFC", result) != unicodedata.normalize("NFC", text):
                return result
    raise AssertionError(f"no one-byte change of {text!r} changes its content")
