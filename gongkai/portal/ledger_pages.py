"""The page 如何核验 (/ledger/how/): how the ledger is built, byte by byte, for someone who
wants to write a verifier of their own; and the reference verifier itself, served as
/ledger/verify_ledger.py.

The format is docs/ledger-format.md. The page shows the deployment's public keys
(`public_keys`) and a worked example from the live ledger (`live_example`), both supplied by
the ledger app; `example_from` turns one entry, as the API shows it, into the values and
commands the page walks through.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

#: The reference verifier, offered for download as it is in the repository.
VERIFIER = Path(settings.BASE_DIR) / "scripts" / "verify_ledger.py"

#: SHA-256 of the empty string: the root hash of an empty log (spec 4).
EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


def public_keys() -> list[dict[str, str]]:
    """The ledger's public keys: [{"name", "key_id", "vkey"}], as /api/v1/ledger/keys lists
    them.

    TODO(lead): return `gongkai.ledger.signing.public_keys()` here once the signing module
    is merged (import it at the top of this module; no function-local imports).
    """
    return []


def live_example() -> dict[str, Any] | None:
    """A worked example from the live ledger, or None while no log has an entry.

    TODO(lead): pick one entry (say the latest visible `publish` entry of the first log,
    else any entry) and return `example_from(log, entry, inclusion)`, where `log` is that
    log as /api/v1/ledger/logs lists it, `entry` as /entries shows it to an anonymous reader
    and `inclusion` its audit path to the log's latest head (or None).
    """
    return None


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    if isinstance(value, dict):
        return {unicodedata.normalize("NFC", k): _nfc(v) for k, v in value.items()}
    return value


def canonical_text(document: Any) -> str:
    """Spec 2.1, as the page states it: NFC, integral numbers as integers, then
    json.dumps with sorted keys, no spaces and non-ASCII as itself."""
    return json.dumps(_nfc(document), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _printf(text: str) -> str:
    r"""`text` as a printf format: newlines as \n (codes, times and hex need no quoting)."""
    return text.replace("\n", "\\n")


def example_from(
    log: Mapping[str, Any], entry: Mapping[str, Any], inclusion: list[str] | None = None
) -> dict[str, Any]:
    """The page's worked example for one entry: the bytes hashed at each step, the hashes
    recomputed here, and shell commands a reader can paste to recompute them."""
    code = log["log"]
    visible = bool(entry.get("visible"))
    document_json = canonical_text(entry["document"]) if visible else None
    published = (
        hashlib.sha256(document_json.encode()).hexdigest()
        if document_json is not None
        else entry.get("published_hash")
    )
    sealed = entry.get("sealed_hash")
    commitment_text = (
        f"gongkai-commitment-v1\n{published}\n{sealed}\n" if visible and sealed else None
    )
    commitment = (
        hashlib.sha256(commitment_text.encode()).hexdigest()
        if commitment_text
        else entry["commitment"]
    )
    leaf_text = (
        f"gongkai-leaf-v1\n{code}\n{entry['index']}\n{entry['at']}\n"
        f"{entry['organization']}\n{commitment}\n"
    )
    leaf_hash = hashlib.sha256(b"\x00" + leaf_text.encode()).hexdigest()
    api = f"/api/v1/ledger/logs/{code}"
    return {
        "log": code,
        "origin": log["origin"],
        "size": log["size"],
        "root_hash": log["root_hash"],
        "checkpoint": log["checkpoint"],
        "index": entry["index"],
        "kind": entry.get("kind", ""),
        "visible": visible,
        "document_json": document_json,
        "published_hash": published,
        "sealed_hash": sealed,
        "commitment_text": commitment_text,
        "commitment": commitment,
        "commitment_matches": commitment == entry["commitment"],
        "leaf_text": leaf_text,
        "leaf_hash": leaf_hash,
        "leaf_hash_matches": leaf_hash == entry["leaf_hash"],
        "inclusion": inclusion,
        "commitment_command": (
            f"printf '{_printf(commitment_text)}' | sha256sum" if commitment_text else None
        ),
        "leaf_command": f"printf '\\000{_printf(leaf_text)}' | sha256sum",
        "entry_url": f"{api}/entries?start={entry['index']}&limit=1",
        "checkpoint_url": f"{api}/checkpoint",
        "inclusion_url": f"{api}/proof/inclusion?index={entry['index']}&size={log['size']}",
    }


@require_safe
@never_cache
def how(request: HttpRequest) -> HttpResponse:
    """如何核验: the format, the keys, the API, the verifier, and an example."""
    return render(
        request,
        "portal/ledger_how.html",
        {
            "keys": public_keys(),
            "example": live_example(),
            "empty_root": EMPTY_ROOT,
            "site": f"{request.scheme}://{request.get_host()}",
        },
    )


@require_safe
def verifier_script(request: HttpRequest) -> HttpResponse:
    """scripts/verify_ledger.py, byte for byte, shown as text rather than run."""
    try:
        data = VERIFIER.read_bytes()
    except FileNotFoundError as error:  # an installation without the scripts directory
        raise Http404 from error
    response = HttpResponse(data, content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="verify_ledger.py"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
