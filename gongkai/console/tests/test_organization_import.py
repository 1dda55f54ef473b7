"""The organization import template, downloaded from the console and uploaded back as it is,
changes nothing and says so; the file is a real workbook read back by openpyxl."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from gongkai.conftest import People, Tree, client_for
from gongkai.organizations.models import Organization


def _rows() -> list[tuple[object, ...]]:
    return list(Organization.objects.order_by("pk").values_list())


def test_the_template_uploaded_unchanged_changes_nothing(tree: Tree, people: People) -> None:
    client = client_for(people.office)
    download = client.get("/console/orgs/import/template.xlsx")
    assert download.status_code == 200
    workbook = load_workbook(io.BytesIO(download.content))
    assert [row for row in workbook.worksheets[0].iter_rows(values_only=True) if any(row)][1:] == []
    before = _rows()

    response = client.post(
        "/console/orgs/import",
        {"file": SimpleUploadedFile("组织导入模板.xlsx", download.content)},
        follow=True,
    )

    assert response.status_code == 200
    assert "没有变化：表中只有表头，没有党组织。" in response.content.decode()
    assert _rows() == before


def test_a_sheet_that_matches_the_tree_changes_nothing(tree: Tree, people: People) -> None:
    client = client_for(people.office)
    workbook = load_workbook(io.BytesIO(client.get("/console/orgs/import/template.xlsx").content))
    workbook.worksheets[0].append(["QS-01", "东岭村党支部", "党支部", "QS", "是"])
    workbook.worksheets[0].append(["QS-02", "西岭村党支部", "党支部", "QS", "否"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = _rows()

    response = client.post(
        "/console/orgs/import",
        {"file": SimpleUploadedFile("组织.xlsx", buffer.getvalue())},
        follow=True,
    )

    assert "没有变化：表中的 2 个党组织与系统中的一致。" in response.content.decode()
    assert _rows() == before
