"""`gongkai check --deploy`: the ledger can sign (its key file is set and usable)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from gongkai.ledger import signing


@register(Tags.security, deploy=True)
def signing_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        signing.signer()
    except ImproperlyConfigured as exc:
        return [
            Error(
                str(exc),
                hint="gongkai ledger keygen /etc/gongkai/ledger-key.pem; "
                "GONGKAI_LEDGER_KEY_FILE=/etc/gongkai/ledger-key.pem",
                id="ledger.E001",
            )
        ]
    return []
