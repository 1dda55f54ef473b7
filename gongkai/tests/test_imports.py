"""Modules import what they depend on at the top, so the dependencies are visible and an
import cycle fails at start-up instead of hiding inside a function until it runs."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: (file name, function) -> why an import inside it is right. Keyed by file name, not path,
#: so moving a module to another app keeps its entry.
ALLOWED = {
    # AppConfig.ready is where Django wants imports made for their side effects.
    ("apps.py", "ready"): "receivers and admin registration connect in ready()",
    # The console script sets DJANGO_SETTINGS_MODULE before Django is imported.
    ("__main__.py", "main"): "settings module must be set before importing Django",
    # WeasyPrint loads Pango and HarfBuzz through cffi (about 0.9 s and 40 MB): only the
    # processes that render a PDF (the task worker, a download) pay for it.
    ("documents.py", "pdf_document"): "WeasyPrint: loaded where a PDF is rendered",
    ("exports.py", "pdf"): "WeasyPrint: loaded where a PDF is rendered",
    ("render.py", "pdf"): "WeasyPrint: loaded where a board is rendered",
    # Pending in other branches of issue 6 (remove each entry when its owner has moved it):
    ("context_processors.py", "site"): "pending: the web/devtools split (demo)",
    ("__init__.py", "load_demo"): "pending: the web/devtools split (demo)",
    ("disclosures.py", "_find"): "pending: the web/devtools split (demo)",
    ("catalog.py", "exchange_limit"): "pending: the console's catalog forms (console)",
}

#: Modules whose functions import on purpose. extraction.py runs in the sandboxed child
#: process: the parsers (pypdf, defusedxml, resource limits) are loaded there, after the
#: limits are set, and never in the web process that only starts the child.
ALLOWED_MODULES = {"extraction.py"}


def _sources() -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*.py")
        if "tests" not in path.parts
        and "migrations" not in path.parts
        and path.name != "conftest.py"
    ]


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _local_imports(tree: ast.AST) -> list[tuple[str, int]]:
    """(function name, line) of every import inside a function, outside TYPE_CHECKING."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, function: str | None) -> None:
        if _is_type_checking(node):
            return
        if isinstance(node, ast.Import | ast.ImportFrom) and function is not None:
            found.append((function, node.lineno))
        inner = node.name if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else function
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, None)
    return found


def test_no_function_hides_an_import():
    hidden = []
    for path in _sources():
        for function, line in _local_imports(ast.parse(path.read_text(), str(path))):
            if (path.name, function) not in ALLOWED and path.name not in ALLOWED_MODULES:
                hidden.append(f"{path.relative_to(ROOT.parent)}:{line} in {function}()")
    assert hidden == []


@pytest.mark.parametrize(
    "module",
    [
        "gongkai.disclosures.states",
        "gongkai.disclosures.event_kinds",
        "gongkai.disclosures.visibility",
        "gongkai.disclosures.models",
        "gongkai.disclosures.events",
        "gongkai.disclosures.workflow",
    ],
)
def test_each_disclosure_module_imports_first_in_a_fresh_interpreter(module):
    """Importing any one of them first works: no cycle depends on the order of imports."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'gongkai.settings';"
        "from django.conf import settings; settings.INSTALLED_APPS;"
        f"import importlib; django.setup(set_prefix=False); importlib.import_module({module!r})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT.parent, check=False
    )
    assert result.returncode == 0, result.stderr


def test_the_rules_never_import_the_models_at_run_time():
    for rule in ("gongkai.disclosures.visibility", "gongkai.disclosures.states"):
        source = Path(importlib.import_module(rule).__file__ or "").read_text()
        tree = ast.parse(source)
        runtime = [
            node
            for node in tree.body
            if isinstance(node, ast.ImportFrom) and node.module == "gongkai.disclosures.models"
        ]
        assert runtime == [], rule
