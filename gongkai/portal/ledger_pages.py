"""Placeholder for the page 如何核验 (`/ledger/how/`, URL name `portal:ledger_how`), which the
verifier's work replaces; the disclosure and log pages link to it by its URL name."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe


@require_safe
def how(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        format_html(
            '<!doctype html><html lang="zh-Hans"><meta charset="utf-8"><title>{title}</title>'
            '<h1>{title}</h1><p>{keys}</p><p><a href="{url}">{url}</a></p></html>',
            title=_("How to check the ledger"),
            keys=_("The public keys that sign the ledger's heads:"),
            url=reverse("api_v1:list_keys"),
        )
    )
