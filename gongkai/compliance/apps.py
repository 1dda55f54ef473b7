from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "gongkai.compliance"
    verbose_name = _("Compliance")

    def ready(self) -> None:
        from gongkai.compliance import rollups
        from gongkai.organizations.services import subtree_moved

        subtree_moved.connect(rollups.follow_move, dispatch_uid="compliance-follow-move")
