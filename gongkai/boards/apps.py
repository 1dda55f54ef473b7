from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BoardsConfig(AppConfig):
    name = "gongkai.boards"
    verbose_name = _("Disclosure boards")
