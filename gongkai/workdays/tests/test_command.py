"""`gongkai workdays add|count`: one line of answer, or exit 2 with a Chinese message."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from gongkai.workdays.models import CalendarYear

pytestmark = pytest.mark.django_db

MISSING_2027 = (
    "工作日历尚无 2027 年的数据：chinese-calendar 软件包和管理员维护的日历表都未包含该年。"
)


def run(*args: str) -> str:
    out = StringIO()
    call_command("workdays", *args, stdout=out)
    return out.getvalue()


def refused(*args: str) -> CommandError:
    with pytest.raises(CommandError) as raised:
        run(*args)
    assert raised.value.returncode == 2
    return raised.value


def test_add_prints_the_nth_working_day_in_iso_format() -> None:
    assert run("add", "2025-09-26", "5") == "2025-10-10\n"


def test_add_zero_prints_the_date_itself() -> None:
    assert run("add", "2025-10-01", "0") == "2025-10-01\n"


def test_count_prints_the_number_of_working_days() -> None:
    assert run("count", "2025-09-26", "2025-10-11") == "6\n"
    assert run("count", "2025-10-11", "2025-09-26") == "0\n"


def test_it_refuses_a_date_it_cannot_read() -> None:
    error = refused("add", "2025-13-01", "5")
    assert str(error) == "“2025-13-01”不是日期：请按 YYYY-MM-DD 书写，例如 2025-10-01。"


def test_it_refuses_a_count_that_is_not_a_number() -> None:
    error = refused("add", "2025-10-01", "五")
    assert str(error) == "“五”不是工作日数：请写一个大于或等于 0 的整数。"


def test_it_refuses_a_negative_count() -> None:
    error = refused("add", "2025-10-01", "-3")
    assert str(error) == "工作日数不能为负数（收到 -3）。"


def test_it_refuses_to_guess_an_unknown_year_and_says_how_to_add_it() -> None:
    error = refused("add", "2026-12-20", "30")
    assert str(error).startswith(MISSING_2027)
    assert "请系统管理员在后台“工作日历”中录入 2027 年的法定节假日和调休上班日" in str(error)
    assert "gongkai workdays import" in str(error)
    refused("count", "2026-12-20", "2027-01-10")


def test_it_answers_once_the_year_is_declared() -> None:
    CalendarYear.objects.create(year=2027, complete=True)
    assert run("add", "2026-12-20", "30") == "2027-01-29\n"


def test_the_installed_command_exits_2_for_an_unknown_year(tmp_path: Path) -> None:
    gongkai = Path(sys.executable).with_name("gongkai")
    # A throwaway SQLite database: the test database is invisible to another process.
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["GONGKAI_VAR_DIR"] = str(tmp_path)

    def gk(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(gongkai), *args], env=env, capture_output=True, text=True, timeout=120
        )

    assert gk("migrate", "workdays", "-v", "0", "--skip-checks").returncode == 0
    answered = gk("workdays", "add", "2025-09-26", "5")
    assert (answered.returncode, answered.stdout) == (0, "2025-10-10\n")
    refused = gk("workdays", "add", "2026-12-20", "30")
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert MISSING_2027 in refused.stderr
    assert "2027 年" in refused.stderr
    bad = gk("workdays", "add", "2026-12-32", "1")
    assert bad.returncode == 2
    assert "不是日期" in bad.stderr
