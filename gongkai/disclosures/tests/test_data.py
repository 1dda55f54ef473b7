"""A clerk pastes a table from Excel; every bad cell is named by row and column."""

from gongkai.disclosures.data import clean_fields, parse_table, table_as_text

SCHEMA = {
    "fields": [
        {
            "key": "stage",
            "label": "拟发展阶段",
            "type": "choice",
            "choices": ["发展对象", "预备党员"],
            "required": True,
        }
    ],
    "columns": [
        {"key": "name", "label": "姓名", "type": "text", "required": True},
        {"key": "gender", "label": "性别", "type": "choice", "choices": ["男", "女"]},
        {"key": "born", "label": "出生年月", "type": "month"},
        {"key": "applied", "label": "申请入党时间", "type": "date"},
        {"key": "dues", "label": "金额", "type": "money"},
    ],
}


def test_a_range_pasted_from_excel_with_its_header_becomes_rows():
    pasted = "姓名\t性别\t出生年月\t申请入党时间\t金额\r\n王某\t男\t1990年3月\t2025/6/1\t120\r\n李某\t女\t1995-11\t2025-07-15\t1,200.5\r\n"
    rows, errors = parse_table(SCHEMA, pasted)
    assert errors == []
    assert rows == [
        {
            "name": "王某",
            "gender": "男",
            "born": "1990-03",
            "applied": "2025-06-01",
            "dues": "120.00",
        },
        {
            "name": "李某",
            "gender": "女",
            "born": "1995-11",
            "applied": "2025-07-15",
            "dues": "1200.50",
        },
    ]


def test_every_bad_cell_is_reported_by_row_and_column():
    _rows, errors = parse_table(SCHEMA, "王某\t未知\t1990-13\t2025-02-30\t一百\n\t男\n")
    assert errors == [
        "第 1 行，性别：“未知”不是可选值（男、女）之一。",
        "第 1 行，出生年月：“1990-13”不是年月（例如 1990-03）。",
        "第 1 行，申请入党时间：“2025-02-30”不是日期（例如 2026-06-30）。",
        "第 1 行，金额：“一百”不是金额（例如 120.50）。",
        "第 2 行，姓名：必填。",
    ]


def test_a_table_round_trips_through_the_text_the_clerk_edits():
    rows, _errors = parse_table(SCHEMA, "王某\t男\t1990-03\t2025-06-01\t120.00")
    assert parse_table(SCHEMA, table_as_text(SCHEMA, rows))[0] == rows


def test_required_fields_and_choices_are_checked():
    assert clean_fields(SCHEMA, {"stage": ""})[1] == ["拟发展阶段为必填项。"]
    assert clean_fields(SCHEMA, {"stage": "发展对象"}) == ({"stage": "发展对象"}, [])


def test_stored_data_is_checked_against_the_form():
    from gongkai.disclosures.data import validate

    assert (
        validate(SCHEMA, {"stage": "发展对象", "rows": [{"name": "王某", "born": "1990-03"}]}) == []
    )
    assert validate(
        SCHEMA, {"stage": "预备", "oops": 1, "rows": [{"name": "", "dues": "x", "hack": 1}]}
    ) == [
        "该表单没有名为 oops 的字段或列。",
        "拟发展阶段：“预备”不是可选值（发展对象、预备党员）之一。",
        "该表单没有名为 hack 的字段或列。",
        "第 1 行，姓名：必填。",
        "第 1 行，金额：“x”不是金额（例如 120.50）。",
    ]
    assert validate({}, {"anything": 1}) == []  # no form: the data is free
    assert validate(SCHEMA, {"rows": [{"name": ""}]}, complete=False) == []  # a draft may have gaps
    assert validate(SCHEMA, {"stage": "发展对象", "rows": "not a table"}) == [
        "表格须为若干行组成的列表。"
    ]
