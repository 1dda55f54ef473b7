"""YAML parse errors as a reader can act on them, in Chinese.

PyYAML explains a syntax error in English ("mapping values are not allowed here"). Every
place that parses YAML a person typed or uploaded (catalogs, structured forms, holiday
calendars) shows `yaml_error_text(error)` instead: where (line and column) and what is wrong,
in words a clerk knows, with a hint at the usual cause.
"""

from __future__ import annotations

import yaml
from django.utils.translation import gettext_lazy

AT = gettext_lazy("line %(line)d, column %(column)d: %(problem)s")

# PyYAML's problem sentences (fragments of them), in the order they are tried.
PROBLEMS = (
    (
        "mapping values are not allowed",
        gettext_lazy(
            "a “key: value” is not allowed here (is a space missing after a colon, or is the "
            "line indented wrongly?)"
        ),
    ),
    ("tab character", gettext_lazy("a tab is used for indentation; indent with spaces")),
    ("'\\t'", gettext_lazy("a tab is used for indentation; indent with spaces")),
    ("cannot start any token", gettext_lazy("a character that cannot start a value here")),
    ("could not find expected ':'", gettext_lazy("a colon “:” is missing after a key")),
    ("expected <block end>", gettext_lazy("the indentation does not line up")),
    ("did not find expected key", gettext_lazy("the indentation does not line up")),
    (
        "did not find expected '-' indicator",
        gettext_lazy(
            "the items of a list do not line up (each starts with “- ” at the same indentation)"
        ),
    ),
    ("expected ',' or ']'", gettext_lazy("a list in square brackets is not closed with “]”")),
    ("expected ',' or '}'", gettext_lazy("a mapping in braces is not closed with “}”")),
    ("end of stream", gettext_lazy("the text ends too early (is a quotation mark not closed?)")),
    ("quoted scalar", gettext_lazy("a quotation mark is not closed")),
    ("unknown escape character", gettext_lazy("an unknown escape (a backslash) in quotes")),
    ("undefined alias", gettext_lazy("a reference (*name) to an anchor that is not defined")),
    ("unhashable key", gettext_lazy("a key written as a list or mapping")),
    ("constructor for the tag", gettext_lazy("a tag (starting with “!”) that is not allowed")),
    ("single document", gettext_lazy("more than one document (“---”) in one file")),
    ("node content", gettext_lazy("a value is missing here")),
    ("found character", gettext_lazy("a character that is not allowed here")),
)
UNKNOWN = gettext_lazy("the text is not written in YAML form")


def yaml_error_text(error: yaml.YAMLError) -> str:
    """Where and what: 第 3 行第 7 列：此处不能出现“键: 值”……"""
    problem = str(getattr(error, "problem", "") or error)
    sentence = next((str(text) for fragment, text in PROBLEMS if fragment in problem), None)
    sentence = sentence or str(UNKNOWN)
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if mark is None:
        return sentence
    return str(AT) % {
        "line": mark.line + 1,
        "column": mark.column + 1,
        "problem": sentence,
    }
