"""`gongkai workdays import FILE`: next year's schedule before any package knows it."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from gongkai.workdays.models import CalendarAlert, CalendarDay, CalendarYear
from gongkai.workdays.services import add_working_days, deadline, is_known_year
from gongkai.workdays.tests.conftest import d

pytestmark = pytest.mark.django_db

# Made up for the tests: the real 2027 schedule is not published yet.
SCHEDULE_2027 = """\
year: 2027
note: 测试用日程（非真实通知）
days:
  - {date: 2027-01-01, kind: holiday, name: 元旦}
  - {from: 2027-02-06, to: 2027-02-13, kind: holiday, name: 春节}
  - {date: 2027-02-14, kind: workday, name: 春节调休}
  - {date: 2027-02-20, kind: 班, name: 春节调休}
"""


def load(path: Path, *options: str) -> str:
    out = StringIO()
    call_command("workdays", "import", str(path), *options, stdout=out)
    return out.getvalue()


def refused(path: Path, *options: str) -> str:
    with pytest.raises(CommandError) as raised:
        load(path, *options)
    assert raised.value.returncode == 2
    return str(raised.value)


def test_it_loads_a_yaml_year_and_declares_it_complete(tmp_path: Path) -> None:
    deadline(d("2026-12-20"), 30)  # someone already needed 2027
    path = tmp_path / "2027.yaml"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    assert load(path) == "已向工作日历导入 11 天。\n2027 年已标记为完整录入：该年日期视为已知。\n"
    assert CalendarDay.objects.filter(date__year=2027).count() == 11
    assert CalendarYear.objects.get(year=2027).note == "测试用日程（非真实通知）"
    assert is_known_year(2027)
    assert add_working_days(d("2027-02-05"), 1) == d("2027-02-14")
    assert add_working_days(d("2027-02-19"), 1) == d("2027-02-20")
    assert not CalendarAlert.objects.open().exists()


def test_it_loads_a_csv_with_chinese_kinds_saved_by_excel(tmp_path: Path) -> None:
    path = tmp_path / "2027.csv"
    text = "date,to,kind,name,note\n2027-01-01,,休,元旦,\n2027-02-06,2027-02-13,休,春节,\n"
    path.write_bytes(text.encode("gb18030"))
    assert load(path, "--year", "2027").startswith("已向工作日历导入 9 天。")
    assert CalendarDay.objects.get(date=d("2027-02-13")).name == "春节"
    assert is_known_year(2027)


def test_a_csv_without_a_year_loads_local_adjustments_only(tmp_path: Path) -> None:
    path = tmp_path / "local.csv"
    path.write_text("date,kind,name\n2025-10-09,holiday,本地调整\n", encoding="utf-8-sig")
    assert load(path) == "已向工作日历导入 1 天。\n"
    assert not CalendarYear.objects.exists()
    assert add_working_days(d("2025-09-30"), 1) == d("2025-10-10")


def test_reloading_a_file_replaces_what_the_table_said_about_those_dates(tmp_path: Path) -> None:
    CalendarDay.objects.create(date=d("2027-02-14"), kind=CalendarDay.Kind.HOLIDAY)
    path = tmp_path / "2027.yaml"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    load(path)
    load(path)
    assert CalendarDay.objects.get(date=d("2027-02-14")).kind == CalendarDay.Kind.WORKDAY
    assert CalendarDay.objects.count() == 11


def test_it_lists_every_bad_entry_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "date,to,kind\n"
        "2027-01-01,,holiday\n"
        "2027-02-30,,holiday\n"
        "2027-03-01,,假期\n"
        "2027-02-10,2027-02-06,holiday\n"
        "2027-01-01,,workday\n",
        encoding="utf-8",
    )
    assert refused(path, "--year", "2027") == (
        "第 3 行：“2027-02-30”不是日期（请写成 YYYY-MM-DD）。\n"
        "第 4 行：“假期”不是有效类型：请写 holiday（休）或 workday（班）。\n"
        "第 5 行：日期范围的结束日 2027-02-06 早于开始日 2027-02-10。\n"
        "第 6 行：2027-01-01 重复出现。"
    )
    assert not CalendarDay.objects.exists()
    assert not CalendarYear.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.txt", "", "“{path}”不是 YAML（.yaml、.yml）或 CSV（.csv）文件。"),
        (
            "x.yaml",
            "- just a list",
            "YAML 文件应为包含 “days” 列表的映射（可另含 “year”、“complete” 和 “note”）。",
        ),
        (
            "x.csv",
            "day,type\n",
            "CSV 文件需要标题行，至少包含 date 和 kind 两列（to、name、note 可选）。",
        ),
        ("x.csv", "date,kind\n", "文件中没有任何日期。"),
        (
            "x.yaml",
            "year: 2026\ndays: [{date: 2026-01-01, kind: holiday}]",
            "文件是 2026 年的日程，但 --year 指定的是 2027 年。",
        ),
    ],
)
def test_it_refuses_files_it_cannot_use(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert refused(path, "--year", "2027") == message.format(path=path)


def test_it_refuses_a_missing_file(tmp_path: Path) -> None:
    assert refused(tmp_path / "nope.yaml").startswith("无法读取“")
