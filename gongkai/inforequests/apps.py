from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InforequestsConfig(AppConfig):
    name = "gongkai.inforequests"
    verbose_name = _("Information requests")
