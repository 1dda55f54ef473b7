"""scripts/verify_ledger.py against a log served over HTTP by an independent implementation
of docs/ledger-format.md (fakelog.py): an honest log verifies; a log cut short, rewritten
(with another key or with the right one), with a changed document, a missing entry, a changed
opaque entry, a bad signature or a false witness fails and the first failure names the bad
entry (`LOG#INDEX`) or signed head (`LOG@SIZE`); content that no longer matches its entry
fails; usage and network errors exit 2. The script runs as a separate process, copied alone
into an empty directory, as a reader would run it."""

from __future__ import annotations

import ast
import base64
import contextlib
import importlib.util
import io
import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.ledger.tests import fakelog

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "verify_ledger.py"

_spec = importlib.util.spec_from_file_location("verify_ledger", SCRIPT)
assert _spec is not None and _spec.loader is not None
verify_ledger = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("verify_ledger", verify_ledger)  # dataclasses look their module up
_spec.loader.exec_module(verify_ledger)


@pytest.fixture(scope="module")
def server():
    with fakelog.serving() as running:
        yield running


@pytest.fixture
def fake(server) -> fakelog.Fake:
    """A fresh honest deployment for each test, served by the module's server."""
    server.fake = fakelog.build()
    return server.fake


@pytest.fixture(scope="module")
def script(tmp_path_factory) -> Path:
    """The script alone in an empty directory: no gongkai on the path."""
    directory = tmp_path_factory.mktemp("alone")
    return Path(shutil.copy(SCRIPT, directory / "verify_ledger.py"))


def run(script: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", str(script), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=script.parent,
    )


def report(script: Path | None, url: str, *args: str) -> tuple[int, dict[str, Any]]:
    """Exit status and JSON report, from a process (`script`) or in this one (None)."""
    if script is None:
        return in_process(url, *args)
    result = run(script, url, "--json", *args)
    return result.returncode, json.loads(result.stdout)


def in_process(url: str, *args: str) -> tuple[int, dict[str, Any]]:
    """`report` without starting a process, for the many small content checks."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = verify_ledger.main([url, "--json", *args])
    return code, json.loads(out.getvalue())


def first_failure(script: Path | None, url: str, *args: str) -> str:
    code, out = report(script, url, *args)
    assert code == 1, out
    assert out["ok"] is False
    return out["first_failure"]


def failures(script: Path | None, url: str, *args: str) -> list[str]:
    code, out = report(script, url, *args)
    assert code == 1, out
    return [f"{f['where']}: {f['reason']}" for f in out["failures"]]


# --- an honest log --------------------------------------------------------------------------


def test_an_honest_log_verifies(script, server, fake):
    result = run(script, server.url)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("OK: 2 log(s), 9 entries, 9 signed heads")
    # Keys from the server itself are only as good as the server: it says so.
    assert "dishonest operator" in result.stdout


def test_the_json_report_counts_what_was_checked(script, server, fake):
    code, out = report(None, server.url)

    assert code == 0
    assert out["ok"] is True and out["failures"] == [] and out["first_failure"] is None
    logs = {log["log"]: log for log in out["logs"]}
    assert logs["QS"]["entries"] == 6 and logs["QS"]["visible"] == 5 and logs["QS"]["opaque"] == 1
    assert logs["QS"]["heads"] == 6
    # The latest head plus the two witnessed heads of QS are checked against its tree.
    assert logs["QS"]["claims"] == 3
    assert out["disclosures_checked"] == 3
    assert out["keys"] == [
        {"name": fake.signer.name, "key_id": fake.signer.key_id.hex(), "source": "server"}
    ]


def test_trusted_keys_given_on_the_command_line(script, server, fake):
    code, out = report(None, server.url, "--key", fakelog.KEY.vkey)
    assert code == 0
    assert out["warnings"] == []
    assert out["keys"][0]["source"] == "--key"

    # A server signing with a key the reader does not trust fails at its first head.
    assert first_failure(None, server.url, "--key", fakelog.OTHER_KEY.vkey).startswith(
        "YL@3: latest checkpoint does not verify: not signed by any known key"
    )


def test_one_log_alone_proves_the_heads_it_witnesses(script, server, fake):
    code, out = report(None, server.url, "--log", "YL")

    assert code == 0, out
    assert [log["log"] for log in out["logs"]] == ["YL"]
    # QS was not downloaded: its two witnessed heads were proved consistent by the server.
    assert out["logs"][0]["entries"] == 3
    assert out["proved"] == {"QS": 2}


# --- saved heads ----------------------------------------------------------------------------


@pytest.fixture
def saved(script, server, fake, tmp_path) -> Path:
    """The heads of the honest deployment, saved by a reader."""
    directory = tmp_path / "heads"
    code, out = report(None, server.url, "--save-heads", str(directory))
    assert code == 0, out
    assert sorted(p.name for p in directory.iterdir()) == [
        "QS.checkpoint",
        "YL.checkpoint",
        "keys.vkey",
    ]
    assert (directory / "keys.vkey").read_text() == fakelog.KEY.vkey + "\n"
    return directory


def test_saved_heads_of_an_honest_log_still_verify_after_it_grows(script, server, saved):
    fakelog.grow(server.fake)

    code, out = report(None, server.url, "--head", str(saved), "--save-heads", str(saved))

    assert code == 0, out
    assert "\n6\n" not in (saved / "QS.checkpoint").read_text()  # the new head was saved
    assert "\n7\n" in (saved / "QS.checkpoint").read_text()
    # Without walking QS, the server proves its new head consistent with the saved one.
    code, out = report(None, server.url, "--head", str(saved / "QS.checkpoint"), "--log", "YL")
    assert code == 0, out


def test_a_log_cut_short_fails_against_a_saved_head(script, server, saved):
    server.fake.truncate("YL", 2)

    assert first_failure(script, server.url, "--head", str(saved)).startswith(
        "YL#2: missing: the log now ends at 2 entries, but a saved head signed it at size 3"
    )
    # Not walking it: the server cannot prove a smaller tree consistent with a larger one.
    assert first_failure(None, server.url, "--head", str(saved), "--log", "QS").startswith(
        "YL#2: saved head of YL has size 3, but the log now has 2 entries"
    )
    # Without the saved head, the shortened log is self-consistent: that is why one saves it.
    assert report(None, server.url)[0] == 0


def test_a_rewritten_log_signed_with_another_key_fails_against_a_saved_head(script, server, saved):
    server.fake = fakelog.build(fakelog.OTHER_KEY, d1_title="改写后的标题")
    # On its own the rewritten deployment looks fine (new key, all hashes recomputed).
    assert report(None, server.url)[0] == 0

    found = failures(script, server.url, "--head", str(saved))

    assert found[0].startswith("YL@3: the log's first 3 entries no longer hash to the saved head")
    assert any(f.startswith("QS@6: the log's first 6 entries no longer hash") for f in found)


def test_a_saved_head_signed_by_a_key_the_server_no_longer_lists_fails(script, server, saved):
    server.fake = fakelog.build(fakelog.OTHER_KEY)
    only_the_note = saved / "QS.checkpoint"  # without keys.vkey beside it

    assert first_failure(None, server.url, "--head", str(only_the_note)).startswith(
        f"QS@6: saved head {only_the_note} does not verify: not signed by any known key"
    )


def test_a_rewritten_log_signed_with_the_right_key_fails_against_a_saved_head(
    script, server, saved
):
    server.fake = fakelog.build(d1_title="改写后的标题", extra_qs_entry=True)
    assert report(None, server.url)[0] == 0

    found = failures(script, server.url, "--head", str(saved))
    assert found[0].startswith("YL@3: the log's first 3 entries no longer hash to the saved head")
    assert any(f.startswith("QS@6: the log's first 6 entries no longer hash") for f in found)

    # Not walking QS: the server's consistency proof from 6 to 7 cannot match the saved root.
    assert first_failure(
        script, server.url, "--head", str(saved / "QS.checkpoint"), "--log", "YL"
    ).startswith("QS@6: saved head of QS (size 6) is not consistent with its current head (size 7)")


# --- one thing changed ----------------------------------------------------------------------


def test_a_changed_document_byte_names_its_entry(script, server, fake):
    document = fake.logs["QS"].entries[1]["document"]
    document["body"] = document["body"].replace("12.5", "12.6")

    assert first_failure(script, server.url).startswith(
        "QS#1: published_hash " + fake.logs["QS"].entries[1]["published_hash"]
    )


def test_a_changed_number_in_the_data_names_its_entry(script, server, fake):
    fake.logs["QS"].entries[3]["document"]["data"]["户数"] = 31

    assert first_failure(None, server.url).startswith("QS#3: published_hash")


def test_a_missing_index_names_it(script, server, fake):
    del fake.logs["QS"].entries[3]

    assert first_failure(script, server.url).startswith("QS#3: missing (the next entry is #4)")


def test_an_opaque_entry_with_a_changed_commitment_names_it(script, server, fake):
    entry = fake.logs["QS"].entries[2]
    assert entry["visible"] is False
    entry["commitment"] = entry["commitment"][:-1] + (
        "0" if entry["commitment"][-1] != "0" else "1"
    )

    assert first_failure(script, server.url).startswith("QS#2: leaf_hash")


def test_a_changed_leaf_hash_breaks_the_tree(script, server, fake):
    # Someone recomputes the leaf hash of a changed entry: the signed roots no longer match.
    entry = fake.logs["QS"].entries[4]
    document = entry["document"]
    document["title"] = "改过的标题"
    published = fakelog.hexh(fakelog.canon(document))
    commitment = fakelog.hexh(
        f"gongkai-commitment-v1\n{published}\n{entry['sealed_hash']}\n".encode()
    )
    leaf = f"gongkai-leaf-v1\nQS\n4\n{entry['at']}\n{entry['organization']}\n{commitment}\n"
    entry.update(
        published_hash=published,
        commitment=commitment,
        leaf_hash=fakelog.hexh(b"\x00" + leaf.encode()),
    )

    assert first_failure(None, server.url).startswith(
        "QS@5: signed root " + fake.logs["QS"].heads[4]["root_hash"]
    )


def test_a_bad_signature_names_the_head(script, server, fake):
    log = fake.logs["QS"]
    text = log.heads[-1]["checkpoint"]
    body, signature_line = text.rsplit("\n\n", 1)
    name, blob = signature_line.rstrip("\n").rsplit(" ", 1)
    raw = bytearray(base64.b64decode(blob))
    raw[10] ^= 0x01
    log.heads[-1]["checkpoint"] = f"{body}\n\n{name} {base64.b64encode(bytes(raw)).decode()}\n"

    assert first_failure(None, server.url).startswith(
        "QS@6: latest checkpoint does not verify: the signature of gongkai.example.cn"
    )


def test_a_head_with_a_wrong_origin_fails(script, server, fake):
    log = fake.logs["QS"]
    head = log.heads[1]
    head["checkpoint"] = fakelog.checkpoint_text(
        fake.signer, "gongkai.example.cn/YL", 2, bytes.fromhex(head["root_hash"]), head["at"]
    )

    assert first_failure(script, server.url).startswith(
        "QS@2: origin 'gongkai.example.cn/YL' is not 'gongkai.example.cn/QS'"
    )


def test_a_witness_entry_that_does_not_match_names_it(script, server):
    # YL#1 carries a properly signed head of QS at size 3 whose root is another tree's.
    server.fake = fakelog.build(witness_fork=True)

    assert first_failure(script, server.url).startswith(
        "YL#1: witnessed head of QS at size 3 has root"
    )
    # Not walking QS, the server cannot prove the false head consistent either.
    assert first_failure(None, server.url, "--log", "YL").startswith(
        "YL#1: witnessed head of QS (size 3) is not consistent with its current head"
    )


# --- content ------------------------------------------------------------------------------------


def test_a_title_shown_differently_from_its_entry_fails(script, server, fake):
    fake.disclosures[1]["title"] = "东岭村2025年第一季度村务公开（已改）"

    assert first_failure(script, server.url).startswith("QS#3: disclosure 1: title differs")
    assert report(None, server.url, "--no-content")[0] == 0


def test_a_changed_file_fails(script, server, fake):
    fake.files["a.pdf"] = fakelog.PDF[:-1] + b"!"

    assert first_failure(script, server.url).startswith(
        "QS#3: disclosure 1: attachment 1: the downloaded file"
    )


def test_changed_text_of_a_file_shown_as_text_fails(script, server, fake):
    fake.disclosures[1]["attachments"][1]["parts"][0]["text"] += "王五\t男"

    assert first_failure(None, server.url).startswith(
        "QS#3: disclosure 1: attachment 2: the text shown is not the recorded text"
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d.update(publish_from="2026-03-01T10:04:04.000005+08:00"),
            "publish_from differs",
        ),
        (lambda d: d["data"].update({"金额": 12.5}), "data differs"),
        (lambda d: d.update(revision=2), "revision differs"),
        (lambda d: d.update(withdrawn=True), "shown as withdrawn without a withdraw entry"),
        (lambda d: d.update(scope="party"), "scope differs"),
        (lambda d: d.update(attachments=d["attachments"][:1]), "2 attachments recorded, 1 shown"),
        (
            lambda d: d["attachments"][1].update(download_url="http://BASE/files/a.pdf"),
            "attachment 2: recorded as text",
        ),
    ],
)
def test_each_compared_field(script, server, fake, change, expected):
    change(fake.disclosures[1])

    assert first_failure(None, server.url).startswith(f"QS#3: disclosure 1: {expected}")


def test_a_correction_reason_and_a_withdrawal_are_compared(script, server, fake):
    fake.revisions[1][1]["note"] = "别的理由"
    fake.disclosures[3]["withdrawal_reason"] = "别的理由"

    assert failures(None, server.url) == [
        "QS#3: disclosure 1: reason differs: recorded '更正金额', shown '别的理由'",
        "QS#5: disclosure 3: reason differs: recorded '信息有误', shown '别的理由'",
    ]


def test_a_public_entry_whose_disclosure_is_gone_fails(script, server, fake):
    del fake.disclosures[4]

    assert first_failure(None, server.url).startswith(
        "YL#0: disclosure 4: the API does not show disclosure 4"
    )


# --- usage and network --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["ftp://example.cn"],
        ["http://x", "--timeout", "soon"],
        ["http://x", "--key", "nonsense"],
    ],
)
def test_usage_errors_exit_2(script, args):
    assert run(script, *args).returncode == 2


def test_an_unreachable_server_exits_2(script):
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    result = run(script, url, "--timeout", "5")
    assert result.returncode == 2
    assert result.stderr.startswith("error: GET ")


def test_a_missing_endpoint_exits_2(script, server, fake):
    code, out = report(None, server.url + "/nothing-here")
    assert code == 2
    assert "HTTP 404" in out["error"]


def test_a_saved_head_of_a_log_no_longer_listed_fails(script, server, saved):
    del server.fake.logs["QS"]

    found = failures(None, server.url, "--head", str(saved / "QS.checkpoint"))
    assert found[0].startswith("YL#1: witnesses a log 'QS' the server does not list")
    assert "QS@6: the server no longer lists the log gongkai.example.cn/QS" in found


# --- the script is one file -------------------------------------------------------------------


def test_the_script_imports_only_the_standard_library_and_cryptography():
    tree = ast.parse(SCRIPT.read_text())
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0
            modules.add((node.module or "").split(".")[0])
    assert "gongkai" not in modules
    assert modules - set(sys.stdlib_module_names) == {"cryptography"}
    # Every import at the top, none hidden in a function.
    top = {id(n) for n in tree.body}
    assert all(id(n) in top for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom))


# --- the script's algorithms against the recursive definitions -------------------------------


def leaves(n: int) -> list[bytes]:
    return [f"leaf {i}".encode() for i in range(n)]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 70))
def test_the_frontier_has_the_root_of_every_prefix(n):
    frontier = verify_ledger.Frontier()
    data = leaves(n)
    assert frontier.root() == fakelog.mth([])
    for i, leaf in enumerate(data):
        frontier.append(verify_ledger.leaf_hash(leaf))
        assert frontier.root() == fakelog.mth(data[: i + 1])


@settings(max_examples=120, deadline=None)
@given(st.integers(1, 70).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_inclusion_proofs_verify_and_a_wrong_one_does_not(case):
    n, index = case
    data = leaves(n)
    root, path = fakelog.mth(data), fakelog.inclusion(index, data)
    leaf = verify_ledger.leaf_hash(data[index])
    assert verify_ledger.verify_inclusion(index, n, leaf, path, root)
    assert not verify_ledger.verify_inclusion(index, n, leaf, path, fakelog.h(root))
    assert not verify_ledger.verify_inclusion(index, n, fakelog.h(leaf), path, root)
    if path:
        assert not verify_ledger.verify_inclusion(index, n, leaf, path[:-1], root)
        assert not verify_ledger.verify_inclusion((index + 1) % n, n, leaf, path, root) or n == 1


@settings(max_examples=120, deadline=None)
@given(st.integers(0, 70).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_consistency_proofs_verify_and_a_wrong_one_does_not(case):
    m, n = case
    data = leaves(n)
    first, second = fakelog.mth(data[:m]), fakelog.mth(data)
    path = fakelog.consistency(m, data)
    assert verify_ledger.verify_consistency(m, n, first, second, path)
    other = fakelog.h(b"another root")
    if m > 0:
        assert not verify_ledger.verify_consistency(m, n, other, second, path)
    if 0 < m < n:  # (the empty tree is consistent with every tree)
        assert not verify_ledger.verify_consistency(m, n, first, other, path)
    if path:
        assert not verify_ledger.verify_consistency(m, n, first, second, path[:-1])
        assert not verify_ledger.verify_consistency(m, n, first, second, [other, *path[1:]])
    assert not verify_ledger.verify_consistency(n + 1, n, second, second, [])


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=120, deadline=None)
@given(JSON_VALUES)
def test_canonical_json_is_the_hand_written_one(value):
    try:
        expected = fakelog.canon(value)
    except UnicodeEncodeError:  # a lone surrogate: not JSON text
        return
    # Keys that become equal under NFC are not a document (both implementations keep one).
    assert verify_ledger.canonical_json(value) == expected or _nfc_collision(value)


def _nfc_collision(value: Any) -> bool:
    if isinstance(value, dict):
        keys = [fakelog.unicodedata.normalize("NFC", k) for k in value]
        return len(set(keys)) < len(keys) or any(_nfc_collision(v) for v in value.values())
    if isinstance(value, list):
        return any(_nfc_collision(v) for v in value)
    return False


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (
            {"b": 1, "a": [1.0, 2.5, -0.0, 1e-05, 1e16, 0.0001]},
            '{"a":[1,2.5,0,1e-05,10000000000000000,0.0001],"b":1}',
        ),
        ({"é": "e\u0301", "\u00e9x": 1}, '{"é":"é","éx":1}'),
        (
            {"t": 'a"\\\n\r\t\b\f\u0001\u001f\u007f\u2028'},
            '{"t":"a\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u001f\u007f\u2028"}',
        ),
        ({"\U0001f600": 1, "\uffff": 2}, '{"\uffff":2,"\U0001f600":1}'),
        (
            {"x": 1.5e-7, "y": 123456.789, "z": 1e22},
            '{"x":1.5e-07,"y":123456.789,"z":10000000000000000000000}',
        ),
    ],
)
def test_canonical_json_examples(value, text):
    assert verify_ledger.canonical_json(value) == text.encode()
    assert fakelog.canon(value) == text.encode()
