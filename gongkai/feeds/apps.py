from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedsConfig(AppConfig):
    """RSS and Atom feeds, the sitemap and robots.txt: what readers' programs and search
    engines follow. Public only, through the one visibility rule. No models."""

    name = "gongkai.feeds"
    verbose_name = _("Feeds and sitemap")
