from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gongkai.ledger.models import LedgerEntry
from gongkai.ledger.tests.conftest import raw, table


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("ledger", "verify", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_clean_ledger_passes_with_its_size_and_head_hash(chain):
    out, err = run()

    head = LedgerEntry.objects.get(sequence=6).entry_hash
    assert out == f"旧哈希链校验通过：共 6 条记录，链尾哈希 {head}。\n"
    assert err == ""


def test_an_empty_ledger_passes(db):
    out, _err = run()

    assert out == "台账校验通过：台账还没有记录。\n"


def test_a_changed_revision_fails_with_exit_code_1_naming_the_entry(chain):
    from gongkai.disclosures.models import Revision

    Revision.objects.filter(pk=chain.revisions["roster1"].pk).update(title="发展党员公示。")
    out, err = StringIO(), StringIO()

    with pytest.raises(SystemExit) as exit:
        call_command("ledger", "verify", stdout=out, stderr=err)

    assert exit.value.code == 1
    assert out.getvalue() == ""
    assert err.getvalue().startswith("台账校验未通过，位置：旧哈希链第 4 条记录：")
    assert f"第 {chain.roster.pk} 号公开事项的第 1 版" in err.getvalue()


def test_a_deleted_entry_fails_naming_the_gap(chain):
    raw(f"DELETE FROM {table(LedgerEntry)} WHERE sequence = 2", [])
    err = StringIO()

    with pytest.raises(SystemExit) as exit:
        call_command("ledger", "verify", stdout=StringIO(), stderr=err)

    assert exit.value.code == 1
    assert (
        err.getvalue()
        == "台账校验未通过，位置：旧哈希链第 2 条记录：记录缺失：第 1 条之后是第 3 条\n"
    )


def test_the_batch_size_must_be_positive(db):
    with pytest.raises(CommandError, match="--batch-size"):
        run("--batch-size", "0")
