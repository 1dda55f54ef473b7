"""portal/static/portal/ledger-check.js computes what the Python verifier computes: the same
canonical JSON for awkward values (NFC, code-point key order, control characters, Python's
float spelling), and it accepts an honest disclosure proof and names what is wrong in a
tampered one. Runs the file in Node's WebCrypto (skipped where there is no Node); the page
itself, in Chromium, is the browser tests' job."""

from __future__ import annotations

import base64
import copy
import importlib.util
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gongkai.ledger.tests import fakelog

ROOT = Path(__file__).resolve().parents[3]
SCRIPT_JS = ROOT / "gongkai" / "portal" / "static" / "portal" / "ledger-check.js"

_spec = importlib.util.spec_from_file_location(
    "verify_ledger", ROOT / "scripts" / "verify_ledger.py"
)
assert _spec is not None and _spec.loader is not None
verify_ledger = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("verify_ledger", verify_ledger)
_spec.loader.exec_module(verify_ledger)

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="needs Node for WebCrypto")

HARNESS = r"""
const fs = require("fs"), vm = require("vm");
vm.runInThisContext(fs.readFileSync(process.argv[1], "utf8"));
const L = globalThis.gongkaiLedgerCheck;
const input = L.parseJSON(fs.readFileSync(0, "utf8"));
(async () => {
  const out = { canonical: [], proofs: [], sourceAccess: L.sourceAccess };
  for (const v of input.values) {
    try { out.canonical.push(L.canonical(v)); } catch (e) { out.canonical.push({ error: e.constructor.name }); }
  }
  for (const p of input.proofs) {
    try {
      const checkpoint = await L.checkProof(p.proof, p.expect || {});
      out.proofs.push(await L.verifySignature(checkpoint, p.keys));
    } catch (e) {
      out.proofs.push(e instanceof L.Problem ? e.key + (e.values.index !== undefined ? "#" + e.values.index : "") : "error: " + e);
    }
  }
  process.stdout.write(JSON.stringify(out));
})();
"""


#: Node 20's V8 shows JSON.parse revivers a number's source text only behind a flag; newer
#: browsers do by default (ES2025). Both kinds of browser are tried.
SOURCE_TEXT = ["--harmony-json-parse-with-source"]
BROWSERS = pytest.mark.parametrize("flags", [[], SOURCE_TEXT], ids=["plain", "source-text"])


def node(values: list[Any], proofs: list[dict[str, Any]], flags: list[str] = []) -> dict[str, Any]:  # noqa: B006
    result = subprocess.run(
        ["node", *flags, "-e", HARNESS, str(SCRIPT_JS)],
        input=json.dumps({"values": values, "proofs": proofs}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


# --- canonical JSON ---------------------------------------------------------------------------

EDGE_VALUES: list[Any] = [
    {"b": 1, "a": [1.0, 2.5, -0.0, 1e-05, 1e16, 0.0001, 123456.789, 1.5e300, -2.5e-05]},
    {"é": "e\u0301", "\u00e9x": 1, "Å": "A\u030a"},
    {"t": 'a"\\\n\r\t\b\f\u0001\u001f\u007f\u2028\u2029'},
    {"\U0001f600": 1, "\uffff": 2, "\ue000": 3, "z": 4, "Z": 5, "": 6},
    {"x": 1.5e-7, "y": 0.1 + 0.2, "z": 1e22, "w": 5e-324, "v": 1.7976931348623157e308},
    [True, False, None, [], {}, "", 0, -1, 9007199254740991],
    {"数据": {"金额": 12.5, "户数": 30.0, "名单": [["张三", "男"], ["李四", "女"]]}},
]


def random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8 if depth < 3 else 5)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.randint(-(2**53) + 1, 2**53 - 1)
    if kind == 2:
        exponent = rng.randint(-30, 30)
        return rng.choice([-1, 1]) * rng.random() * 10.0**exponent
    if kind in (3, 4):
        alphabet = 'aZ0 "\\\n\t\u0001\u007fé\u0301\u00e9中文\U0001f600\uffff\ue000\u2028'
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(6)))
    if kind == 5:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = ["a", "B", "é", "e\u0301x", "中", "\U0001f600", "\uffff", "x y"]
    return {rng.choice(keys): random_value(rng, depth + 1) for _ in range(rng.randrange(4))}


@BROWSERS
def test_canonical_json_is_the_python_verifiers(flags):
    rng = random.Random(20260301)
    values = EDGE_VALUES + [random_value(rng) for _ in range(400)]
    expected = []
    for value in values:
        try:
            expected.append(verify_ledger.canonical_json(value).decode())
        except ValueError:
            expected.append(None)

    got = node(values, [], flags)["canonical"]

    for value, want, have in zip(values, expected, got, strict=True):
        if want is not None and not (_big(value) and have == {"error": "Unsupported"}):
            assert have == want, value


def _big(value: Any) -> bool:
    """Whether `value` holds an integral number beyond 2**53 (see below)."""
    if isinstance(value, dict):
        return any(_big(v) for v in value.values())
    if isinstance(value, list):
        return any(_big(v) for v in value)
    return isinstance(value, int | float) and value == int(value) and abs(value) > 2**53


@BROWSERS
def test_integers_beyond_two_to_the_53_are_exact_or_not_checked(flags):
    # 2**53 + 1 arrives as 2**53 in a JSON.parse that hides the source text: such a browser
    # says "cannot check", never "wrong"; one that shows it keeps the integer exactly.
    values = [{"n": 2**53 + 1}, {"n": -(10**30)}, {"x": 1.5e300}]
    out = node(values, [], flags)
    assert out["sourceAccess"] is (flags == SOURCE_TEXT)
    if out["sourceAccess"]:
        assert out["canonical"] == [verify_ledger.canonical_json(v).decode() for v in values]
    else:
        assert out["canonical"] == [{"error": "Unsupported"}] * 3


# --- one disclosure's proof ---------------------------------------------------------------------


def keys() -> list[dict[str, str]]:
    return [fakelog.KEY.api()]


def honest(pk: int = 1) -> dict[str, Any]:
    return {"proof": fakelog.build().proof(pk), "keys": keys(), "expect": {"disclosure": str(pk)}}


def tampered(change) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    case = honest()
    change(case)
    return case


def _flip_signature(case: dict[str, Any]) -> None:
    body, line = case["proof"]["checkpoint"].rsplit("\n\n", 1)
    name, blob = line.rstrip("\n").rsplit(" ", 1)
    raw = bytearray(base64.b64decode(blob))
    raw[20] ^= 1
    case["proof"]["checkpoint"] = f"{body}\n\n{name} {base64.b64encode(bytes(raw)).decode()}\n"


def test_an_honest_proof_verifies_and_each_tampering_is_named():
    d1 = honest(1)
    assert [e["index"] for e in d1["proof"]["entries"]] == [1, 3]
    cases = {
        "honest d1 (NFD and 30.0 in what is served)": (d1, "signed"),
        "honest d3 (published, then withdrawn)": (honest(3), "signed"),
        "an entry opaque to the reader": (
            tampered(lambda c: _opaque(c["proof"]["entries"][0])),
            "signed",
        ),
        "an opaque entry with another commitment": (
            tampered(lambda c: _opaque(c["proof"]["entries"][0], commitment="0" * 64)),
            "entry#1",
        ),
        "a changed document": (
            tampered(lambda c: c["proof"]["entries"][1]["document"].update(title="改")),
            "entry#3",
        ),
        "a changed time": (
            tampered(lambda c: c["proof"]["entries"][0].update(at=fakelog.when(42))),
            "entry#1",
        ),
        "an entry of another disclosure": (
            tampered(lambda c: c["expect"].update(disclosure="2")),
            "entry#1",
        ),
        "a wrong inclusion path": (
            tampered(lambda c: c["proof"]["entries"][1]["inclusion"].reverse()),
            "inclusion#3",
        ),
        "an entry claimed at another index": (
            tampered(lambda c: _move(c["proof"]["entries"][0], 2)),
            "inclusion#2",
        ),
        "a head of another size": (tampered(lambda c: c["proof"].update(size=5)), "checkpoint"),
        "a bad signature": (tampered(_flip_signature), "signature"),
        "a key nobody published": (
            tampered(lambda c: c.update(keys=[fakelog.OTHER_KEY.api()])),
            "unknown-key",
        ),
        "a key listed with a wrong id": (
            tampered(lambda c: c["keys"][0].update(key_id="00000000")),
            "unknown-key",
        ),
        "a title on the page that is not the recorded one": (
            tampered(lambda c: c["expect"].update(title="别的标题")),
            "title#3",
        ),
        "the recorded title, spelled in NFD on the page": (
            tampered(lambda c: c["expect"].update(title="东岭村2025年第一季度村务公开")),
            "signed",
        ),
    }

    got = node([], [case for case, _ in cases.values()])["proofs"]

    assert dict(zip(cases, got, strict=True)) == {name: want for name, (_, want) in cases.items()}


def _opaque(entry: dict[str, Any], **change: str) -> None:
    """Show the entry as an opaque one (its four values), perhaps with a value changed."""
    for key in ("kind", "document", "published_hash", "sealed_hash"):
        del entry[key]
    entry.update(visible=False, **change)


def _move(entry: dict[str, Any], index: int) -> None:
    """Claim the entry sits at `index`, with a leaf hash recomputed to match."""
    entry["index"] = index
    leaf = (
        f"gongkai-leaf-v1\nQS\n{index}\n{entry['at']}\n{entry['organization']}\n"
        f"{entry['commitment']}\n"
    )
    entry["leaf_hash"] = fakelog.hexh(b"\x00" + leaf.encode())


def test_the_proof_is_the_one_the_spec_describes():
    proof = copy.deepcopy(fakelog.build().proof(1))
    assert set(proof) == {"log", "checkpoint", "size", "root_hash", "entries"}
    assert set(proof["entries"][0]) >= {
        "index",
        "at",
        "organization",
        "commitment",
        "leaf_hash",
        "visible",
        "document",
        "published_hash",
        "sealed_hash",
        "inclusion",
    }


# --- the button on the page ---------------------------------------------------------------------

#: Just enough of a page for the script's own wiring: one section, its button and result,
#: and `fetch` answering from the fake deployment. (The real page in Chromium is the
#: browser tests' job.)
PAGE_HARNESS = r"""
const fs = require("fs"), vm = require("vm");
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const element = (tag) => ({ tag, className: "", text: "", children: [],
  get textContent() { return this.text; },
  set textContent(value) { this.text = value; this.children = []; },  // as in the DOM
  appendChild(child) { this.children.push(child); } });
const button = { disabled: false, addEventListener(type, handler) { this.click = handler; } };
const result = element("div");
const section = { dataset: input.dataset,
  querySelector: (selector) => (selector === "button" ? button : result) };
globalThis.document = { querySelectorAll: () => [section], createElement: element };
globalThis.fetch = async (url) => input.answers[url] === undefined
  ? { ok: false, status: 404 }
  : { ok: true, text: async () => input.answers[url] };
vm.runInThisContext(fs.readFileSync(process.argv[1], "utf8"));
(async () => {
  button.click();
  for (let i = 0; i < 200 && (button.disabled || !result.children.length); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const text = (e) => [e.textContent, ...e.children.map(text)].filter(Boolean).join("\n");
  process.stdout.write(JSON.stringify({ state: result.children[0].className, text: text(result) }));
})();
"""

DATASET = {
    "proofUrl": "/api/v1/disclosures/1/proof",
    "keysUrl": "/api/v1/ledger/keys",
    "disclosure": "1",
    "msgChecking": "正在核验……",
    "msgOk": "核验通过：{count} 条，台账 {log}，树头 {size}",
    "msgOkUnsigned": "无法验证签名：{count} 条",
    "msgFailed": "核验未通过：{problem}",
    "msgEntryOk": "第 {index} 条（{kind}）",
    "msgEntry": "第 {index} 条记录与其哈希不符。",
    "msgNetwork": "无法获取台账数据。",
    "msgMalformed": "格式不符。",
    "kindPublish": "公开",
    "kindCorrect": "更正",
}


def press(answers: dict[str, str]) -> dict[str, str]:
    out = subprocess.run(
        ["node", "-e", PAGE_HARNESS, str(SCRIPT_JS)],
        input=json.dumps({"dataset": DATASET, "answers": answers}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout)


def answers(fake: fakelog.Fake) -> dict[str, str]:
    return {
        "/api/v1/disclosures/1/proof": json.dumps(fake.proof(1), ensure_ascii=False),
        "/api/v1/ledger/keys": json.dumps(fake.keys),
    }


def test_pressing_the_button_writes_the_result_in_the_words_given():
    fake = fakelog.build()

    assert press(answers(fake)) == {
        "state": "ok",
        "text": "核验通过：2 条，台账 QS，树头 6\n第 1 条（公开）\n第 3 条（更正）",
    }

    fake.logs["QS"].entries[3]["document"]["body"] = "<p>改</p>"
    assert press(answers(fake)) == {"state": "bad", "text": "核验未通过：第 3 条记录与其哈希不符。"}

    assert press({}) == {"state": "bad", "text": "核验未通过：无法获取台账数据。"}
    broken = {**answers(fake), "/api/v1/disclosures/1/proof": '{"log": "QS"}'}
    assert press(broken) == {"state": "bad", "text": "核验未通过：格式不符。"}
