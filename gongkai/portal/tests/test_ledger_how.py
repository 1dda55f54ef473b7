"""如何核验 (/ledger/how/): anyone can read how the ledger is built, byte by byte, download the
reference verifier exactly as it is, and follow a worked example whose shell commands
recompute the hashes shown."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from gongkai.ledger import signing
from gongkai.ledger.tests import fakelog
from gongkai.portal import ledger_pages

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "verify_ledger.py"

pytestmark = pytest.mark.django_db


def page(**context: object) -> str:
    request = RequestFactory().get("/ledger/how/")
    request.user = AnonymousUser()
    defaults: dict[str, object] = {
        "keys": [],
        "example": None,
        "empty_root": ledger_pages.EMPTY_ROOT,
        "site": "https://gongkai.example.cn",
    }
    return html.unescape(
        render_to_string("portal/ledger_how.html", {**defaults, **context}, request=request)
    )


def test_anyone_reads_how_the_ledger_is_built(client: Client):
    response = client.get(reverse("portal:ledger_how"))

    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert "<h1>如何核验台账</h1>" in text
    for literal in [
        # the leaf, the commitment, the empty tree, the checkpoint and the verifier key
        "gongkai-leaf-v1\n<log>\n<index>\n<at>\n<organization>\n<commitment>",
        "gongkai-commitment-v1\n<published_hash>\n<sealed_hash>",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "<origin>\n<tree size>\n<base64 root hash>\ntime <at>\n\n— <key name> <base64(key id ‖ signature)>",
        "<name>+<hex key id>+<base64(0x01 ‖ public key)>",
        "SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n]))",
        'json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))',
        "GET /api/v1/ledger/logs/{log}/proof/consistency?first=<m>&second=<n>",
        "GET /api/v1/disclosures/{id}/proof",
        "python3 verify_ledger.py http://testserver --key",
    ]:
        assert literal in text, literal
    # The deployment's key is published; no entry yet is said plainly.
    assert signing.public_keys()[0]["vkey"] in text
    assert "台账还没有记录" in text
    # The content security policy allows no inline script or style.
    assert "<script>" not in text and "style=" not in text and "<style" not in text


def test_the_verifier_downloads_byte_for_byte(client: Client):
    html_text = client.get(reverse("portal:ledger_how")).content.decode()
    url = reverse("portal:ledger_verifier")
    assert url == "/ledger/verify_ledger.py"
    assert f'href="{url}" download' in html_text

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/x-python; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == SCRIPT.read_bytes()


def test_only_reading_is_allowed(client: Client):
    assert client.post(reverse("portal:ledger_how")).status_code == 405
    assert client.post(reverse("portal:ledger_verifier")).status_code == 405


def test_the_keys_are_shown_with_their_verifier_key_form():
    text = page(keys=[{k: v for k, v in fakelog.KEY.api().items() if k != "public_key"}])

    assert fakelog.KEY.vkey in text
    assert fakelog.KEY.key_id.hex() in text
    assert "尚未公布签名密钥。" not in text


def _example(entry_index: int) -> dict:
    fake = fakelog.build()
    log = fake.logs["QS"]
    entry = log.entries[entry_index]
    inclusion = [p.hex() for p in fakelog.inclusion(entry_index, log.leaves)]
    return ledger_pages.example_from(log.listing(), entry, inclusion)


def test_a_worked_example_recomputes_the_entry():
    # QS#1 is served with its document in another JSON spelling (NFD text, 30.0 for 30).
    example = _example(1)

    assert example["commitment_matches"] and example["leaf_hash_matches"]
    text = page(example=example)
    assert example["document_json"] in text
    assert '"名称":"Café"' in example["document_json"]  # NFC
    assert '"户数":30,' in example["document_json"]
    assert example["leaf_text"] in text
    assert example["checkpoint"] in text
    assert text.count("与记录一致") == 2
    assert "/api/v1/ledger/logs/QS/proof/inclusion?index=1&size=6" in text


def test_an_opaque_entry_is_explained_from_its_four_values():
    example = _example(2)

    assert example["document_json"] is None and example["commitment_text"] is None
    assert example["leaf_hash_matches"]
    text = page(example=example)
    assert "这条记录对您不透明" in text


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils' sha256sum")
@pytest.mark.parametrize("index", [1, 2, 3])
def test_the_shell_commands_shown_give_the_hashes_shown(index):
    example = _example(index)

    def sh(command: str) -> str:
        out = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True)
        return out.stdout.split()[0]

    assert sh(example["leaf_command"]) == example["leaf_hash"]
    if example["commitment_command"]:
        assert sh(example["commitment_command"]) == example["commitment"]


# --- the check on a disclosure page (portal/_ledger_check.html, ledger-check.js) -------------

JS = Path(__file__).resolve().parents[1] / "static" / "portal" / "ledger-check.js"


class _Disclosure:
    pk = 42


def test_the_check_snippet_gives_the_script_every_word_it_shows():
    text = html.unescape(
        render_to_string(
            "portal/_ledger_check.html", {"d": _Disclosure(), "title": "东岭村“两委”公开"}
        )
    )
    source = JS.read_text()
    keys = set(re.findall(r'say\(section, "([a-z-]+)"', source))
    keys |= set(re.findall(r'new Problem\("([a-z-]+)"', source))
    keys |= {"ok", "ok-unsigned", "malformed"}  # chosen with conditional expressions
    assert keys >= {"checking", "ok", "failed", "entry-ok", "entry", "inclusion", "signature"}
    for key in keys:
        assert f'data-msg-{key}="' in text, key
    for kind in ("publish", "correct", "withdraw", "opaque"):
        assert f'data-kind-{kind}="' in text
    assert 'data-proof-url="/api/v1/disclosures/42/proof"' in text
    assert 'data-keys-url="/api/v1/ledger/keys"' in text
    assert 'data-disclosure="42"' in text and 'data-title="东岭村“两委”公开"' in text
    # In Chinese, with the placeholders the script fills in.
    assert 'data-msg-ok="核验通过：本事项的 {count} 条台账记录都在台账 {log} 中' in text
    assert 'aria-live="polite"' in text and '<button type="button">立即核验</button>' in text
    # Loaded as a file (the CSP forbids inline script).
    assert re.search(r'<script src="[^"]*portal/ledger-check\.js" defer></script>', text)
    assert "<script>" not in text


def test_a_title_with_quotes_stays_inside_its_attribute():
    raw = render_to_string("portal/_ledger_check.html", {"d": _Disclosure(), "title": "a\" b='c"})
    assert 'data-title="a&quot; b=&#x27;c"' in raw
