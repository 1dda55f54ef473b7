"""Pages and the admin carry the product's Chinese name (党务公开平台), never the code name,
and the admin speaks Chinese down to the names of models and fields."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.utils import translation

from gongkai.conftest import People, client_for

CJK = re.compile(r"[\u4e00-\u9fff]")
# Names that stay as they are in Chinese too.
KEEP = {"ID", "id", "JSON"}


def title_of(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    assert found
    return found.group(1).strip()


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/o/QS/", "/no-such-page/"])
def test_public_pages_carry_the_product_name_in_title_and_footer(people: People, url: str) -> None:
    html = Client().get(url).content.decode()
    assert title_of(html).endswith("党务公开平台")
    assert '<footer class="site-footer">党务公开平台</footer>' in html
    assert "gongkai" not in title_of(html)


@pytest.mark.parametrize("url", ["/console/", "/console/todo/", "/me/"])
def test_signed_in_pages_carry_the_product_name(people: People, url: str) -> None:
    html = client_for(people.office).get(url).content.decode()
    assert title_of(html).endswith(" · 党务公开平台")


def test_the_admin_names_the_product_in_chinese(people: People) -> None:
    html = client_for(people.admin).get("/admin/").content.decode()
    assert "党务公开平台" in title_of(html) and "gongkai" not in html.lower().replace(
        "/static/", ""
    ).replace("gongkai-", "")
    assert "系统管理" in html


def test_every_model_and_field_in_the_admin_has_a_chinese_name() -> None:
    untranslated = []
    with translation.override("zh-hans"):
        for model in admin.site._registry:
            meta = model._meta
            names = [
                ("app", str(apps.get_app_config(meta.app_label).verbose_name)),
                ("model", str(meta.verbose_name)),
                ("models", str(meta.verbose_name_plural)),
            ]
            names += [
                (field.name, str(field.verbose_name))
                for field in meta.get_fields()
                if hasattr(field, "verbose_name") and not field.auto_created
            ]
            untranslated += [
                f"{meta.label}.{where}: {name}"
                for where, name in names
                if name not in KEEP and not CJK.search(name)
            ]
    assert untranslated == []
