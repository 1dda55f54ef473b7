"""The echo-wall condition is `visibility.in_scope` (held together for every person, scope and
organization of the test tree); the reindex command; the benchmark's queries; newest first
needs no sort on SQLite."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection

from gongkai.catalog.models import Scope
from gongkai.disclosures.visibility import in_scope
from gongkai.search import backends, bench_queries, index, query
from gongkai.search.models import Entry, Kind
from gongkai.search.tests.entries import opinion_entry

AT = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)


def test_echo_condition_is_in_scope(tree, people):
    backends.clear()
    orgs = [getattr(tree, f.name) for f in dataclasses.fields(tree)]
    planted = {}
    n = 0
    for org in orgs:
        for scope in Scope.values:
            n += 1
            entry = index._put(
                Entry(
                    kind=Kind.OPINION,
                    source_id=n,
                    organization=org,
                    scope=scope,
                    date=AT + dt.timedelta(minutes=n),
                    title="回音",
                    text="",
                )
            )
            planted[entry.pk] = (org, scope)
    persons = [AnonymousUser(), *(getattr(people, f.name) for f in dataclasses.fields(people))]
    for person in persons:
        found = set(
            Entry.objects.filter(query.in_scope_condition(person)).values_list("pk", flat=True)
        )
        expected = {pk for pk, (org, scope) in planted.items() if in_scope(person, org, scope)}
        assert found == expected, person


def test_reindex_command_and_bench_queries(tree):
    backends.clear()
    for n, text in enumerate(["党费收缴公示", "党员大会公示", "支部党费"]):
        index._put(
            opinion_entry(tree.village, n + 1, date=AT + dt.timedelta(minutes=n), title=text)
        )
    # Opinions planted without an Opinion row are dropped by a rebuild: it writes from sources.
    call_command("search_reindex", batch=1)
    assert not Entry.objects.exists()
    for n, text in enumerate(["党费收缴公示", "党员大会公示", "支部党费"]):
        index._put(
            opinion_entry(tree.village, n + 1, date=AT + dt.timedelta(minutes=n), title=text)
        )
    queries = bench_queries(300)
    assert len(queries) == 300 and len(set(queries)) == 300
    assert queries[:2] == ["党费", "公示"]
    assert all(0 < len(q) <= query.QUERY_MAX for q in queries)
    assert bench_queries(300) == queries


def test_newest_first_needs_no_sort_on_sqlite(tree):
    if connection.vendor != "sqlite":
        return
    parsed = query.parse("党费")
    qs = query.matching(query.visible_entries(AnonymousUser(), AT), parsed)
    qs = qs.order_by().extra(order_by=backends.newest_first())[:21]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "search_fts VIRTUAL TABLE INDEX" in plan, plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan, plan
