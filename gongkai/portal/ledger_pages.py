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
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from gongkai.ledger import log as ledger
from gongkai.ledger import signing
from gongkai.ledger.models import Log
from gongkai.web.caching import public_page

#: The reference verifier, offered for download as it is in the repository.
VERIFIER = Path(settings.BASE_DIR) / "scripts" / "verify_ledger.py"

#: SHA-256 of the empty string: the root hash of an empty log (spec 4).
EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


def public_keys() -> list[dict[str, Any]]:
    """The ledger's public keys, as /api/v1/ledger/keys lists them."""
    return signing.public_keys()


def live_example() -> dict[str, Any] | None:
    """A worked example from the live ledger: the latest entry of the first log that an
    anonymous reader may read (a publication if there is one), else None."""
    log = Log.objects.select_related("root").filter(size__gt=0).order_by("pk").first()
    if log is None:
        return None
    head = ledger.latest_head(log)
    if head is None:
        return None
    anonymous = AnonymousUser()
    recent = ledger.entries_view(log, anonymous, start=max(0, head.size - 200), limit=200)
    readable = [e for e in recent if e["visible"] and e["index"] < head.size]
    chosen = next((e for e in reversed(readable) if e.get("kind") == "publish"), None)
    chosen = chosen or (readable[-1] if readable else None)
    if chosen is None:
        return None
    listed = {
        "log": log.name,
        "origin": ledger.origin_of(log),
        "size": head.size,
        "root_hash": head.root_hash,
        "checkpoint": head.checkpoint,
    }
    path = ledger.hex_path(ledger.inclusion(log, chosen["index"], head.size))
    return example_from(listed, chosen, path)


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
@public_page
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
@public_page
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
