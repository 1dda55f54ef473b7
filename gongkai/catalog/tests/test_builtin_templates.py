from pathlib import Path

import pytest

from gongkai.catalog import builtin
from gongkai.catalog.exchange import parse_yaml

BUILTIN_DIR = Path(builtin.__file__).parent


@pytest.mark.parametrize("path", sorted(BUILTIN_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_builtin_template_imports_without_a_single_error(path):
    parsed = parse_yaml(path.read_bytes())
    assert parsed.errors == []
    assert parsed.item_count > 0
