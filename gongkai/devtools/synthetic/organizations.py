"""A deterministic, realistic synthetic organization tree for scale tests and benchmarks.

`generate(total, seed)` yields exactly `total` organizations in tree (pre-)order: one
province committee, its cities, their counties and city-level bureaus, the counties' towns
and bureaus, and below the towns general branches and branches (grid, village-group and
workshop branches hang below the general branches). The same `total` and `seed` always give
the same tree, codes and names, on any machine: nothing depends on hash seeds, dict order
or the clock.

The shape is budget-driven: every node is handed the exact size of its subtree and splits
what is left among its children with seeded random weights, so subtree sizes are known
while generating (no second pass) and the total is exact. At 1,000,000 organizations the
cities hold about 50,000 each; `SeedSummary.large` records the node whose subtree is
closest to 5 % of the total, which is what `gongkai bench` times: at 1,000,000 with seed 1
that is the city P01-C05 with 50,644 organizations.

`load(total, seed)` writes the tree in batches of one prepared INSERT (COPY on PostgreSQL),
computing paths in Python with `tree.encode_segment` and handing out primary keys itself so
children can point at parents without reading anything back. It never goes through
`services.create_organization`, which costs two statements per row.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.management.color import no_style
from django.db import connections, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongkai.organizations import tree
from gongkai.organizations.models import Organization

# What `gongkai seed` says about this step.
NOTHING_TO_SEED = _("Nothing to seed: give --orgs N.")
NOT_A_CLEAN_DATABASE = _(
    "The database already holds %(count)d organizations. Seed into a clean database, or add "
    "--force to add the synthetic tree beside them."
)
CODE_TAKEN = _("A synthetic code is already taken (%(error)s); nothing was seeded.")
SEEDED = _(
    "Seeded %(total)d organizations (seed %(seed)d) in %(seconds).1f s: %(kinds)s. The "
    "largest test subtree is %(code)s with %(size)d organizations; the root is %(root)s."
)

#: Bump when a change to the generator changes its output (benchmark caches key on it).
GENERATOR_VERSION = 1

K = Organization.Kind

# Subtree sizes the generator aims at; the actual sizes vary around them by up to ±30 %.
CITY_TARGET = 50_000
COUNTY_TARGET = 6_000
TOWN_TARGET = 350
GENERAL_BRANCH_TARGET = 30
LARGE_FRACTION = 0.05  # the benchmark's "50,000 of 1,000,000"
SMALL_TARGET = 30

# Syllables for invented place names: two characters, one from each list.
_FIRST = (
    "青白东西南北云金石松柳桃梅清平安永长新兴龙凤鹤黄红碧宁泰和丰溪湖双三古望高春秋花竹杏兰枫桂"
)
_SECOND = "石岭沙河山水川林桥源塘湾坪口岗阳峰泉田溪庄坝洲屯湖冲"
_BUREAUS = (
    "市场监管局",
    "教育局",
    "卫生健康局",
    "财政局",
    "公安局",
    "交通运输局",
    "农业农村局",
    "自然资源局",
    "住房城乡建设局",
    "人力资源社会保障局",
    "民政局",
    "司法局",
    "审计局",
    "统计局",
    "文化和旅游局",
    "水务局",
    "应急管理局",
    "生态环境局",
    "退役军人事务局",
    "医疗保障局",
    "林业局",
    "商务局",
    "发展和改革局",
    "科学技术局",
)
_TOWN_UNITS = ("机关", "中心学校", "卫生院", "中心幼儿园", "农业服务中心", "派出所")
_ENTERPRISE_SUFFIXES = ("农业专业合作社", "建材有限公司", "茶叶有限公司", "物流有限公司", "食品厂")
_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 13 → 十三, 30 → 三十, 105 → 一百零五 (up to 9,999)."""
    if not 0 < n < 10_000:
        return str(n)
    parts: list[str] = []
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, value)
        if digit:
            if zero:
                parts.append("零")
                zero = False
            parts.append(_DIGITS[digit] + unit)
        elif parts:
            zero = True
    text = "".join(parts)
    return text[1:] if text.startswith("一十") else text


@dataclass(frozen=True, slots=True)
class SyntheticOrg:
    """One generated organization; `index` and `parent_index` count from 0 in yield order."""

    index: int
    parent_index: int | None
    code: str
    name: str
    kind: str
    path: str
    is_pilot: bool
    size: int  # of its subtree, itself included

    @property
    def depth(self) -> int:
        return tree.depth_of(self.path)


@dataclass(frozen=True)
class Landmark:
    """A node a benchmark or a demo can refer to by code."""

    code: str
    path: str
    depth: int
    size: int

    @classmethod
    def of(cls, org: SyntheticOrg) -> Landmark:
        return cls(org.code, org.path, org.depth, org.size)


@dataclass
class SeedSummary:
    total: int
    seed: int
    root: Landmark
    #: The subtree closest to 5 % of the total: about 50,000 at 1,000,000.
    large: Landmark
    #: A general branch with about 30 organizations.
    small: Landmark
    #: The last node generated at the greatest depth.
    deep: Landmark
    by_kind: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "seed": self.seed,
            "generator_version": GENERATOR_VERSION,
            "root": vars(self.root),
            "large": vars(self.large),
            "small": vars(self.small),
            "deep": vars(self.deep),
            "by_kind": self.by_kind,
            "seconds": round(self.seconds, 1),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> SeedSummary:
        def landmark(key: str) -> Landmark:
            return Landmark(**data[key])  # type: ignore[arg-type]

        return cls(
            total=int(data["total"]),  # type: ignore[call-overload]
            seed=int(data["seed"]),  # type: ignore[call-overload]
            root=landmark("root"),
            large=landmark("large"),
            small=landmark("small"),
            deep=landmark("deep"),
            by_kind=dict(data["by_kind"]),  # type: ignore[call-overload]
            seconds=float(data.get("seconds", 0.0)),  # type: ignore[arg-type]
        )


class _Generator:
    def __init__(self, total: int, seed: int, province_number: int) -> None:
        if total < 1:
            raise ValueError("a synthetic tree needs at least one organization")
        self.total = total
        self.rng = random.Random(seed)
        self.province_number = province_number
        self.next_index = 0
        self.by_kind: Counter[str] = Counter()
        self.large: SyntheticOrg | None = None
        self.small: SyntheticOrg | None = None
        self.deep: SyntheticOrg | None = None
        self.root: SyntheticOrg | None = None

    # -- helpers ---------------------------------------------------------------------------

    def _split(self, total: int, parts: int, spread: float = 0.3) -> list[int]:
        """`parts` positive sizes summing to `total` (parts <= total), varied by ±spread."""
        weights = [1 + spread * (2 * self.rng.random() - 1) for _ in range(parts)]
        scale = (total - parts) / sum(weights)
        sizes = [1 + int(w * scale) for w in weights]
        for i in range(total - sum(sizes)):
            sizes[i % parts] += 1
        return sizes

    @staticmethod
    def _fanout(rest: int, target: int, cap: int, min_child: int) -> int:
        """How many children share `rest`: about rest/target, at least two when each of
        them can still hold `min_child` organizations, never more than `cap` or `rest`."""
        wanted = max(round(rest / target), min(2, rest // min_child), 1)
        return max(1, min(wanted, cap, rest))

    def _place_names(self, count: int) -> list[str]:
        """`count` distinct invented two-character place names (numbered past ~1,300)."""
        pool = [a + b for a in _FIRST for b in _SECOND if a != b]
        if count <= len(pool):
            return self.rng.sample(pool, count)
        names = list(pool)
        self.rng.shuffle(names)
        return [
            names[i % len(pool)] + ("" if i < len(pool) else str(i // len(pool)))
            for i in range(count)
        ]

    def _emit(
        self,
        parent: SyntheticOrg | None,
        number: int,
        code_part: str,
        name: str,
        kind: str,
        size: int,
        is_pilot: bool = False,
    ) -> SyntheticOrg:
        parent_path = parent.path if parent else ""
        code = f"{parent.code}-{code_part}" if parent else code_part
        org = SyntheticOrg(
            index=self.next_index,
            parent_index=parent.index if parent else None,
            code=code,
            name=name,
            kind=kind,
            path=parent_path + tree.encode_segment(number),
            is_pilot=is_pilot,
            size=size,
        )
        self.next_index += 1
        self.by_kind[str(kind)] += 1
        target = self.total * LARGE_FRACTION
        if org.size > 1 and (
            self.large is None or abs(org.size - target) < abs(self.large.size - target)
        ):
            self.large = org
        if kind == K.GENERAL_BRANCH and (
            self.small is None or abs(org.size - SMALL_TARGET) < abs(self.small.size - SMALL_TARGET)
        ):
            self.small = org
        if self.deep is None or len(org.path) >= len(self.deep.path):
            self.deep = org
        return org

    # -- levels ----------------------------------------------------------------------------

    def run(self) -> Iterator[SyntheticOrg]:
        place = self._place_names(1)[0]
        root = self._emit(
            None,
            self.province_number,
            f"P{self.province_number:02d}",
            f"{place}省委",
            K.COMMITTEE,
            self.total,
        )
        self.root = root
        yield root
        rest = self.total - 1
        if not rest:
            return
        cities = self._fanout(rest, CITY_TARGET, 99, min_child=8)
        names = self._place_names(cities)
        for number, (size, name) in enumerate(
            zip(self._split(rest, cities), names, strict=True), 1
        ):
            city = self._emit(root, number, f"C{number:02d}", f"{name}市委", K.COMMITTEE, size)
            yield city
            yield from self._city(city, name, size - 1)

    def run_county(self) -> Iterator[SyntheticOrg]:
        """A county committee at the top instead of a province: its bureaus and towns, and the
        towns' general branches and branches (the shape one county's deployment has)."""
        place = self._place_names(1)[0]
        number = self.province_number
        root = self._emit(None, number, f"X{number:02d}", f"{place}县委", K.COMMITTEE, self.total)
        self.root = root
        yield root
        if self.total > 1:
            yield from self._county(root, place + "县", self.total - 1)

    def _city(self, city: SyntheticOrg, city_name: str, rest: int) -> Iterator[SyntheticOrg]:
        number = 0
        # A few city-level bureaus (party groups with their office branches).
        for j, bureau in enumerate(
            self.rng.sample(_BUREAUS, min(len(_BUREAUS), rest // 12_000)), 1
        ):
            size = 1 + self.rng.randint(2, 8)
            number += 1
            yield from self._bureau(city, number, j, f"{city_name}市{bureau}", bureau, size)
            rest -= size
        if not rest:
            return
        counties = self._fanout(rest, COUNTY_TARGET, 30, min_child=5)
        names = self._place_names(counties)
        for x, (size, name) in enumerate(zip(self._split(rest, counties), names, strict=True), 1):
            number += 1
            title = f"{name}区委" if self.rng.random() < 0.25 else f"{name}县委"
            county = self._emit(city, number, f"X{x:02d}", title, K.COMMITTEE, size)
            yield county
            yield from self._county(county, name + title[2], size - 1)

    def _county(self, county: SyntheticOrg, county_name: str, rest: int) -> Iterator[SyntheticOrg]:
        number = 0
        bureaus = self.rng.sample(_BUREAUS, min(len(_BUREAUS), rest // 150))
        for j, bureau in enumerate(bureaus, 1):
            size = min(1 + self.rng.randint(1, 6), rest - 1) if rest > 1 else 1
            if rest - size < 1:
                break
            number += 1
            yield from self._bureau(county, number, j, f"{county_name}{bureau}", bureau, size)
            rest -= size
        if not rest:
            return
        towns = self._fanout(rest, TOWN_TARGET, 40, min_child=4)
        names = self._place_names(towns)
        for t, (size, name) in enumerate(zip(self._split(rest, towns), names, strict=True), 1):
            number += 1
            draw = self.rng.random()
            suffix = "街道党工委" if draw < 0.2 else "乡党委" if draw < 0.35 else "镇党委"
            town = self._emit(county, number, f"T{t:02d}", name + suffix, K.COMMITTEE, size)
            yield town
            yield from self._town(town, name, size - 1)

    def _bureau(
        self, parent: SyntheticOrg, number: int, j: int, name: str, short: str, size: int
    ) -> Iterator[SyntheticOrg]:
        bureau = self._emit(parent, number, f"J{j:02d}", f"{name}党组", K.PARTY_GROUP, size)
        yield bureau
        for i in range(1, size):
            yield self._emit(
                bureau, i, f"B{i:03d}", f"{short}机关第{chinese_number(i)}党支部", K.BRANCH, 1
            )

    def _town(self, town: SyntheticOrg, town_name: str, rest: int) -> Iterator[SyntheticOrg]:
        if not rest:
            return
        general = min(12, round(rest / 2 / GENERAL_BRANCH_TARGET)) if rest >= 12 else 0
        in_general = rest // 2 if general else 0
        direct = rest - in_general
        names = self._place_names(general + direct)
        number = 0
        for size in self._split(in_general, general) if general else []:
            number += 1
            place = names[number - 1]
            draw = self.rng.random()
            if draw < 0.5:
                name, below = f"{place}社区党总支", "网格党支部"
            elif draw < 0.8:
                name, below = f"{place}村党总支", "村民小组党支部"
            else:
                name, below = f"{place}{self.rng.choice(_ENTERPRISE_SUFFIXES)}党总支", "车间党支部"
            gb = self._emit(town, number, f"Z{number:02d}", name, K.GENERAL_BRANCH, size)
            yield gb
            for i in range(1, size):
                yield self._emit(
                    gb,
                    i,
                    f"B{i:03d}",
                    f"第{chinese_number(i)}{below}",
                    K.BRANCH,
                    1,
                    is_pilot=self.rng.random() < 0.005,
                )
        for i in range(1, direct + 1):
            number += 1
            draw = self.rng.random()
            if i <= len(_TOWN_UNITS) and draw < 0.5:
                name = f"{town_name}{_TOWN_UNITS[i - 1]}党支部"
            elif draw < 0.8:
                name = f"{names[number - 1]}村党支部"
            elif draw < 0.9:
                name = f"{names[number - 1]}社区党支部"
            else:
                name = f"{names[number - 1]}{self.rng.choice(_ENTERPRISE_SUFFIXES)}党支部"
            yield self._emit(
                town, number, f"B{i:03d}", name, K.BRANCH, 1, is_pilot=self.rng.random() < 0.01
            )

    def summary(self) -> SeedSummary:
        assert self.root and self.large and self.deep, "summary() before the tree was generated"
        small = self.small or self.large
        return SeedSummary(
            total=self.total,
            seed=0,
            root=Landmark.of(self.root),
            large=Landmark.of(self.large) if self.large.size > 1 else Landmark.of(self.root),
            small=Landmark.of(small),
            deep=Landmark.of(self.deep),
            by_kind=dict(sorted(self.by_kind.items())),
        )


def generate(total: int, seed: int, *, province_number: int = 1) -> Iterator[SyntheticOrg]:
    """Yield the synthetic tree in pre-order: every parent before its children."""
    yield from _Generator(total, seed, province_number).run()


def describe(total: int, seed: int, *, province_number: int = 1) -> SeedSummary:
    """The summary `load` would return, without touching a database (a few seconds at 1M)."""
    gen = _Generator(total, seed, province_number)
    for _row in gen.run():
        pass
    summary = gen.summary()
    summary.seed = seed
    return summary


# -- writing -------------------------------------------------------------------------------

_COLUMNS = (
    "id",
    "code",
    "name",
    "kind",
    "parent_id",
    "path",
    "depth",
    "is_pilot",
    "setting",
    "supervision_phone",
    "opinion_mailbox",
    "address",
    "spokesperson",
    "press_liaison",
    "is_active",
    "listing_version",
    "created_at",
    "updated_at",
)


def free_province_number(using: str = "default") -> int:
    """The first root slot whose code P<nn> and path are both unused (1 on an empty tree)."""
    roots = Organization.objects.using(using).filter(parent__isnull=True)
    used_paths = set(roots.values_list("path", flat=True))
    used_codes = set(roots.values_list("code", flat=True))
    number = 1
    while tree.encode_segment(number) in used_paths or f"P{number:02d}" in used_codes:
        number += 1
    return number


def load(
    total: int,
    seed: int,
    *,
    using: str = "default",
    province_number: int = 1,
    batch_size: int | None = None,
    county: bool = False,
) -> SeedSummary:
    """Generate the tree and write it in one transaction; return what was written.

    The root goes into slot `province_number` (its code is P<nn>, or X<nn> for a `county`
    at the top); the caller makes sure the slot is free (see `free_province_number`).
    """
    started = timezone.now()
    connection = connections[using]
    gen = _Generator(total, seed, province_number)
    rows = gen.run_county() if county else gen.run()
    with transaction.atomic(using=using):
        first_id = (Organization.objects.using(using).aggregate(m=Max("id"))["m"] or 0) + 1
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Commit durably even where synchronous_commit is off (test clusters): until
                # the commit is flushed no reader may set hint bits, so a VACUUM right after
                # the load cannot mark pages all-visible and index-only scans visit the heap.
                cursor.execute("SET LOCAL synchronous_commit TO on")
            _copy_postgresql(using, rows, first_id, started)
        else:
            _insert_batches(using, rows, first_id, started, batch_size or 5_000)
        # Primary keys were handed out here, so the sequence must be moved past them.
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Organization]):
                cursor.execute(sql)
    summary = gen.summary()
    summary.seed = seed
    summary.seconds = (timezone.now() - started).total_seconds()
    return summary


def _setting(row: SyntheticOrg) -> str:
    """Branches named after a community work in one; other branches in a village."""
    if row.kind != Organization.Kind.BRANCH:
        return ""
    return Organization.Setting.COMMUNITY if "社区" in row.name else Organization.Setting.VILLAGE


def _row_values(row: SyntheticOrg, first_id: int, now: object) -> tuple[Any, ...]:
    """One row in `_COLUMNS` order."""
    parent_id = None if row.parent_index is None else first_id + row.parent_index
    return (
        first_id + row.index,
        row.code,
        row.name,
        str(row.kind),
        parent_id,
        row.path,
        row.depth,
        row.is_pilot,
        _setting(row),
        "",
        "",
        "",
        "",
        "",
        True,
        0,
        now,
        now,
    )


def refresh_statistics(using: str = "default") -> None:
    """Planner statistics after a bulk load; on PostgreSQL also the visibility map, without
    which an index-only scan reads the heap for every row it counts. VACUUM cannot run in a
    transaction, so inside one (a test) only the statistics are refreshed."""
    connection = connections[using]
    table = connection.ops.quote_name(Organization._meta.db_table)
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {table}" if vacuum else f"ANALYZE {table}")


def _insert_batches(
    using: str, rows: Iterator[SyntheticOrg], first_id: int, now: datetime, batch_size: int
) -> None:
    """Batched `executemany` of one prepared INSERT.

    Not `bulk_create`: at a million rows Django spends about three quarters of the time
    compiling each value into SQL (78 s for 1M on SQLite, against about 15 s here). The
    values are the ones `bulk_create` would send: a datetime adapted once by the backend.
    """
    connection = connections[using]
    table = connection.ops.quote_name(Organization._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(_COLUMNS))})"
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(_row_values(row, first_id, stamp))
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)


def _copy_postgresql(
    using: str, rows: Iterator[SyntheticOrg], first_id: int, now: datetime
) -> None:
    """COPY is an order of magnitude faster than INSERTs on PostgreSQL at a million rows."""
    table = Organization._meta.db_table
    columns = ", ".join(f'"{c}"' for c in _COLUMNS)
    with (
        connections[using].cursor() as cursor,
        cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy,
    ):
        for row in rows:
            copy.write_row(_row_values(row, first_id, now))
