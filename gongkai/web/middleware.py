"""Refuse a request whose address carries a character no database can store.

A NUL character in a URL path or query string (``/orgs/%00/``, ``?q=%00``) would reach a
database lookup, and PostgreSQL refuses NUL in text with an exception (a 500), while SQLite
quietly matches nothing. No address of the site legitimately holds one, so the request is
answered 400 with the Chinese sentence before any view runs. Form fields are not checked
here: the forms refuse such values themselves and show the page again with what was typed.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from gongkai.validation import text_problem

API_PREFIX = "/api/"


class UnstorableAddressMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            # The API bounds its own parameters and answers 422 with its JSON error shape.
            return self.get_response(request)
        texts = [request.path, *request.GET.keys()]
        texts += [value for values in request.GET.lists() for value in values[1]]
        for text in texts:
            problem = text_problem(text)
            if problem:
                return HttpResponseBadRequest(problem, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
