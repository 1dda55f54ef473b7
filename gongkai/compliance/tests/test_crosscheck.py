"""The roll-ups' cross-check: `gongkai compliance recompute [--check-only]` and the plain
function a scheduled task calls."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from gongkai.compliance import crosscheck, obligations
from gongkai.compliance.models import Rollup, RollupCheck

pytestmark = pytest.mark.django_db


@pytest.fixture
def owed(tree, catalogs):  # type: ignore[no-untyped-def]
    obligations.generate(dt.date(2026, 7, 20))
    obligations.refresh(dt.date(2026, 7, 20))


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("compliance", "recompute", *args, stdout=out)
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_a_check_of_agreeing_rollups_records_no_mismatch(owed):
    code, out = run()
    assert code == 0 and "一致" in out
    check = crosscheck.latest()
    assert check is not None and check.mismatches == 0 and check.rows > 0


def test_check_only_records_the_disagreement_changes_nothing_and_exits_1(tree, owed):
    Rollup.objects.filter(organization=tree.town).update(overdue=999)
    code, out = run("--check-only")
    assert code == 1 and "未作修改" in out
    assert crosscheck.latest().mismatches > 0
    assert Rollup.objects.filter(organization=tree.town, overdue=999).exists()
    # Without --check-only the rows are rewritten, and the next check finds them right.
    code, out = run("--json")
    result = json.loads(out)
    assert code == 0 and result["mismatches"] > 0 and result["fixed"] is True
    assert not Rollup.objects.filter(organization=tree.town, overdue=999).exists()
    assert crosscheck.run(fix=False)["mismatches"] == 0
    assert RollupCheck.objects.count() == 3


def test_the_task_function_returns_plain_data(owed):
    result = crosscheck.run()
    assert json.loads(json.dumps(result)) == result
    assert set(result) == {"check", "at", "rows", "mismatches", "fixed"}
