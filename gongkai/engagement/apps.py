from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "gongkai.engagement"
    verbose_name = _("Opinions and the echo wall")
