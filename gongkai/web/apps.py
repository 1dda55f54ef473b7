from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# settings.py lies outside every app, so `makemessages` (run per app) never sees its strings.
# They are marked here as well, so the web catalog carries their Chinese translation; at run
# time the lazy strings in settings.py find it there.
SETTINGS_STRINGS = (gettext_noop("Party-affairs disclosure"),)

# Strings of Django's admin and of django-axes that their own catalogs do not translate into
# Simplified Chinese (Django 5.2's newer admin strings; axes ships no zh_Hans). Marked here so
# this catalog carries them: gettext looks a msgid up in every app's catalog.
LIBRARY_STRINGS = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
)


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
        # django-axes names its app "Axes" (no verbose_name to translate); the admin reads
        # the app config's name at render time.
        apps.get_app_config("axes").verbose_name = _("Sign-in lockouts")
