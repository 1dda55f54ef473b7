from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ValidationConfig(AppConfig):
    """The domain's input bounds. An app only so its Chinese messages have a catalog."""

    name = "gongkai.validation"
    verbose_name = _("Input bounds")
