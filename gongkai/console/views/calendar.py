"""The administrator pastes the State Council's holiday notice: preview, then save.

The text travels back with the confirmation and is parsed again on save, so what is saved is
exactly what the preview showed for that text, never a table the browser sent back.
"""

from __future__ import annotations

import hashlib

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai import permissions
from gongkai.console.views.base import console_view, context
from gongkai.workdays import notice
from gongkai.workdays.models import CalendarDay


class NoticeForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Text of the notice"),
        widget=forms.Textarea(attrs={"rows": 14}),
        max_length=notice.MAX_NOTICE_CHARS,
        help_text=gettext_lazy(
            "Paste the notice as published (国务院办公厅关于2027年部分节假日安排的通知), "
            "from its title to its numbered items."
        ),
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=gettext_lazy("Only needed when the pasted text does not name its year."),
    )


@console_view
def holiday_notice(request: HttpRequest) -> HttpResponse:
    if not permissions.is_administrator(request.user):
        raise PermissionDenied
    form = NoticeForm(request.POST or None)
    parsed = None
    rows: list[notice.PreviewRow] = []
    others: list[CalendarDay] = []
    if request.method == "POST" and form.is_valid():
        parsed = notice.parse(form.cleaned_data["text"], year=form.cleaned_data["year"])
        # Saved only when the text is the one just previewed: an edit after the preview is
        # shown again first.
        seen = request.POST.get("previewed") == _fingerprint(parsed, form.cleaned_data["text"])
        if request.POST.get("confirm") and parsed.ok and seen:
            counts = notice.save(parsed)
            messages.success(
                request,
                _(
                    "The holidays of %(year)d are saved and the year is complete: "
                    "%(new)d days added, %(changed)d changed, %(same)d already as the notice says."
                )
                % {"year": parsed.year, **counts},
            )
            return redirect("console:holiday_notice")
        rows, others = notice.preview(parsed)
    return render(
        request,
        "console/calendar/notice.html",
        context(
            request,
            "calendar",
            form=form,
            parsed=parsed,
            rows=rows,
            others=others,
            fingerprint=_fingerprint(parsed, form.cleaned_data["text"]) if parsed else "",
        ),
    )


def _fingerprint(parsed: notice.ParsedNotice, text: str) -> str:
    return hashlib.sha256(f"{parsed.year}\n{notice.normalize(text)}".encode()).hexdigest()
