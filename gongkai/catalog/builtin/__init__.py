"""The catalog templates shipped with gongkai, made from ../shared/reference/catalogs.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DIRECTORY = Path(__file__).parent


@dataclass(frozen=True)
class BuiltinTemplate:
    key: str
    title: str
    source: str
    path: Path

    def read(self) -> bytes:
        return self.path.read_bytes()


@cache
def builtin_templates() -> dict[str, BuiltinTemplate]:
    templates = {}
    for path in sorted(DIRECTORY.glob("*.yaml")):
        head = yaml.safe_load(path.read_text(encoding="utf-8"))
        templates[path.stem] = BuiltinTemplate(
            key=path.stem,
            title=head.get("title", path.stem),
            source=head.get("source", ""),
            path=path,
        )
    return templates
