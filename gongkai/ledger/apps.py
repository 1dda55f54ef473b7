from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "gongkai.ledger"
    verbose_name = _("Ledger")

    def ready(self) -> None:
        from gongkai.ledger import checks  # noqa: F401  (registers the deploy check)
