"""REST API v1: a thin adapter over the same querysets, rules and workflow moves as the pages.

Mounted at /api/v1/ (gongkai/urls.py); the OpenAPI 3 schema is /api/v1/openapi.json. The
interactive docs page (/api/v1/docs) is served only when "ninja" is in INSTALLED_APPS, so
its scripts come from our own static files and never from a CDN.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.operation import Operation
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from gongkai.api import errors
from gongkai.api.endpoints import (
    actions,
    attachments,
    catalog,
    consultations,
    dashboard,
    disclosures,
    inforequests,
    ledger,
    notifications,
    obligations,
    opinions,
    organizations,
    reports,
    search,
    supervision,
    topics,
)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class StrictJSONParser(Parser):
    """Python's json accepts NaN and Infinity, which are not JSON (and PostgreSQL's jsonb
    and the ledger's canonical form refuse them): refuse them at the door."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        return json.loads(request.body, parse_constant=_refuse_constant)  # type: ignore[no-any-return]


class Encoder(NinjaJSONEncoder):
    """Times in UTC with their microseconds (Django's encoder cuts them to milliseconds, and
    a time just set from input would otherwise keep the zone it was typed in)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime) and o.tzinfo is not None:
            return o.astimezone(dt.UTC).isoformat()
        return super().default(o)


class Renderer(JSONRenderer):
    encoder_class = Encoder
    json_dumps_params = {"ensure_ascii": False}


class Api(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        # The view's own name (they are unique), not ninja's module-qualified one.
        return str(operation.view_func.__name__)


api = Api(
    title="党务公开平台 API",
    version="1",
    description=(
        "公开组织、公开目录、已公开事项及台账；持令牌的工作人员可办理公开流程。"
        "令牌用 `Authorization: Bearer <key>` 发送。"
    ),
    urls_namespace="api_v1",
    docs_url="/docs" if "ninja" in settings.INSTALLED_APPS else None,
    parser=StrictJSONParser(),
    renderer=Renderer(),
    auth=None,
)
errors.install(api)

api.add_router("/organizations", organizations.router)
api.add_router("/organizations", catalog.router)
api.add_router("/organizations", dashboard.router)
api.add_router("/disclosures", disclosures.router)
api.add_router("/disclosures", actions.router)
api.add_router("/disclosures", attachments.router)
api.add_router("/ledger", ledger.router)
api.add_router("/notifications", notifications.router)
api.add_router("/reports", reports.reports_router)
api.add_router("/assessments", reports.assessments_router)
api.add_router("/obligations", obligations.router)
api.add_router("/exemptions", obligations.exemptions_router)
api.add_router("/organizations", obligations.events_router)
api.add_router("/findings", supervision.findings_router)
api.add_router("/accountability", supervision.accountability_router)
api.add_router("/supervision", supervision.supervision_router)
api.add_router("/opinions", opinions.router)
api.add_router("/opinions", opinions.staff_router)
api.add_router("/organizations", opinions.echo_router)
api.add_router("/topics", topics.router)
api.add_router("/consultations", consultations.router)
api.add_router("/information-requests", inforequests.router)
api.add_router("/search", search.router)
