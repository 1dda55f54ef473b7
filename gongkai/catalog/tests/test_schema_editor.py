"""The structured-form table editor gives back exactly the form it was shown: a stored form,
drawn as table rows and posted unchanged, is stored unchanged (property test)."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.catalog.forms import SchemaEditor
from gongkai.catalog.forms_schema import FIELD_TYPES, normalise_form_schema

keys = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)
labels = st.text(
    st.characters(codec="utf-8", categories=["Lo", "Ll", "Nd"]), min_size=1, max_size=12
).filter(lambda s: s.strip() == s and s)
choice = st.text(st.characters(categories=["Lo"]), min_size=1, max_size=6)


@st.composite
def entries(draw: Any) -> list[dict[str, Any]]:
    chosen = draw(st.lists(keys, unique=True, max_size=6))
    out = []
    for key in chosen:
        kind = draw(st.sampled_from(sorted(FIELD_TYPES)))
        entry: dict[str, Any] = {
            "key": key,
            "label": draw(labels),
            "type": kind,
            "required": draw(st.booleans()),
        }
        if kind == "choice":
            entry["choices"] = draw(st.lists(choice, min_size=1, max_size=5, unique=True))
        out.append(entry)
    return out


def as_post(editor: SchemaEditor) -> QueryDict:
    """What a browser posts for the editor's tables as drawn."""
    data = QueryDict(mutable=True)
    for part, _title, formset in editor.parts:
        management = formset.management_form
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{part}-{name}"] = str(management[name].value())
        for form in formset.forms:
            for name in form.fields:
                value = form[name].value()
                if name == "required":
                    if value:
                        data[form.add_prefix(name)] = "on"
                else:
                    data[form.add_prefix(name)] = "" if value is None else str(value)
    return data


@settings(max_examples=60, deadline=None)
@given(fields=entries(), columns=entries())
def test_a_form_drawn_and_posted_back_unchanged_is_stored_unchanged(
    fields: list[dict[str, Any]], columns: list[dict[str, Any]]
) -> None:
    schema = {"fields": fields, "columns": columns}
    posted = as_post(SchemaEditor(schema=schema))

    editor = SchemaEditor(posted)

    assert editor.is_valid(), [f.errors for _p, _t, fs in editor.parts for f in fs.forms]
    assert editor.schema() == normalise_form_schema(schema if fields or columns else None)


@settings(max_examples=30, deadline=None)
@given(columns=entries(), data=st.data())
def test_adding_then_removing_a_row_gives_back_the_rows(
    columns: list[dict[str, Any]], data: Any
) -> None:
    posted = as_post(SchemaEditor(schema={"columns": columns}))
    posted["add_row"] = "columns"
    added = SchemaEditor(posted)
    assert added.changed_rows and len(added.formsets["columns"].forms) == len(columns) + 1

    again = as_post(added)
    again["remove_row"] = f"columns-{len(columns)}"
    removed = SchemaEditor(as_post(SchemaEditor(again)))

    assert removed.is_valid()
    assert removed.schema() == normalise_form_schema({"columns": columns} if columns else None)
