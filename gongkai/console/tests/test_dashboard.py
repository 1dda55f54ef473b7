"""Compliance dashboards in the console: who sees them, that every number is the roll-ups'
(and the lists behind them hold exactly what they count), accessible charts, Excel files
holding the page's numbers, refusals in Chinese, and a read whose cost does not grow with
the subtree."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from gongkai.compliance import dashboard as dash
from gongkai.compliance import figures, obligations
from gongkai.compliance.models import Obligation, RollupCheck, State
from gongkai.compliance.tests.test_obligations import publish
from gongkai.conftest import client_for, make_org
from gongkai.console.views import dashboard as views
from gongkai.disclosures import clock

pytestmark = pytest.mark.django_db

BEIJING = dt.timezone(dt.timedelta(hours=8))
TODAY = dt.datetime(2026, 9, 1, 10, tzinfo=BEIJING)
YEAR = "period=2026"


@pytest.fixture
def year(tree, people, catalogs):  # type: ignore[no-untyped-def]
    """A year owed up to 1 September 2026: one publication on time, one late, the rest as
    the calendar left them."""
    obligations.generate(dt.date(2026, 9, 1))
    q1 = Obligation.objects.get(
        organization=tree.village, period_key="2026-Q1", item_key__endswith=".meetings"
    )
    publish(people, tree.village, "meetings", "2026-Q1", TODAY.replace(2026, 4, 2))
    h1 = Obligation.objects.get(
        organization=tree.village, period_key="2026-H1", item_key__endswith=".dues"
    )
    publish(people, tree.village, "dues", "2026-H1", TODAY.replace(2026, 8, 3))
    obligations.refresh(dt.date(2026, 9, 1))
    q1.refresh_from_db()
    h1.refresh_from_db()
    assert (q1.state, h1.state) == (State.ON_TIME, State.LATE)
    return q1


@pytest.fixture(autouse=True)
def _on_the_first_of_september():  # type: ignore[no-untyped-def]
    with clock.clock(TODAY):
        yield


def page(user, path):  # type: ignore[no-untyped-def]
    response = client_for(user).get(path)
    assert response.status_code == 200, response.content[:500]
    return response


# --- who sees what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "code", "status"),
    [
        ("office", "QS", 200),  # the town's office reaches its subtree
        ("office", "QS-01", 200),
        ("clerk", "QS-01", 200),  # staff of the village itself
        ("clerk", "QS", 403),
        ("superior_reviewer", "QS-01", 200),  # the superior's leading group
        ("superior_reviewer", "YL", 403),
        ("admin", "YL", 200),
        ("member", "QS-01", 403),  # no staff role: no console at all
        ("outsider", "QS", 403),
    ],
)
def test_a_dashboard_opens_for_whoever_may_see_the_organization_in_the_console(
    people, tree, year, persona, code, status
):
    client = client_for(getattr(people, persona))
    for path in (
        f"/console/dashboard/{code}/",
        f"/console/dashboard/{code}/obligations?show=due",
        f"/console/dashboard/{code}/headline.xlsx",
        f"/console/dashboard/{code}/obligations.xlsx",
    ):
        assert client.get(path).status_code == status, path


def test_anonymous_visitors_are_sent_to_sign_in(db, client, tree):
    response = client.get("/console/dashboard/QS/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_obligation_opens_only_for_those_who_may_see_its_organization(people, tree, year):
    assert (
        client_for(people.clerk).get(f"/console/dashboard/obligations/{year.pk}").status_code == 200
    )
    assert (
        client_for(people.office).get(f"/console/dashboard/obligations/{year.pk}").status_code
        == 200
    )
    sibling = Obligation.objects.filter(organization=tree.sibling_village).first()
    assert (
        client_for(people.clerk).get(f"/console/dashboard/obligations/{sibling.pk}").status_code
        == 404
    )


def test_the_menu_and_the_overview_lead_to_the_dashboard(people, tree):
    html = page(people.office, "/console/").content.decode()
    assert 'href="/console/dashboard/"' in html and 'href="/console/dashboard/QS/"' in html
    response = client_for(people.office).get("/console/dashboard/")
    assert response.status_code == 302 and response["Location"] == "/console/dashboard/QS/"


# --- the numbers -----------------------------------------------------------------------------


def test_the_headline_is_the_rollups_of_the_subtree(people, tree, year):
    response = page(people.office, f"/console/dashboard/QS/?{YEAR}")
    d = response.context["d"]
    stored = figures.subtree(tree.town, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert d.headline.counts == stored.counts
    assert (d.headline.on_time, d.headline.late) == (1, 1)
    assert d.organizations == 3
    rows = {r[0].value: r[1].value for r in response.context["tables"]["headline"].rows}
    assert rows["应公开事项"] == stored.due
    assert rows["公开覆盖率"] == stored.coverage and rows["按时公开率"] == stored.on_time_rate
    assert rows["已逾期"] == stored.overdue
    html = response.content.decode()
    assert f"{stored.on_time_rate}%" in html


def test_the_ranking_orders_the_direct_subordinates_and_opens_theirs(people, tree, year):
    response = page(people.office, f"/console/dashboard/QS/?{YEAR}")
    ranking = response.context["d"].ranking
    assert [r.figures.organization for r in ranking] == [tree.village, tree.sibling_village]
    assert [r.rank for r in ranking] == [1, 2]
    table = response.context["tables"]["ranking"]
    assert table.rows[0][1].href.startswith("/console/dashboard/QS-01/?")
    # A village clerk sees the town's figures nowhere, and from the village nothing above.
    village = page(people.clerk, f"/console/dashboard/QS-01/?{YEAR}")
    assert village.context["ancestors"] == [] and village.context["d"].ranking == []


def test_the_ranking_gives_equal_figures_equal_ranks():
    from collections import Counter

    from gongkai.compliance.figures import Figures

    nobody: Any = None  # ranking reads only the counts

    def f(on_time: int, overdue: int) -> Figures:
        counts = Counter(on_time=on_time, overdue=overdue)
        return Figures(nobody, dt.date(2026, 1, 1), dt.date(2026, 1, 31), counts)

    lines = dash.ranked([f(3, 0), f(3, 0), f(1, 1), f(0, 0)])
    assert [line.rank for line in lines] == [1, 1, 3, None]


def test_the_trend_covers_every_month_and_sums_to_the_headline(people, tree, year):
    d = page(people.office, f"/console/dashboard/QS/?{YEAR}").context["d"]
    assert [f.first.month for f in d.trend] == list(range(1, 13))
    assert sum(f.total for f in d.trend) == d.headline.total
    assert [f.first.month for f in d.quarters] == [1, 4, 7, 10]
    assert sum(f.total for f in d.quarters) == d.headline.total
    half = page(people.office, "/console/dashboard/QS/?period=2026-H2").context["d"]
    assert [f.first.month for f in half.trend] == [7, 8, 9, 10, 11, 12]


@pytest.mark.parametrize("show", sorted(dash.SHOWS))
def test_each_count_opens_the_list_of_exactly_the_obligations_it_counts(
    people, tree, year, show, monkeypatch
):
    monkeypatch.setattr(views, "PAGE_SIZE", 7)
    headline = figures.subtree(tree.town, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    which = dash.SHOWS[show]
    expected = set(
        figures.subtree_obligations(tree.town)
        .filter(state__in=which.states, due_date__year=2026)
        .values_list("pk", flat=True)
    )
    assert dash.count_of(headline, which) == len(expected)
    seen: list[int] = []
    pages = 1
    number = 1
    while number <= pages:
        response = page(
            people.office, f"/console/dashboard/QS/obligations?show={show}&{YEAR}&page={number}"
        )
        assert response.context["total"] == len(expected)
        pages = response.context["pages"]
        links = response.context["table"].rows
        seen += [int(row[1].href.rsplit("/", 1)[1]) for row in links]
        number += 1
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))


def test_an_obligation_shows_its_disclosure_and_a_list_links_it(people, tree, year):
    html = page(people.clerk, f"/console/dashboard/obligations/{year.pk}").content.decode()
    assert year.disclosure.title in html
    assert f'href="/console/disclosures/{year.disclosure_id}/"' in html
    listing = page(people.clerk, f"/console/dashboard/QS-01/obligations?show=on_time&{YEAR}")
    assert f"/console/disclosures/{year.disclosure_id}/" in listing.content.decode()


def test_a_list_shows_disclosure_titles_only_to_those_who_may_see_them(people, tree, year):
    from gongkai.conftest import grant, make_user
    from gongkai.organizations.models import Role

    town_clerk = make_user("town-clerk", "镇文书")
    grant(town_clerk, tree.town, Role.Kind.CLERK)  # the town itself, not below it
    html = page(
        town_clerk, f"/console/dashboard/QS/obligations?show=on_time&{YEAR}"
    ).content.decode()
    assert "三会一课" in html  # what is owed, and that it was fulfilled
    assert f"/console/disclosures/{year.disclosure_id}/" not in html
    assert f"/console/dashboard/obligations/{year.pk}" not in html


def test_the_overdue_list_counts_working_days(people, tree, year):
    d = page(people.office, f"/console/dashboard/QS/?{YEAR}").context["d"]
    assert d.overdue, "the fixture leaves overdue obligations"
    dues = [line.obligation.due_date for line in d.overdue]
    assert dues == sorted(dues)
    for line in d.overdue:
        assert line.days_overdue == -obligations.remaining_days(
            line.obligation, dt.date(2026, 9, 1)
        )
        assert line.days_overdue > 0


# --- charts, print -----------------------------------------------------------------------------


def test_charts_are_images_with_a_title_a_description_and_their_table_behind(people, tree, year):
    response = page(people.office, f"/console/dashboard/QS/?{YEAR}")
    html = response.content.decode()
    charts = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert len(charts) == 3
    for svg in charts:
        assert 'role="img"' in svg
        ids = re.search(r'aria-labelledby="([^"]+) ([^"]+)"', svg).groups()
        assert f'<title id="{ids[0]}">' in svg and f'<desc id="{ids[1]}">' in svg
        assert "style=" not in svg and "<script" not in svg  # the CSP allows neither
        # The series differ by pattern, and are named in a legend.
        assert "<pattern" in svg
    # Each chart's table follows it.
    for chart_id, table_id in (
        ("ranking-chart", "ranking-table"),
        ("trend-chart", "trend-table"),
        ("quarter-chart", "quarters-table"),
    ):
        assert html.index(f'id="{chart_id}-title"') < html.index(f'id="{table_id}"')
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "dashboard.css" in html


def test_the_print_stylesheet_is_for_a4_without_navigation():
    from pathlib import Path

    css = (Path(views.__file__).parents[1] / "static/console/dashboard.css").read_text()
    printing = css[css.index("@media print") :]
    assert "size: A4" in printing
    assert "thead { display: table-header-group; }" in printing
    assert "break-inside: avoid" in printing


# --- Excel --------------------------------------------------------------------------------------


def _sheet(response):  # type: ignore[no-untyped-def]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 1
    return book[book.sheetnames[0]]


@pytest.mark.parametrize("key", views.EXPORTS)
def test_every_table_downloads_as_excel_holding_the_page_numbers(people, tree, year, key):
    client = client_for(people.office)
    shown = client.get(f"/console/dashboard/QS/?{YEAR}").context["tables"][key]
    assert (
        f'href="/console/dashboard/QS/{key}.xlsx?{YEAR}"'
        in client.get(f"/console/dashboard/QS/?{YEAR}").content.decode()
    )
    sheet = _sheet(client.get(f"/console/dashboard/QS/{key}.xlsx?{YEAR}"))
    assert sheet.title == shown.sheet and re.search(r"[\u4e00-\u9fff]", sheet.title)
    rows = list(sheet.iter_rows(values_only=True))
    assert "青石镇党委" in rows[0][0] and "2026年度" in rows[0][0] and shown.caption in rows[0][0]
    start = 2 if shown.note else 1
    assert list(rows[start]) == [c.header for c in shown.columns]
    body = rows[start + 1 :]
    assert len(body) == len(shown.rows)
    for got, want in zip(body, shown.rows, strict=True):
        for cell, value, column in zip(sheet_cells(sheet, got), want, shown.columns, strict=True):
            kind = value.kind or column.kind
            if value.value is None:
                assert cell.value is None
            elif kind == "rate":
                assert cell.number_format == "0.0%"
                assert Decimal(str(cell.value)) * 100 == value.value
            elif kind in ("count", "days"):
                assert isinstance(cell.value, int) and cell.value == value.value
            elif isinstance(value.value, dt.date):
                assert cell.value.date() == value.value
            else:
                assert cell.value == str(value.value)


def sheet_cells(sheet, values):  # type: ignore[no-untyped-def]
    """The cells of the row holding `values` (iter_rows(values_only) drops the formats)."""
    for row in sheet.iter_rows():
        if tuple(c.value for c in row) == tuple(values):
            return row
    raise AssertionError(values)


def test_an_obligation_list_downloads_whole(people, tree, year, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    client = client_for(people.office)
    listing = client.get(f"/console/dashboard/QS/obligations?show=due&{YEAR}")
    assert listing.context["pages"] > 1
    sheet = _sheet(client.get(f"/console/dashboard/QS/obligations.xlsx?show=due&{YEAR}"))
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == listing.context["total"]
    assert {r[4] for r in rows} <= {"按时公开", "逾期公开", "已逾期"}
    assert all(isinstance(r[3], dt.datetime) for r in rows)  # due dates as dates


# --- windows and refusals -------------------------------------------------------------------


def test_the_default_window_is_the_year_to_date(people, tree, year):
    d = page(people.office, "/console/dashboard/QS/").context["d"]
    assert d.window.year_to_date and d.window.first == dt.date(2026, 1, 1)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=2026-Q5", "不是年度、半年、季度或月份"),
        ("first=2026-02-30", "不是日期"),
        ("first=2026-09-01&last=2026-01-01", "开始"),
        ("first=1999-01-01&last=1999-12-31", "2000"),
        ("first=2000-01-01&last=2026-12-31", "120"),
    ],
)
def test_a_bad_window_is_refused_in_chinese(people, tree, year, query, message):
    response = page(people.office, f"/console/dashboard/QS/?{query}")
    assert message in response.content.decode()
    assert response.context["d"].window.year_to_date
    export = client_for(people.office).get(f"/console/dashboard/QS/trend.xlsx?{query}")
    assert export.status_code == 400 and message in export.content.decode()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    params=st.dictionaries(
        st.sampled_from(["period", "first", "last", "show", "page"]),
        st.one_of(st.text(max_size=30), st.dates().map(str), st.sampled_from(["2026-Q5", "ytd"])),
        max_size=4,
    )
)
def test_no_window_anyone_types_answers_500(people, tree, params):
    client = client_for(people.admin)
    query = urlencode(params)
    for path in ("", "obligations", "overdue.xlsx", "obligations.xlsx"):
        response = client.get(f"/console/dashboard/QS/{path}?{query}")
        assert response.status_code in (200, 400), (path, params)


# --- the cross-check --------------------------------------------------------------------------


def test_administrators_see_the_last_cross_check_in_red_when_rows_disagreed(people, tree, year):
    RollupCheck.objects.create(at=TODAY, mismatches=3, rows=40)
    for path in ("/console/", f"/console/dashboard/QS/?{YEAR}"):
        html = page(people.admin, path).content.decode()
        assert 'class="rollup-check bad"' in html and "3" in html
        assert "rollup-check" not in page(people.office, path).content.decode()
    RollupCheck.objects.create(at=TODAY + dt.timedelta(days=1), mismatches=0, rows=40)
    assert 'class="rollup-check"' in page(people.admin, "/console/").content.decode()


# --- what the read costs -----------------------------------------------------------------------


def _queries(org) -> int:  # type: ignore[no-untyped-def]
    window = dash.period_window("2026")
    with CaptureQueriesContext(connection) as captured:
        dash.build(org, window, on=dt.date(2026, 9, 1))
    return len(captured.captured_queries)


def test_the_dashboard_reads_a_constant_number_of_queries(people, tree, year):
    small = _queries(tree.town)
    for n in range(3, 12):
        village = make_org(f"QS-{n:02d}", f"新村{n}党支部", "branch", tree.town)
        obligations.generate(dt.date(2026, 9, 1), organizations=[village])
    obligations.generate(dt.date(2026, 9, 1))
    assert figures.subtree(tree.town, dt.date(2026, 1, 1), dt.date(2026, 12, 31)).total > 0
    assert _queries(tree.town) == small
    assert _queries(tree.county) == small


def _plan(run) -> list[str]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        run()
    plans = []
    for query in captured.captured_queries:
        if "compliance_rollup" not in query["sql"]:
            continue
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
            else:
                cursor.execute("EXPLAIN " + query["sql"])
            plans.append("\n".join(str(row[-1]) for row in cursor.fetchall()))
    assert plans
    return plans


def _rollup_index() -> str:
    """The name the database gave the unique (organization, month) index."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA index_list(compliance_rollup)")
            for _seq, name, unique, *_rest in cursor.fetchall():
                cursor.execute(f"PRAGMA index_info({name})")
                columns = [row[2] for row in cursor.fetchall()]
                if unique and columns == ["organization_id", "month"]:
                    return str(name)
        else:
            return "rollup_once"
    raise AssertionError("no unique (organization_id, month) index")


def test_the_rollup_queries_search_the_unique_organization_month_index(people, tree, year):
    if connection.vendor != "sqlite":
        pytest.skip("the plan below is SQLite's; PostgreSQL's is in the bench's figures")
    index = _rollup_index()
    first, last = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    for run in (
        lambda: figures.subtree(tree.town, first, last),
        lambda: figures.trend(tree.town, first, last),
        lambda: figures.children(tree.town, first, last),
    ):
        for plan in _plan(run):
            assert re.search(
                rf"SEARCH compliance_rollup USING (COVERING )?INDEX {index} "
                r"\(organization_id=\? AND month>\? AND month<\?\)",
                plan,
            ), plan
            assert not re.search(r"^SCAN compliance_rollup", plan, re.M), plan


@pytest.mark.parametrize("number", ["0", "00000", "-1", "٣"])
def test_a_page_number_below_one_is_the_first_page(people, tree, number):
    response = page(people.office, f"/console/dashboard/QS/obligations?show=due&page={number}")
    assert response.status_code == 200
    assert response.context["page"] == 1
