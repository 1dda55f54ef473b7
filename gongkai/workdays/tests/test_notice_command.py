"""`gongkai workdays notice FILE [--dry-run]`: the same parser and save as the page."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from gongkai.workdays.models import CalendarDay, CalendarYear
from gongkai.workdays.tests.test_notice_page import NOTICE_2028

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("workdays", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def notice_file(tmp_path: Path) -> Path:
    path = tmp_path / "2028.txt"
    path.write_text(NOTICE_2028, encoding="utf-8")
    return path


def test_a_dry_run_prints_the_days_and_saves_nothing(notice_file: Path) -> None:
    out = run("notice", str(notice_file), "--dry-run")
    lines = out.splitlines()
    assert lines[0] == "2028-01-01\t周六\t放假\t元旦"
    assert "2028-02-05\t周六\t上班日\t春节调休" in lines
    assert lines[-1] == "试运行：未保存任何内容。"
    assert not CalendarDay.objects.exists()


def test_it_saves_the_year_and_a_second_run_changes_nothing(notice_file: Path) -> None:
    assert run("notice", str(notice_file)).splitlines()[-1] == (
        "已保存 2028 年的节假日（新增 22 天，修改 0 天，0 天未变）；该年已标记为完整。"
    )
    assert CalendarYear.objects.get(year=2028).complete
    assert run("notice", str(notice_file)).splitlines()[-1] == (
        "已保存 2028 年的节假日（新增 0 天，修改 0 天，22 天未变）；该年已标记为完整。"
    )
    assert CalendarDay.objects.count() == 22


def test_a_notice_in_gb18030_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "2028-gbk.txt"
    path.write_bytes(NOTICE_2028.encode("gb18030"))
    assert "2028-01-25\t周二\t放假\t春节" in run("notice", str(path), "--dry-run")


def test_problems_exit_2_and_save_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(NOTICE_2028.replace("共8天", "共9天"), encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        run("notice", str(path))
    assert raised.value.returncode == 2
    message = str(raised.value)
    assert "第 3 行：" in message
    assert "该句说共 9 天，但所列日期共 8 天。" in message
    assert message.endswith("未保存任何内容：请更正以上句子后重新运行。")
    assert not CalendarDay.objects.exists()


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as raised:
        run("notice", str(tmp_path / "none.txt"))
    assert raised.value.returncode == 2


def test_a_file_larger_than_the_import_limit_is_refused_unread(
    tmp_path: Path, settings: object
) -> None:
    settings.GONGKAI_MAX_IMPORT_BYTES = 100  # type: ignore[attr-defined]
    path = tmp_path / "big.txt"
    path.write_text(NOTICE_2028, encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        run("notice", str(path))
    assert raised.value.returncode == 2
    assert "100" in str(raised.value)
