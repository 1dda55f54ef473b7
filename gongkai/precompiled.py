"""Querysets of a fixed shape, compiled to SQL once per connection and then run with new values.

Turning a queryset into SQL costs Django about a millisecond a query (building the query,
resolving every expression, compiling each annotation and subquery); running the SQL it
produced costs a tenth of that. A public page asks the same few questions on every request,
differing only in values (an organization's code, a disclosure's number, a list of tree
paths), so `Precompiled` compiles each question once and binds the next request's values
into the SQL the ORM wrote:

    organization = Precompiled(lambda code: Organization.objects.filter(code=code)[:2])
    rows = organization("P01-T02")  # a list of Organization, as list(queryset) gives

The SQL is always the ORM's own, never written by hand: the first call of a shape builds the
queryset twice, once with stand-in values (sentinels) and once with the caller's, and finds
where each sentinel landed among the parameters. The shape is used only if the sentinels'
SQL is exactly the caller's and binding the caller's values gives exactly the ORM's
parameters; otherwise (a value that the ORM transforms, such as a LIKE pattern, a value
that changes the SQL, a query Django would not run) every call of that shape goes through
the ORM as before. Every `RECHECK_EVERY`th call compiles through the ORM again and compares,
so a builder that wrongly reads something other than its arguments is caught and dropped.

The contract of a builder: the queryset depends on its positional arguments only, which
go into filters as they are (no branching on their values, no clock, no settings, no
database reads). Values are ints, strs and aware datetimes, or tuples or lists of ints and
strs without repeats (a list's length is part of the shape); anything else (None, bools,
large ints, a list with a value twice) goes through the ORM. Only plain model querysets are compiled (no `values()`, no
`prefetch_related`, no related manager); rows come back as `list(queryset)` would give them:
instances with their `select_related` objects and annotations.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators  # type: ignore[attr-defined]
from django.db.models.sql.compiler import SQLCompiler

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=Model)

#: Every this many calls of a compiled shape, the ORM compiles the call again and the two
#: must agree (otherwise the shape is dropped and logged).
RECHECK_EVERY = 1000
#: Integers beyond this go through the ORM: it treats values outside a column's range
#: specially (no match), and the databases refuse the largest outright.
INT_LIMIT = 2**31 - 1
#: Sentinel integers count down from the first of these: inside an integer column's range but
#: unlike any id or count of a test or a demo; where a shape does not plan with them (a
#: small integer column refuses them as out of range), from the second.
_INT_SENTINEL = 2_000_000_000
_SMALL_INT_SENTINEL = 32_000
_EPOCH = dt.datetime(1901, 2, 3, 4, 5, 6, tzinfo=dt.UTC)

#: Where a parameter comes from: a constant of the query, or argument (index, element
#: index or None) through an adapter (None: as is).
_Slot = tuple[str, Any, Any, Any]


def _kind(value: Any) -> Any:
    """The shape of one argument, or None when it cannot be bound."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return "i" if -INT_LIMIT <= value <= INT_LIMIT else None
    if isinstance(value, str):
        return "s"
    if isinstance(value, dt.datetime):
        return "t" if value.tzinfo is not None else None
    if isinstance(value, list | tuple):
        kinds = tuple(_kind(v) for v in value)
        if not kinds or any(k not in ("i", "s") for k in kinds) or len(set(value)) < len(value):
            return None  # empty, mixed, or with repeats (the ORM's IN drops them: other SQL)
        return (type(value).__name__, kinds)
    return None


def _sentinels(shape: tuple[Any, ...], int_base: int) -> list[Any]:
    counter = iter(range(1_000_000))

    def one(kind: str) -> Any:
        n = next(counter)
        if kind == "i":
            return int_base - n
        if kind == "s":
            return f"\U000f0000{n}\U000f0001"
        return _EPOCH + dt.timedelta(microseconds=n + 1)

    out: list[Any] = []
    for kind in shape:
        if isinstance(kind, tuple):
            values = [one(k) for k in kind[1]]
            out.append(tuple(values) if kind[0] == "tuple" else values)
        else:
            out.append(one(kind))
    return out


def _compile(qs: QuerySet[Any]) -> tuple[SQLCompiler, str, tuple[Any, ...]]:
    compiler = qs.query.get_compiler(using=qs.db)
    sql, params = compiler.as_sql()
    return compiler, sql, tuple(params)


@dataclass
class _Plan:
    alias: str
    sql: str
    slots: tuple[_Slot, ...]
    compiler: SQLCompiler
    calls: int = 0

    def params(self, args: Sequence[Any]) -> tuple[Any, ...]:
        out = []
        for source, value, element, adapt in self.slots:
            if source == "const":
                out.append(value)
                continue
            arg = args[value] if element is None else args[value][element]
            out.append(adapt(arg) if adapt is not None else arg)
        return tuple(out)

    def run(self, connection: BaseDatabaseWrapper, args: Sequence[Any]) -> list[Any]:
        """`ModelIterable.__iter__` over the stored SQL: the same rows, instances, related
        objects and annotations as `list(queryset)`."""
        compiler = self.compiler
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params(args))
            rows = cursor.fetchall()
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        model_cls, start, end, init_list, populators = self.instances
        annotations = compiler.annotation_col_map.items()
        out = []
        for row in compiler.results_iter(results=[rows]):
            obj = model_cls.from_db(self.alias, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotations:
                setattr(obj, name, row[position])
            out.append(obj)
        return out

    @functools.cached_property
    def instances(self) -> tuple[type[Model], int, int, list[str], list[Any]]:
        """How a row becomes an instance: its model, the slice of its own columns, their
        attribute names and the populators of its `select_related` objects."""
        select, klass_info = self.compiler.select, self.compiler.klass_info
        assert klass_info is not None
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        init_list = [f[0].target.attname for f in select[start:end]]
        populators = get_related_populators(klass_info, select, self.alias)
        return klass_info["model"], start, end, init_list, populators


class Precompiled(Generic[M]):
    """A queryset builder whose SQL is compiled once per connection and shape (see the module's
    docstring for the contract). Calling it returns `list(build(*args))`."""

    def __init__(self, build: Callable[..., QuerySet[M]]) -> None:
        self.build = build
        self.alias: str | None = None

    def __call__(self, *args: Any) -> list[M]:
        shape = tuple(_kind(a) for a in args)
        if None in shape:
            return self._through_orm(args)
        if self.alias is None:
            self.alias = self.build(*args).db
        connection = connections[self.alias]
        plans: dict[Any, _Plan | None] = connection.__dict__.setdefault("_gongkai_plans", {})
        key = (self, shape)
        if key not in plans:
            plans[key] = self._plan(shape, args)
            return self._through_orm(args)
        plan = plans[key]
        if plan is None:
            return self._through_orm(args)
        plan.calls += 1
        if plan.calls % RECHECK_EVERY == 0 and not self._agrees(plan, args):
            logger.error("precompiled query %r changed for %r: dropped", self.build, args)
            plans[key] = None
            return self._through_orm(args)
        return plan.run(connection, args)

    def is_compiled(self, *args: Any) -> bool:
        """Whether calls with arguments of this shape run the stored SQL (for tests)."""
        if self.alias is None:
            return False
        plans = connections[self.alias].__dict__.get("_gongkai_plans", {})
        return plans.get((self, tuple(_kind(a) for a in args))) is not None

    def _through_orm(self, args: Sequence[Any]) -> list[M]:
        return list(self.build(*args))

    def _agrees(self, plan: _Plan, args: Sequence[Any]) -> bool:
        try:
            _compiler, sql, params = _compile(self.build(*args))
        except Exception:  # EmptyResultSet and the like: the ORM would not run this SQL
            return False
        return sql == plan.sql and params == plan.params(args)

    def _plan(self, shape: tuple[Any, ...], args: Sequence[Any]) -> _Plan | None:
        """The stored SQL for `shape`, or None when this shape must go through the ORM."""
        plan = self._plan_with(shape, args, _INT_SENTINEL)
        if plan is None and any(k == "i" or (isinstance(k, tuple) and "i" in k[1]) for k in shape):
            plan = self._plan_with(shape, args, _SMALL_INT_SENTINEL)
        return plan

    def _plan_with(
        self, shape: tuple[Any, ...], args: Sequence[Any], int_base: int
    ) -> _Plan | None:
        assert self.alias is not None
        sentinels = _sentinels(shape, int_base)
        try:
            qs = self.build(*sentinels)
            if (
                qs._iterable_class is not ModelIterable
                or qs._prefetch_related_lookups  # type: ignore[attr-defined]
                or qs._known_related_objects  # type: ignore[attr-defined]
                or qs.db != self.alias
            ):
                return None
            compiler, sql, params = _compile(qs)
        except Exception:  # EmptyResultSet, a sentinel out of a column's range …
            return None
        connection = connections[self.alias]
        adapt_datetime = connection.ops.adapt_datetimefield_value
        # Each sentinel, as given and as the ORM adapts it: (argument, element, adapter).
        found: dict[Any, tuple[int, int | None, Any]] = {}
        for index, value in enumerate(sentinels):
            if isinstance(value, list | tuple):
                for element, sentinel in enumerate(value):
                    found[sentinel] = (index, element, None)
            else:
                found[value] = (index, None, None)
                if isinstance(value, dt.datetime):
                    found[adapt_datetime(value)] = (index, None, adapt_datetime)
        slots: list[_Slot] = []
        for param in params:
            where = found.get(param) if isinstance(param, int | str | dt.datetime) else None
            if where is None:
                if isinstance(param, str) and "\U000f0000" in param:
                    return None  # a sentinel transformed (a LIKE pattern …): not bindable
                slots.append(("const", param, None, None))
            else:
                slots.append(("arg", *where))
        plan = _Plan(self.alias, sql, tuple(slots), compiler)
        # The caller's values must give the ORM's own SQL and parameters.
        if not self._agrees(plan, args):
            return None
        return plan
