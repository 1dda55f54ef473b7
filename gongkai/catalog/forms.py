"""One form decides whether an item is well made: the console editor uses it, and so does
every row of a YAML or Excel import, so both give the same messages.

In the console the item's structured form is edited as a small table (one row per field or
column: key, label, type, required, choices) by `SchemaEditor`, never as YAML text; imports
still hand `ItemForm` the form as data. Both end in `validate_form_schema`, the one rule of
what a structured form may be.
"""

from __future__ import annotations

from typing import Any

import yaml
from django import forms
from django.forms import BaseFormSet, formset_factory
from django.http import QueryDict
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from gongkai import validation
from gongkai.catalog import applicability
from gongkai.catalog.effective import DEFAULT_ESCALATE_AFTER_DAYS
from gongkai.catalog.forms_schema import (
    FIELD_TYPES,
    KEY_RE,
    join_choices,
    normalise_form_schema,
    split_choices,
    validate_form_schema,
)
from gongkai.catalog.models import Channel, DeadlineBasis, Domain, Period, Scope, Timing
from gongkai.organizations.models import Organization

PERIOD_REQUIRED = _("A periodic item needs a period (monthly, quarterly, half-yearly or yearly).")
PERIOD_ONLY_PERIODIC = _("Only periodic items have a period.")
BASIS_REQUIRED = _("Say from when the deadline is counted.")
DAYS_REQUIRED = _("Give the number of working days, or clear how the deadline is counted.")
PERIOD_END_ONLY_PERIODIC = _("“after the period ends” applies to periodic items only.")
PARTY_FIRST_NEEDS_WIDER_SCOPE = _(
    "“Party first” needs a scope wider than the party (inside the unit or to society)."
)
LAG_ONLY_PARTY_FIRST = _("A lag is only used with “party first”.")
CONSULTATION_DAYS_REQUIRED = _("Give the consultation period in working days.")
CONSULTATION_DAYS_ONLY_IF_REQUIRED = _("A consultation period needs “consultation required”.")
FORM_NOT_YAML = _("The structured form is not valid YAML/JSON: %(error)s")

#: A structured form is a few dozen fields; this bounds what a text box can make the server parse.
FORM_MAX_CHARS = 100_000

BLANK: list[tuple[str, Any]] = [("", "—")]

#: The form fields that make up `Item.applies_to` (see catalog.applicability), one per part:
#: checkboxes in the console, one column each in a workbook.
APPLIES_FIELDS = ("applies_levels", "applies_kinds", "applies_settings", "applies_pilots")
#: Levels the console offers as checkboxes (more are kept when an item already names them).
CONSOLE_LEVELS = 4


def _escalate_help() -> str:
    return str(_("Empty: %(days)d working days.") % {"days": DEFAULT_ESCALATE_AFTER_DAYS})


def level_choices(top: int = applicability.MAX_LEVEL) -> list[tuple[str, str]]:
    """(value, label) of the levels 0 … top, labelled in the active language."""
    return [(str(level), applicability.level_label(level)) for level in range(top + 1)]


def applies_to_fields(value: Any) -> dict[str, Any]:
    """`Item.applies_to` as the values of the form fields `APPLIES_FIELDS`."""
    spec = value if isinstance(value, applicability.AppliesTo) else applicability.parse(value)
    return {
        "applies_levels": list(spec.levels),
        "applies_kinds": list(spec.kinds),
        "applies_settings": list(spec.settings),
        "applies_pilots": spec.pilots,
    }


#: Messages for the checks every field makes, in place of Django's defaults: the clerk reads
#: the limit and what to do, with full-width punctuation. Keyed by the validators' codes
#: (a form field swaps a validator's message for its own of the same code).
FIELD_MESSAGES = {
    "max_length": _("At most %(limit_value)d characters (now %(show_value)d)."),
    "min_value": _("It cannot be less than %(limit_value)s."),
    "max_value": _("It cannot be more than %(limit_value)s."),
    "invalid": _("Write a whole number, e.g. 5."),
    "invalid_choice": _("“%(value)s” is not one of the choices."),
    "null_characters_not_allowed": _(
        "The text contains a NUL character, which cannot be stored; remove it."
    ),
}


def _plain_messages(form: forms.Form) -> None:
    for field in form.fields.values():
        messages = dict(FIELD_MESSAGES)
        if not isinstance(field, forms.IntegerField):
            messages.pop("invalid")
        field.error_messages.update(messages)


class ItemForm(forms.Form):
    category_key = forms.ChoiceField(label=_("Category"), choices=())
    name = forms.CharField(label=_("Item"), max_length=300)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=Scope.choices, initial=Scope.PUBLIC)
    party_first = forms.BooleanField(
        label=_("Inside the party first, the public later"), required=False
    )
    party_first_lag_days = forms.IntegerField(
        label=_("Public after (working days)"), min_value=0, max_value=60, required=False
    )
    timing = forms.ChoiceField(label=_("Timing"), choices=Timing.choices)
    period = forms.ChoiceField(label=_("Period"), choices=BLANK + Period.choices, required=False)
    deadline_days = forms.IntegerField(
        label=_("Deadline (working days)"), min_value=0, max_value=365, required=False
    )
    deadline_basis = forms.ChoiceField(
        label=_("Deadline counted"), choices=BLANK + DeadlineBasis.choices, required=False
    )
    min_publicity_days = forms.IntegerField(
        label=_("Minimum publicity period (working days)"),
        min_value=0,
        max_value=365,
        required=False,
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    responsible_unit = forms.CharField(label=_("Responsible unit"), max_length=100, required=False)
    major_matter = forms.BooleanField(label=_("Major matter (三重一大)"), required=False)
    consultation_required = forms.BooleanField(label=_("Consultation required"), required=False)
    consultation_days = forms.IntegerField(
        label=_("Consultation period (working days)"), min_value=1, max_value=60, required=False
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    form = forms.CharField(
        label=_("Structured form (YAML)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_("Optional: “fields” and “columns”, each with key, label, type."),
    )
    locked = forms.BooleanField(label=_("Locked for subordinates"), required=False)
    applies_levels = forms.TypedMultipleChoiceField(
        label=_("Applicable levels"),
        coerce=int,
        choices=level_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Counted from the organization that defines the item; none ticked: every level."
        ),
    )
    applies_kinds = forms.MultipleChoiceField(
        label=_("Applicable kinds"),
        choices=Organization.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every kind."),
    )
    applies_settings = forms.MultipleChoiceField(
        label=_("Applicable settings"),
        choices=Organization.Setting.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: wherever the organization works."),
    )
    applies_pilots = forms.BooleanField(label=_("Pilots (contact points) only"), required=False)
    escalate_after_days = forms.IntegerField(
        label=_("Report to the superior after (working days overdue)"),
        min_value=0,
        max_value=365,
        required=False,
        help_text=lazy(_escalate_help, str)(),
    )

    def __init__(
        self,
        *args: Any,
        categories: list[tuple[str, str]] | None = None,
        restrict_to: tuple[str, ...] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _plain_messages(self)
        if categories is None:
            # Imports take the category from the file's structure.
            del self.fields["category_key"]
        else:
            self.fields["category_key"].choices = categories  # type: ignore[attr-defined]
        if restrict_to is not None:
            # An inherited item: only the attributes a subordinate may override are editable.
            for name, field in self.fields.items():
                if name not in restrict_to:
                    field.disabled = True

    def clean_form(self) -> dict[str, Any] | None:
        raw = self.cleaned_data.get("form")
        if isinstance(raw, str):
            if not raw.strip():
                return None
            try:
                raw = validation.load_yaml(raw, max_bytes=FORM_MAX_CHARS)
            except forms.ValidationError as exc:
                raise forms.ValidationError(
                    FORM_NOT_YAML, params={"error": exc.messages[0]}
                ) from exc
        problems = validate_form_schema(raw)
        if problems:
            raise forms.ValidationError(problems)
        return normalise_form_schema(raw)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        timing, period = data.get("timing"), data.get("period")
        if timing == Timing.PERIODIC and not period:
            self.add_error("period", PERIOD_REQUIRED)
        if timing and timing != Timing.PERIODIC and period:
            self.add_error("period", PERIOD_ONLY_PERIODIC)
        days, basis = data.get("deadline_days"), data.get("deadline_basis")
        if days is not None and not basis:
            self.add_error("deadline_basis", BASIS_REQUIRED)
        # A number refused as such (1e30) is not a missing one: one message per mistake.
        if basis and days is None and "deadline_days" not in self.errors:
            self.add_error("deadline_days", DAYS_REQUIRED)
        if basis == DeadlineBasis.PERIOD_END and timing and timing != Timing.PERIODIC:
            self.add_error("deadline_basis", PERIOD_END_ONLY_PERIODIC)
        if data.get("party_first") and data.get("scope") == Scope.PARTY:
            self.add_error("party_first", PARTY_FIRST_NEEDS_WIDER_SCOPE)
        if not data.get("party_first") and data.get("party_first_lag_days"):
            self.add_error("party_first_lag_days", LAG_ONLY_PARTY_FIRST)
        consult_days = data.get("consultation_days")
        if (
            data.get("consultation_required")
            and consult_days is None
            and "consultation_days" not in self.errors
        ):
            self.add_error("consultation_days", CONSULTATION_DAYS_REQUIRED)
        if not data.get("consultation_required") and consult_days is not None:
            self.add_error("consultation_days", CONSULTATION_DAYS_ONLY_IF_REQUIRED)
        if not any(name in self.errors for name in APPLIES_FIELDS):
            try:
                data["applies_to"] = applicability.parse(
                    {
                        "levels": data.get("applies_levels") or [],
                        "kinds": data.get("applies_kinds") or [],
                        "settings": data.get("applies_settings") or [],
                        "pilots": bool(data.get("applies_pilots")),
                    }
                ).as_dict()
            except forms.ValidationError as exc:
                self.add_error("applies_levels", exc)
        return data

    def item_values(self) -> dict[str, Any]:
        """Cleaned values in the shape the services store."""
        data = dict(self.cleaned_data)
        data["party_first_lag_days"] = data.get("party_first_lag_days") or 0
        for name in ("period", "deadline_basis"):
            data[name] = data.get(name) or ""
        for name in APPLIES_FIELDS:
            data.pop(name, None)
        data.setdefault("applies_to", {})
        return data

    @staticmethod
    def initial_from(values: dict[str, Any]) -> dict[str, Any]:
        """Form initial values from an item's attributes (`ITEM_FIELDS`)."""
        initial = dict(values)
        if initial.get("form"):
            initial["form"] = yaml.safe_dump(initial["form"], allow_unicode=True, sort_keys=False)
        initial.update(applies_to_fields(initial.pop("applies_to", None)))
        return initial


class ItemEditForm(ItemForm):
    """The console's item form: every attribute but the structured form, which
    `SchemaEditor` edits beside it as a table."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["form"]
        # A few levels as checkboxes, and any deeper one the item already names.
        named = [int(v) for v in self._named_levels() if str(v).isdigit()]
        top = min(max([CONSOLE_LEVELS, *named]), applicability.MAX_LEVEL)
        self.fields["applies_levels"].choices = level_choices(top)  # type: ignore[attr-defined]

    def _named_levels(self) -> list[Any]:
        name = "applies_levels"
        if self.is_bound and not self.fields[name].disabled:
            return list(self.data.getlist(name) if hasattr(self.data, "getlist") else [])
        return list(self.initial.get(name) or [])

    #: The fields in the groups the page shows them in (a clerk reads "when" apart from
    #: "to whom"); every field of the form is in exactly one group.
    GROUPS = (
        (_("What is disclosed"), ("category_key", "name", "description")),
        (_("Scope of disclosure"), ("scope", "party_first", "party_first_lag_days")),
        (
            _("Timing and deadline"),
            ("timing", "period", "deadline_days", "deadline_basis", "min_publicity_days"),
        ),
        (_("Channels and responsibility"), ("channels", "responsible_unit")),
        (
            _("Procedure"),
            ("major_matter", "consultation_required", "consultation_days", "legal_basis"),
        ),
        (
            _("Which organizations it applies to"),
            (*APPLIES_FIELDS, "escalate_after_days"),
        ),
        (_("For subordinate organizations"), ("locked",)),
    )

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (str(title), [self[name] for name in names if name in self.fields])
            for title, names in self.GROUPS
        ]


# -- the structured form as a table ---------------------------------------------------------

KEY_INVALID = _(
    "Use lower-case letters, digits and underscores, beginning with a letter (at most 40)."
)
KEY_DUPLICATE = _("The key “%(key)s” is used by another row.")
LABEL_REQUIRED = _("Give the row a label.")
ROW_CHOICES_NEEDED = _("A choice needs at least one choice.")
ROW_CHOICES_ONLY_FOR_CHOICE = _("Only a row of the type “choice” has choices.")
TOO_MANY_CHOICES = _("At most %(max)d choices, each at most %(length)d characters.")
MAX_ROWS = 40
MAX_CHOICES = 50
MAX_CHOICE_LENGTH = 50
TYPE_CHOICES = list(FIELD_TYPES.items())


class SchemaRowForm(forms.Form):
    """One field or table column of an item's structured form. A row left blank (no key, no
    label, no choices) is not a row: the editor skips it rather than complain about it."""

    key = forms.CharField(
        label=_("Key"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"size": 12, "spellcheck": "false", "autocomplete": "off"}),
    )
    label = forms.CharField(
        label=_("Label"), max_length=100, required=False, widget=forms.TextInput(attrs={"size": 14})
    )
    type = forms.ChoiceField(label=_("Type"), choices=TYPE_CHOICES, initial="text")
    required = forms.BooleanField(label=_("Required"), required=False)
    choices = forms.CharField(
        label=_("Choices"),
        max_length=MAX_CHOICES * (MAX_CHOICE_LENGTH + 1),
        required=False,
        widget=forms.TextInput(attrs={"size": 18}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain_messages(self)

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("key") or data.get("label") or data.get("choices"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.is_blank():
            return data
        key = data.get("key", "")
        if key and not KEY_RE.match(key):
            self.add_error("key", KEY_INVALID)
        if not data.get("label"):
            self.add_error("label", LABEL_REQUIRED)
        choices = split_choices(data.get("choices", ""))
        if data.get("type") == "choice" and not choices:
            self.add_error("choices", ROW_CHOICES_NEEDED)
        elif data.get("type") and data.get("type") != "choice" and choices:
            self.add_error("choices", ROW_CHOICES_ONLY_FOR_CHOICE)
        elif len(choices) > MAX_CHOICES or any(len(c) > MAX_CHOICE_LENGTH for c in choices):
            self.add_error(
                "choices", TOO_MANY_CHOICES % {"max": MAX_CHOICES, "length": MAX_CHOICE_LENGTH}
            )
        data["choices"] = choices
        return data


class BaseSchemaRows(BaseFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[str] = set()
        for form in self.forms:
            key = form.cleaned_data.get("key")
            if form.is_blank() or not key:
                continue
            if key in seen:
                form.add_error("key", KEY_DUPLICATE % {"key": key})
            seen.add(key)


SchemaRows = formset_factory(
    SchemaRowForm,
    formset=BaseSchemaRows,
    extra=0,
    max_num=MAX_ROWS,
    validate_max=True,
    absolute_max=MAX_ROWS + 10,
)

#: The two parts of a structured form and the prefixes of their rows in a POST.
PARTS = ("fields", "columns")
PART_TITLES = {
    "fields": _("Single fields (filled in once per disclosure)"),
    "columns": _("Table columns (one row per person or matter)"),
}
#: Submit buttons of the editor: a row is added to or removed from a part without saving.
ADD_ROW = "add_row"
REMOVE_ROW = "remove_row"
ROW_FIELDS = ("key", "label", "type", "required", "choices")


class SchemaEditor:
    """The structured form of an item as two tables of rows (single fields, table columns).

    Works without JavaScript: "add a row" and "remove" are submit buttons; such a submit
    only redraws the tables with what was typed (`changed_rows` is then True and nothing is
    saved or checked). Blank rows are ignored; a row without a key gets one made from its
    position, since a clerk cannot be expected to invent identifiers."""

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        schema: dict[str, Any] | None = None,
        disabled: bool = False,
    ) -> None:
        self.disabled = disabled
        self.changed_rows = False
        #: Problems of the whole structured form (sentences), after `is_valid()`.
        self.problems: list[str] = []
        schema = schema if isinstance(schema, dict) else {}
        if data is None or disabled:
            self.formsets = {
                part: self._unbound(part, [_row_initial(e) for e in schema.get(part) or []])
                for part in PARTS
            }
        elif data.get(ADD_ROW) in PARTS or data.get(REMOVE_ROW):
            self.changed_rows = True
            self.formsets = {part: self._edited(part, data) for part in PARTS}
        else:
            self.formsets = {part: SchemaRows(data, prefix=part) for part in PARTS}
        if disabled:
            for formset in self.formsets.values():
                for form in formset.forms:
                    for field in form.fields.values():
                        field.disabled = True

    def _unbound(self, part: str, rows: list[dict[str, Any]]) -> BaseFormSet:  # type: ignore[type-arg]
        formset = SchemaRows(prefix=part, initial=rows)
        formset.extra = 0
        return formset

    def _edited(self, part: str, data: QueryDict) -> BaseFormSet:  # type: ignore[type-arg]
        """The rows of `part` as typed, with one added or removed, as an unbound formset
        (a redraw shows what was typed, without complaining about unfinished rows)."""
        rows = _typed_rows(data, part)
        if data.get(ADD_ROW) == part and len(rows) < MAX_ROWS:
            rows.append({"type": "text"})
        removed = str(data.get(REMOVE_ROW, ""))
        if removed.startswith(part + "-"):
            index = removed.removeprefix(part + "-")
            if index.isdigit() and int(index) < len(rows):
                del rows[int(index)]
        return self._unbound(part, rows)

    @property
    def parts(self) -> list[tuple[str, str, BaseFormSet]]:  # type: ignore[type-arg]
        return [(part, str(PART_TITLES[part]), self.formsets[part]) for part in PARTS]

    def is_valid(self) -> bool:
        if self.disabled or self.changed_rows:
            return False
        valid = all([formset.is_valid() for formset in self.formsets.values()])
        if valid:
            self.problems = validate_form_schema(self._schema())
            valid = not self.problems
        return valid

    def _schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {}
        for part in PARTS:
            entries = []
            taken = {f.cleaned_data.get("key") for f in self.formsets[part].forms}
            for n, form in enumerate(self.formsets[part].forms, start=1):
                if form.is_blank():
                    continue
                data = form.cleaned_data
                key = data.get("key") or _free_key(part, n, taken)
                taken.add(key)
                entry = {
                    "key": key,
                    "label": data["label"],
                    "type": data["type"],
                    "required": bool(data.get("required")),
                }
                if data.get("choices"):
                    entry["choices"] = data["choices"]
                entries.append(entry)
            if entries:
                schema[part] = entries
        return schema

    def schema(self) -> dict[str, Any] | None:
        """The structured form in its stored shape (None when both tables are empty, or
        when the tables are not valid)."""
        if not self.is_valid():
            return None
        return normalise_form_schema(self._schema())


def _row_initial(entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict):
        return {}
    return {
        "key": str(entry.get("key", "")),
        "label": str(entry.get("label", "")),
        "type": str(entry.get("type", "text")),
        "required": bool(entry.get("required")),
        "choices": join_choices(entry.get("choices")),
    }


def _typed_rows(data: QueryDict, part: str) -> list[dict[str, Any]]:
    """The rows of `part` exactly as typed (bounded by the formset's own limit)."""
    try:
        total = min(int(data.get(f"{part}-TOTAL_FORMS", 0)), MAX_ROWS)
    except (TypeError, ValueError):
        total = 0
    rows = []
    for index in range(max(total, 0)):
        prefix = f"{part}-{index}-"
        row: dict[str, Any] = {name: data.get(prefix + name, "") for name in ROW_FIELDS}
        row["required"] = bool(row["required"])
        rows.append(row)
    return rows


def _free_key(part: str, n: int, taken: set[Any]) -> str:
    stem = "field" if part == "fields" else "column"
    key, extra = f"{stem}_{n}", n
    while key in taken:
        extra += 1
        key = f"{stem}_{extra}"
    return key


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Category"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    domain = forms.ChoiceField(
        label=_("Disclosure domain"),
        choices=Domain.choices,
        initial=Domain.PARTY,
        help_text=_(
            "Where the town runs government or village affairs disclosure beside party affairs,"
            " their categories are shown as separate sections and board columns."
        ),
    )


class DropForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class PublishForm(forms.Form):
    note = forms.CharField(
        label=_("What changed"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. added the pilot items")}),
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("YAML or Excel file"))
