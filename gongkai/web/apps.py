from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# settings.py lies outside every app, so `makemessages` (run per app) never sees its strings.
# They are marked here as well, so the web catalog carries their Chinese translation; at run
# time the lazy strings in settings.py find it there.
SETTINGS_STRINGS = (gettext_noop("Party-affairs disclosure"),)


class WebConfig(AppConfig):
    """The pieces every page shares: the base template, messages, error pages, the health
    check, the refusal sentence, the site context and the shared static files. No models."""

    name = "gongkai.web"
    verbose_name = _("Shared web pages")

    def ready(self) -> None:
        # The admin carries the product's name, not the code name; lazy, so it reads in the
        # request's language.
        from django.contrib import admin

        admin.site.site_header = _("Party-affairs disclosure platform: administration")
        admin.site.site_title = _("Party-affairs disclosure platform")
        admin.site.index_title = _("System administration")
