"""No organization workbook answers 500 through the console's import page, whatever its
cells hold, on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from hypothesis import assume, given
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from gongkai.conftest import client_for
from gongkai.organizations.tests.sheets import HEADER, xlsx
from gongkai.validation.tests.strategies import FUZZ, chinese, hostile_cell


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


cell = st.one_of(
    hostile_cell(),
    st.sampled_from(["QS", "QS-01", "QS-09", "支部", "党支部", "党委", "是", "否"]),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.none(),
)


def _file(rows: list[list[Any]]) -> bytes | None:
    try:
        return xlsx(rows, header=HEADER).getvalue()
    except (IllegalCharacterError, ValueError, TypeError):
        return None


@FUZZ
@given(rows=st.lists(st.lists(cell, min_size=3, max_size=len(HEADER)), min_size=1, max_size=4))
def test_no_organization_workbook_answers_500(people, tree, rows):
    content = _file(rows)
    assume(content is not None)
    client = client_for(people.office)
    with rolled_back():
        upload = SimpleUploadedFile("organizations.xlsx", content)
        response = client.post("/console/orgs/import", {"file": upload})
        assert response.status_code < 500
        if response.status_code == 200:
            assert chinese(response.content.decode())


@FUZZ
@given(content=st.binary(max_size=300))
def test_a_file_that_is_not_a_workbook_is_refused(people, tree, content):
    client = client_for(people.office)
    with rolled_back():
        upload = SimpleUploadedFile("organizations.xlsx", content)
        response = client.post("/console/orgs/import", {"file": upload})
        assert response.status_code < 500
