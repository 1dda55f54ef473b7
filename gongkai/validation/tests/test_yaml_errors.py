"""A YAML syntax error reads in Chinese, with its line and column, wherever YAML is typed or
uploaded."""

from __future__ import annotations

import re

import pytest
import yaml
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.catalog.exchange import parse_yaml
from gongkai.validation import yaml_problem_text

BROKEN = [
    ("title: a\n  bad: b: c\n", "第 2 行"),
    ("categories:\n\t- key: x\n", "Tab"),
    ("title: [a, b\n", "[ ]"),
    ('title: "open\n', "引号"),
    ("a: *missing\n", "锚点"),
    ("- a\nb: c\n", "第 2 行"),
    ("key: !!python/object:os.system x\n", "第 1 行"),
]
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def _error(text: str) -> yaml.YAMLError:
    try:
        yaml.safe_load(text)
    except yaml.YAMLError as error:
        return error
    raise AssertionError("parsed")


@pytest.mark.parametrize(("text", "expected"), BROKEN)
def test_a_yaml_error_says_where_and_what_in_chinese(text: str, expected: str) -> None:
    with translation.override("zh-hans"):
        message = yaml_problem_text(_error(text))
    assert expected in message
    assert not LATIN_WORD.search(message.replace("YAML", "").replace("Tab", ""))


def test_a_catalog_upload_reports_the_error_in_chinese() -> None:
    with translation.override("zh-hans"):
        parsed = parse_yaml("title: 目录\ncategories:\n  - key: a\n   name: b\n")
    assert len(parsed.errors) == 1
    assert parsed.errors[0].startswith("YAML 第 4 行")
    assert not LATIN_WORD.search(parsed.errors[0].replace("YAML", ""))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab: -[]{}\"'\t\n!&*#|>%@`,?", max_size=40))
def test_any_yaml_error_is_told_in_chinese(text: str) -> None:
    try:
        yaml.safe_load(text)
    except yaml.YAMLError as error:
        with translation.override("zh-hans"):
            message = yaml_problem_text(error)
        assert not LATIN_WORD.search(message.replace("YAML", "").replace("Tab", ""))
