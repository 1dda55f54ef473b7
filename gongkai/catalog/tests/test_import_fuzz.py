"""No catalog file answers 500: YAML with the wrong shapes, deep nesting, alias bombs,
syntax errors, NUL escapes and hostile values, and workbooks with hostile cells, through the
console's import page on SQLite and PostgreSQL. A refused file is reported in Chinese (YAML
syntax errors with their line and column)."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import Any

import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from hypothesis import assume, given
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from gongkai.catalog.exchange import COLUMNS, parse_yaml
from gongkai.catalog.forms import ItemForm
from gongkai.conftest import client_for
from gongkai.validation.tests.strategies import (
    FUZZ,
    chinese,
    hostile_cell,
    hostile_structure,
    hostile_text,
)


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


HOSTILE_YAML = [
    "- just\n- a list\n",
    "categories: {a: 1}\n",
    "categories: [1, 2]\n",
    "categories:\n  - name: x\n    items: {a: b}\n",
    "categories:\n  - name: x\n    items: [[1], {name: [1, 2]}]\n",
    "defaults: [1, 2]\ncategories:\n  - name: x\n    items: [a]\n",
    "categories:\n  - name: x\n    defaults: [1]\n    items: [a]\n",
    "categories:\n  - name: x\n    items:\n      - {name: y, form: [1, 2]}\n",
    "categories:\n  - name: x\n    items:\n      - {name: y, form: {fields: [{key: a, label: b, type: [1]}]}}\n",
    "categories:\n  - name: x\n    items:\n      - {name: y, deadline_days: .inf, scope: {a: b}}\n",
    "categories:\n  - name: x\n    items:\n      - {name: y, deadline_days: 1e30, party_first_lag_days: -1}\n",
    'categories:\n  - name: "a\\0b"\n    items: [c]\n',
    'categories:\n  - name: "a\\ud800b"\n    items: [c]\n',
    "title: " + "长" * 300 + "\ncategories:\n  - name: x\n    items: [y]\n",
    "categories:\n  - name: " + "类" * 150 + "\n    items: [y]\n",
    "categories:\n  - name: x\n    items:\n      - {key: " + "k" * 100 + ", name: y}\n",
    "[" * 5000 + "]" * 5000,
    "a: " + "{b: " * 3000 + "c" + "}" * 3000,
    "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
    "categories:\n\t- name: x\n",
    "categories: [\n",
    "a: b: c\n",
    "!!python/object/apply:os.system ['true']\n",
    "\x00",
    "",
]


def yaml_files() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.sampled_from(HOSTILE_YAML).map(lambda t: t.encode("utf-8", "surrogatepass")),
        hostile_structure().map(_dump),
        st.fixed_dictionaries({"categories": hostile_structure(12)}).map(_dump),
        st.fixed_dictionaries(
            {
                "categories": st.lists(
                    st.fixed_dictionaries(
                        {"name": hostile_text(20), "items": st.lists(item(), max_size=3)}
                    ),
                    max_size=2,
                )
            }
        ).map(_dump),
        st.binary(max_size=200),
    )


def item() -> st.SearchStrategy[Any]:
    return st.one_of(
        hostile_text(20),
        st.dictionaries(
            st.sampled_from([name for name, _h in COLUMNS] + ["form"]),
            st.one_of(hostile_cell(), hostile_structure(6)),
            max_size=6,
        ),
    )


def _dump(value: Any) -> bytes:
    try:
        return yaml.safe_dump(value, allow_unicode=True).encode("utf-8", "surrogatepass")
    except (yaml.YAMLError, RecursionError, UnicodeEncodeError):
        return b"[" * 500


def post_file(client: Any, name: str, content: bytes) -> Any:
    upload = SimpleUploadedFile(name, content)
    return client.post("/console/catalog/import", {"file": upload})


@FUZZ
@given(content=yaml_files())
def test_no_catalog_yaml_answers_500(people, tree, content):
    client = client_for(people.office)
    with rolled_back():
        response = post_file(client, "catalog.yaml", content)
        assert response.status_code < 500
        if response.status_code == 200:
            assert chinese(response.content.decode())


def test_every_hostile_yaml_shape_is_refused_in_chinese():
    for text in HOSTILE_YAML:
        errors = parse_yaml(text.encode("utf-8", "surrogatepass")).errors
        assert errors, text[:60]
        assert all(any("\u4e00" <= c <= "\u9fff" for c in e) for e in errors), errors


def test_a_yaml_syntax_error_names_its_line_and_column_in_chinese():
    errors = parse_yaml("title: 目录\ncategories:\n  - name: a: b\n".encode()).errors
    assert errors == ["YAML 第 3 行第 12 列无法读取：此处不能出现冒号（请给值加引号，或检查缩进）"]


def _workbook(rows: list[list[Any]]) -> bytes | None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "目录"
    sheet.append([header for _n, header in COLUMNS])
    try:
        for row in rows:
            sheet.append(row)
    except (IllegalCharacterError, ValueError, TypeError):
        return None
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


excel_cell = st.one_of(
    hostile_cell(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)


@FUZZ
@given(rows=st.lists(st.lists(excel_cell, max_size=len(COLUMNS)), min_size=1, max_size=4))
def test_no_catalog_workbook_answers_500(people, tree, rows):
    content = _workbook(rows)
    assume(content is not None)
    assert content is not None
    client = client_for(people.office)
    with rolled_back():
        response = post_file(client, "catalog.xlsx", content)
        assert response.status_code < 500


@FUZZ
@given(
    form=st.one_of(
        hostile_text(100),
        hostile_structure().map(_dump).map(lambda b: b.decode("utf-8", "surrogatepass")),
    )
)
def test_the_structured_form_box_never_raises(form):
    item_form = ItemForm(data={"name": "事项", "scope": "public", "timing": "event", "form": form})
    item_form.is_valid()  # refusing is fine; raising is not
