"""Mounted by gongkai/urls.py at api/v1/.

Besides the API's own routes: anything else under the prefix answers a JSON 404, and a
method a route does not take answers a JSON 405, so every error a client sees has the same
shape (and no address under the API is ever redirected to add a slash).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, re_path
from django.views.decorators.csrf import csrf_exempt

from gongkai.api.api import api
from gongkai.api.errors import METHOD_NOT_ALLOWED, NOT_FOUND

app_name = api.urls_namespace


def _json(detail: Any, status: int) -> JsonResponse:
    return JsonResponse(
        {"detail": str(detail)}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def _json_405(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            answer = _json(METHOD_NOT_ALLOWED % {"method": request.method}, 405)
            answer["Allow"] = response.get("Allow", "")
            return answer
        return response

    return wrapped


@csrf_exempt
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return _json(NOT_FOUND, 404)


def _patterns() -> list[Any]:
    patterns, _app, _namespace = api.urls
    for pattern in patterns:
        if not isinstance(pattern, URLPattern):
            continue
        if pattern.name == "api-root":
            # ninja names its root to reverse it, and answers there with an HTML 404.
            pattern.callback = not_found
        else:
            pattern.callback = _json_405(pattern.callback)
    return [*patterns, re_path(r"^(?P<rest>.*)$", not_found)]


urlpatterns = _patterns()
