from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongkai.boards import spec as specs
from gongkai.boards.models import BoardSpec, Size, Variant
from gongkai.boards.services import check_photo
from gongkai.catalog.effective import EffectiveCategory
from gongkai.catalog.models import Domain
from gongkai.validation import check_date, check_text

COLUMNS_MAX_CHARS = 4000
UNKNOWN_CATEGORY = _("Line %(n)d: no category is called “%(value)s”.")
LINE_WITHOUT_COLON = _("Line %(n)d: write the column's title, a colon, then its categories.")
SEPARATORS = ("、", ",", "，", ";", "；")


def parse_columns(text: str, categories: list[EffectiveCategory]) -> list[dict[str, Any]]:
    """Lines "栏目标题：类别、类别" (categories by name or key) or "栏目标题：[政务公开]"
    (a whole domain) into the stored column list; ValidationError in Chinese."""
    by_name = {c.name: c.key for c in categories}
    keys = {c.key for c in categories}
    domains = {str(label): value for value, label in Domain.choices}
    columns: list[dict[str, Any]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        head, colon, rest = line.replace("：", ":").partition(":")
        if not colon:
            raise ValidationError(LINE_WITHOUT_COLON % {"n": n})
        rest = rest.strip()
        column: dict[str, Any] = {"title": head.strip(), "categories": [], "domain": ""}
        if rest.startswith("[") and rest.endswith("]"):
            name = rest[1:-1].strip()
            column["domain"] = domains.get(name, name)
        else:
            for sep in SEPARATORS:
                rest = rest.replace(sep, "、")
            for part in (p.strip() for p in rest.split("、")):
                if not part:
                    continue
                key = by_name.get(part, part if part in keys else None)
                if key is None:
                    raise ValidationError(UNKNOWN_CATEGORY % {"n": n, "value": part[:40]})
                column["categories"].append(key)
        columns.append(column)
    return [c.as_json() for c in specs.clean_columns(columns)]


def columns_text(columns: list[dict[str, Any]], categories: list[EffectiveCategory]) -> str:
    names = {c.key: c.name for c in categories}
    lines = []
    for column in columns:
        if column.get("domain") and not column.get("categories"):
            label = Domain(column["domain"]).label if column["domain"] in Domain.values else ""
            lines.append(f"{column.get('title', '')}：[{label}]")
        else:
            parts = [names.get(k, k) for k in column.get("categories") or []]
            lines.append(f"{column.get('title', '')}：{'、'.join(parts)}")
    return "\n".join(lines)


class SpecForm(forms.ModelForm):
    columns_text = forms.CharField(
        label=_("Columns"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=COLUMNS_MAX_CHARS,
        help_text=_(
            "One column a line: its title, a colon, then the catalog categories it shows, "
            "separated by 、 (e.g. 组织建设：组织建设、党员教育). A whole domain: "
            "村务公开：[村务公开]. Empty: one column per category of the catalog."
        ),
    )

    class Meta:
        model = BoardSpec
        fields = ["size", "style", "header_color", "accent_color", "title_line"]

    def __init__(self, *args: Any, categories: list[EffectiveCategory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = categories
        if self.instance.pk and not self.is_bound:
            self.initial["columns_text"] = columns_text(self.instance.columns, categories)

    def clean_header_color(self) -> str:
        return specs.clean_colour(self.cleaned_data.get("header_color"))

    def clean_accent_color(self) -> str:
        return specs.clean_colour(self.cleaned_data.get("accent_color"))

    def clean_columns_text(self) -> list[dict[str, Any]]:
        text = check_text(self.cleaned_data.get("columns_text") or "", max_length=COLUMNS_MAX_CHARS)
        return parse_columns(text, self.categories)

    def save(self, commit: bool = True) -> BoardSpec:
        self.instance.columns = self.cleaned_data["columns_text"]
        return super().save(commit=commit)


class PostingForm(forms.Form):
    variant = forms.ChoiceField(label=_("Board"), choices=Variant.choices, initial=Variant.PUBLIC)
    size = forms.ChoiceField(label=_("Size posted"), choices=Size.choices, initial=Size.A3)
    posted_on = forms.DateField(
        label=_("Posted on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    photo = forms.FileField(label=_("Photo of the posted board"))
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def clean_photo(self) -> Any:
        return check_photo(self.cleaned_data["photo"])

    def clean_posted_on(self) -> dt.date:
        day = check_date(self.cleaned_data["posted_on"])
        assert day is not None
        if day > timezone.localdate():
            raise ValidationError(_("A board cannot be recorded as posted in the future."))
        return day
