from pathlib import Path

import pytest
import yaml

from gongkai.catalog import builtin
from gongkai.catalog.applicability import AppliesTo, parse
from gongkai.catalog.exchange import parse_yaml

BUILTIN_DIR = Path(builtin.__file__).parent
TEMPLATES = sorted(BUILTIN_DIR.glob("*.yaml"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_every_builtin_template_imports_without_a_single_error(path):
    parsed = parse_yaml(path.read_bytes())
    assert parsed.errors == []
    assert parsed.item_count > 0


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_every_builtin_item_says_where_it_applies(path):
    """Each item of a shipped catalog names its organizations itself (not by default), the
    words parse, and the import keeps them."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    imported = parse_yaml(path.read_bytes()).data["categories"]
    for category, loaded in zip(raw["categories"], imported, strict=True):
        for entry, item in zip(category["items"], loaded["items"], strict=True):
            assert "applies_to" in entry, entry["name"]
            assert item["applies_to"] == parse(entry["applies_to"]).as_dict(), entry["name"]
            escalate = entry.get("escalate_after_days")
            assert escalate is None or 1 <= escalate < 5, entry["name"]


#: How the town committee's own items begin (镇党委…, 镇级财政…, 镇机构…).
TOWN_OWN = ("镇党委", "镇级", "镇机构")


def test_the_town_catalog_keeps_the_town_committees_own_items_to_itself():
    raw = yaml.safe_load((BUILTIN_DIR / "town-seven-categories.yaml").read_text(encoding="utf-8"))
    items = [entry for category in raw["categories"] for entry in category["items"]]
    for entry in items:
        spec = parse(entry["applies_to"])
        if entry["name"].startswith(TOWN_OWN):
            assert spec == AppliesTo(levels=(0,)), entry["name"]
        if entry["name"].startswith("村级"):
            assert spec.levels == (1,) and "village" in spec.settings, entry["name"]
    # Both kinds of item are there: the town committee's own and every branch's.
    assert sum(parse(e["applies_to"]).levels == (0,) for e in items) >= 20
    assert sum(1 in parse(e["applies_to"]).levels for e in items) >= 20
