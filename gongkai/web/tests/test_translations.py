"""Strings defined outside templates (settings, app config) still reach the reader in Chinese."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.utils import translation


def test_the_site_name_from_settings_reads_in_chinese() -> None:
    # settings.py lies outside every app's makemessages run; web/apps.py marks its strings.
    with translation.override("zh-hans"):
        assert str(settings.GONGKAI_SITE_NAME) == "党务公开"


def test_the_app_names_read_in_chinese() -> None:
    with translation.override("zh-hans"):
        assert str(apps.get_app_config("web").verbose_name) == "共享页面"
        assert str(apps.get_app_config("accounts").verbose_name) == "人员"
