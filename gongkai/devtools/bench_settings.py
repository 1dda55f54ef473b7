"""The site's settings for the servers `gongkai bench` starts (the guard and portal figures):
exactly gongkai.settings, except that static files are named without a manifest, so the
throwaway site needs no `collectstatic` (the figures measure the pages, never fetch static
files), and the URLconf adds the portal figure's bare view (gongkai.devtools.bench_urls)."""

from gongkai.settings import *  # noqa: F403
from gongkai.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The site's routes plus the portal bench's bare view (gongkai.devtools.bench_urls).
ROOT_URLCONF = "gongkai.devtools.bench_urls"
