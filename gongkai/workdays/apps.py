from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    name = "gongkai.workdays"
    verbose_name = _("Working-day calendar")

    def ready(self) -> None:
        # Connects the receivers that drop cached snapshots when the table changes.
        from gongkai.workdays import services  # noqa: F401
