from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "gongkai.catalog"
    verbose_name = _("Disclosure catalog")

    def ready(self) -> None:
        from gongkai.catalog.effective import forget_resolved
        from gongkai.organizations.services import subtree_moved

        subtree_moved.connect(forget_resolved, dispatch_uid="catalog-forget-resolved")
