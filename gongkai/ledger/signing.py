"""The log's signing key: an Ed25519 private key in a file outside the database.

Someone who can rewrite the database cannot sign a head for the rewritten log; heads saved
by readers, printed on boards and witnessed up the tree then no longer match it.
"""

from __future__ import annotations

import base64
import contextlib
import functools
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from gongkai.ledger import notes

NO_KEY = _(
    "The ledger has no signing key: set GONGKAI_LEDGER_KEY_FILE to an Ed25519 private key "
    "file (make one with “gongkai ledger keygen PATH”)."
)
BAD_KEY = _("The ledger's signing key file %(path)s cannot be used: %(problem)s")


def key_path() -> Path | None:
    configured = str(getattr(settings, "GONGKAI_LEDGER_KEY_FILE", "") or "")
    return Path(configured) if configured else None


@functools.cache
def _signer(path: str, name: str, create: bool) -> notes.Signer:
    file = Path(path)
    if create and not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        # Another process may have made it first: then theirs is used.
        with contextlib.suppress(FileExistsError):
            notes.generate_key_file(file)
    try:
        return notes.load_signer(file, name)
    except notes.KeyFileError as exc:
        raise ImproperlyConfigured(str(BAD_KEY % {"path": file, "problem": exc})) from exc


def signer() -> notes.Signer:
    """The signer of this deployment (loaded once per process and path)."""
    path = key_path()
    if path is None:
        raise ImproperlyConfigured(str(NO_KEY))
    create = getattr(settings, "PROFILE", "development") != "production"
    return _signer(str(path), settings.GONGKAI_LEDGER_NAME, create)


def verifiers() -> list[notes.Verifier]:
    """Every key whose signatures are accepted: the current one and earlier ones."""
    current = signer()
    found = [notes.Verifier.from_vkey(current.vkey())]
    for vkey in getattr(settings, "GONGKAI_LEDGER_OLD_KEYS", ()) or ():
        found.append(notes.Verifier.from_vkey(vkey))
    return found


def public_keys() -> list[dict[str, Any]]:
    """What the API and the page 如何核验 publish about the keys."""
    current = signer()
    keys = [
        {
            "name": current.name,
            "key_id": current.key_id.hex(),
            "public_key": _b64(current.public_key),
            "vkey": current.vkey(),
            "current": True,
        }
    ]
    for vkey in getattr(settings, "GONGKAI_LEDGER_OLD_KEYS", ()) or ():
        old = notes.Verifier.from_vkey(vkey)
        keys.append(
            {
                "name": old.name,
                "key_id": old.key_id.hex(),
                "public_key": _b64(old.public_key),
                "vkey": vkey,
                "current": False,
            }
        )
    return keys


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
