from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "gongkai.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The deploy check: the task queue's Redis in production.
        from gongkai.notifications import checks  # noqa: F401
