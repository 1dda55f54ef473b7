"""Every refusal the API gives is JSON `{"detail": "<a sentence in Chinese>"}`.

The workflow's own messages pass through unchanged (ValidationError → 400, PermissionDenied
→ 403); input that does not fit its schema is 422 with the fields named; a missing or bad
token is 401; anything not found, or not visible to the caller, is 404 with one message, so
the answer never tells whether a hidden disclosure exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as InputError

if TYPE_CHECKING:
    from ninja import NinjaAPI

NOT_FOUND = _("Not found, or not visible to you.")
METHOD_NOT_ALLOWED = _("This address does not accept the %(method)s method.")
FORBIDDEN = _("You may not do this.")
TOKEN_REQUIRED = _("This needs an API token: send the header “Authorization: Bearer <key>”.")
TOKEN_MALFORMED = _("The Authorization header must read “Bearer <key>”.")
TOKEN_INVALID = _("The API token is unknown, revoked, or its person is no longer active.")
BAD_JSON = _("The request body is not valid JSON.")
BAD_REQUEST = _("The request cannot be understood.")
INVALID_INPUT = _("Invalid input: %(errors)s")

# Pydantic's error types, in words. Anything not listed reads "invalid value".
FIELD_MESSAGES = {
    "missing": _("this field is required"),
    "string_too_long": _("at most %(max_length)s characters"),
    "string_too_short": _("at least %(min_length)s characters"),
    "greater_than_equal": _("at least %(ge)s"),
    "less_than_equal": _("at most %(le)s"),
    "greater_than": _("more than %(gt)s"),
    "less_than": _("less than %(lt)s"),
    "int_parsing": _("a whole number is expected"),
    "int_type": _("a whole number is expected"),
    "int_from_float": _("a whole number is expected"),
    "bool_parsing": _("true or false is expected"),
    "bool_type": _("true or false is expected"),
    "string_type": _("text is expected"),
    "dict_type": _("a JSON object is expected"),
    "model_type": _("a JSON object is expected"),
    "model_attributes_type": _("a JSON object is expected"),
    "list_type": _("a list is expected"),
    "enum": _("one of %(expected)s is expected"),
    "literal_error": _("one of %(expected)s is expected"),
    "datetime_parsing": _("a date and time is expected, e.g. 2026-06-30T09:00:00+08:00"),
    "datetime_type": _("a date and time is expected, e.g. 2026-06-30T09:00:00+08:00"),
    "datetime_from_date_parsing": _("a date and time is expected, e.g. 2026-06-30T09:00:00+08:00"),
    "date_parsing": _("a date is expected, e.g. 2026-06-30"),
    "date_type": _("a date is expected, e.g. 2026-06-30"),
    "date_from_datetime_parsing": _("a date is expected, e.g. 2026-06-30"),
    "date_from_datetime_inexact": _("a date is expected, e.g. 2026-06-30"),
    "extra_forbidden": _("no such field"),
    "too_long": _("at most %(max_length)s items"),
    "set_type": _("a list is expected"),
    "json_invalid": _("not valid JSON"),
}
INVALID_VALUE = _("invalid value")


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldErrorOut] | None = None


def responses(*codes: int) -> dict[int, type[ErrorOut]]:
    """The error responses an operation documents."""
    return dict.fromkeys(codes, ErrorOut)


class TokenRefused(AuthenticationError):
    """A token was sent and is not good (as opposed to none being sent)."""


def _field(loc: Iterable[Any]) -> str:
    # ninja's location starts with the source ("query", "path", "body") and, for a body,
    # the parameter's name ("payload"); a reader wants the field.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"query", "path", "body", "header", "cookie", "form"}:
        parts = parts[1:]
    if parts and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts) or "body"


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "value_error" and "error" in context:
        return str(context["error"])
    template = FIELD_MESSAGES.get(kind)
    if template is None:
        return str(INVALID_VALUE)
    try:
        return str(template % {k: v for k, v in context.items()})
    except (KeyError, TypeError, ValueError):
        return str(INVALID_VALUE)


def field_errors(errors: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"field": _field(e.get("loc", ())), "message": _message(e)} for e in errors]


def _respond(
    api: NinjaAPI, request: HttpRequest, status: int, detail: Any, **extra: Any
) -> HttpResponse:
    return api.create_response(request, {"detail": str(detail), **extra}, status=status)


def install(api: NinjaAPI) -> None:
    """Register the handlers on `api` (ninja's defaults answer in English). Each handler
    receives the exception class it is registered for."""

    def invalid_input(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = field_errors(exc.errors)
        summary = "；".join(f"{e['field']}：{e['message']}" for e in errors[:5])
        return _respond(api, request, 422, INVALID_INPUT % {"errors": summary}, errors=errors)

    def refused(request: HttpRequest, exc: Any) -> HttpResponse:
        return _respond(api, request, 400, "；".join(str(m) for m in exc.messages))

    def forbidden(request: HttpRequest, exc: Any) -> HttpResponse:
        return _respond(api, request, 403, str(exc) if exc.args else FORBIDDEN)

    def not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return _respond(api, request, 404, NOT_FOUND)

    def http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        if isinstance(exc, TokenRefused):
            detail: Any = exc.message
        elif isinstance(exc, AuthenticationError):
            detail = TOKEN_REQUIRED
        elif exc.status_code == 400 and exc.message.startswith("Cannot parse request body"):
            detail = BAD_JSON
        elif exc.status_code == 404:
            detail = NOT_FOUND
        else:
            detail = BAD_REQUEST  # ninja's own messages are English; the API raises no others
        response = _respond(api, request, exc.status_code, detail)
        if exc.status_code == 401:
            response["WWW-Authenticate"] = 'Bearer realm="gongkai"'
        return response

    api.add_exception_handler(InputError, invalid_input)
    api.add_exception_handler(ValidationError, refused)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(ObjectDoesNotExist, not_found)
    api.add_exception_handler(HttpError, http_error)
