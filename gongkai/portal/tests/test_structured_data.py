"""Structured data is shown as the item's form lays it out: labelled fields, then a table in
the form's column order; nothing published is dropped for want of a label."""

from __future__ import annotations

from gongkai.portal.reading import structured

FORM = {
    "fields": [{"key": "total", "label": "合计金额", "type": "money"}],
    "columns": [
        {"key": "name", "label": "姓名", "type": "text"},
        {"key": "stage", "label": "拟发展阶段", "type": "choice", "choices": ["发展对象"]},
    ],
}


def test_fields_and_rows_follow_the_form():
    shown = structured(
        FORM,
        {
            "total": "220.00",
            "rows": [{"stage": "发展对象", "name": "张三"}, {"name": "李四", "stage": "预备党员"}],
        },
    )
    assert shown.fields == [("合计金额", "220.00")]
    assert shown.columns == ["姓名", "拟发展阶段"]
    assert shown.rows == [["张三", "发展对象"], ["李四", "预备党员"]]


def test_keys_the_form_does_not_name_are_kept_under_their_own_name():
    shown = structured(FORM, {"fields": {"note": "补充"}, "rows": [{"name": "张三", "备注": "无"}]})
    assert shown.fields == [("note", "补充")]
    assert shown.columns == ["姓名", "拟发展阶段", "备注"]
    assert shown.rows == [["张三", "", "无"]]


def test_values_read_as_text():
    shown = structured(None, {"ok": True, "list": ["a", "b"], "rows": [[1, None]]})
    assert ("ok", "是") in shown.fields and ("list", "a、b") in shown.fields
    assert shown.rows == [["1", ""]]
    assert not structured(None, {})
