"""The site's settings for the server `gongkai bench` starts (the guard figure): exactly
gongkai.settings, except that static files are named without a manifest, so the throwaway
site needs no `collectstatic` (the figure measures the pages, never fetches static files)."""

from gongkai.settings import *  # noqa: F403
from gongkai.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
