"""Every request and answer shape of the API has its own name: the OpenAPI document keys its
components by class name, so two schemas sharing one would document (and let schemathesis
check) one endpoint's answers with another's shape."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

import gongkai.api.api  # noqa: F401  (imports every endpoint module)


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def test_no_two_schemas_share_a_name() -> None:
    modules: dict[str, set[str]] = defaultdict(set)
    for schema in _subclasses(Schema):
        if schema.__module__.startswith("gongkai."):
            modules[schema.__name__].add(schema.__module__)
    assert {name: where for name, where in modules.items() if len(where) > 1} == {}
