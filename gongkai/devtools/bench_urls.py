"""The bench's URLconf (gongkai.devtools.bench_settings only, never gongkai.urls): the site's
routes plus the bare view `gongkai bench --only-portal` compares the pages with.

`bare` reads the 20 newest public disclosures of an organization, the rows its page leads
with, with one raw SQL query (the visibility rule for the public written out: published,
public scope, public and publication time passed) and renders them with a trivial template:
the least work Django can do to show those rows, the yardstick for a page's CPU per request.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from gongkai.disclosures.states import PUBLIC_STATES
from gongkai.urls import urlpatterns as site_urlpatterns

_TEMPLATE = engines["django"].from_string(
    '<!doctype html><html lang="zh-Hans"><title>{{ code }}</title><ul>'
    '{% for pk, title, at in rows %}<li><a href="/d/{{ pk }}/">{{ title }}</a> '
    "<time>{{ at|date:'Y-m-d' }}</time></li>{% endfor %}</ul></html>"
)

# The organization by its code in a scalar subquery (a join on the code left PostgreSQL's
# planner walking the global newest-first index instead of the organization's own).
_SQL = (
    "SELECT d.id, r.published_title, d.publish_from "
    "FROM disclosures_disclosure d "
    "JOIN disclosures_revision r ON r.id = d.published_revision_id "
    "WHERE d.organization_id = (SELECT o.id FROM organizations_organization o WHERE o.code = %s) "
    "AND d.state IN ({states}) AND d.scope = 'public' "
    "AND d.publish_from <= %s AND d.public_from <= %s "
    "ORDER BY d.publish_from DESC, d.id DESC LIMIT 20"
).format(states=", ".join(["%s"] * len(PUBLIC_STATES)))


def bare(request: HttpRequest, code: str) -> HttpResponse:
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_SQL, [code, *[str(s) for s in PUBLIC_STATES], now, now])
        rows = cursor.fetchall()
    if rows and isinstance(rows[0][2], str):  # SQLite hands back text
        rows = [(pk, title, parse_datetime(at)) for pk, title, at in rows]
    return HttpResponse(_TEMPLATE.render({"code": code, "rows": rows}))


urlpatterns = [path("_bench/bare/<str:code>/", bare, name="bench_bare"), *site_urlpatterns]
