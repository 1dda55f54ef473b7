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


def test_chinese_translations_use_full_width_punctuation() -> None:
    """A comma, semicolon, colon, question or exclamation mark or bracket next to a Chinese
    character is half-width by mistake; code samples inside a message (a header, a date
    format) keep theirs."""
    import json
    import re
    import subprocess
    from pathlib import Path

    half_width = re.compile(r"[\u4e00-\u9fff][,;:?!()]|[,;:?!()][\u4e00-\u9fff]")
    code = re.compile(r"“[^”]*”|%\(\w+\)[-0-9.]*[sdfr]|\d{4}-\d\d-\d\dT[\d:+]+")
    wrong = []
    for po in sorted(Path(__file__).parents[2].glob("*/locale/zh_Hans/LC_MESSAGES/django.po")):
        flat = subprocess.run(
            ["msgcat", "--no-wrap", str(po)], capture_output=True, text=True, check=True
        ).stdout
        for line in flat.splitlines():
            if line.startswith("msgstr "):
                text = code.sub("", json.loads(line[7:]))
                if half_width.search(text):
                    wrong.append(f"{po.parts[-5]}: {text}")
    assert wrong == []
