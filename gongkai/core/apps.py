from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# settings.py lies outside every app, so `makemessages` (run per app) never sees its strings.
# They are marked here as well, so the core catalog carries their Chinese translation; at run
# time the lazy strings in settings.py find it there.
SETTINGS_STRINGS = (gettext_noop("Party-affairs disclosure"),)


class CoreConfig(AppConfig):
    name = "gongkai.core"
    verbose_name = _("Core")
