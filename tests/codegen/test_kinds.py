"""Access-pattern kinds are found by name: a module, its two templates, nothing else."""

from __future__ import annotations

import pkgutil
from pathlib import Path

from codegen import kinds
from codegen.jsonschema import json_schema
from codegen.kinds import KINDS
from codegen.render import TEMPLATES


def test_every_module_of_the_package_is_a_kind_named_like_it() -> None:
    modules = {m.name for m in pkgutil.iter_modules(kinds.__path__)} - {"base"}
    assert set(KINDS) == modules
    assert list(KINDS) == sorted(KINDS), "listed alphabetically, so messages are stable"
    for name, kind in KINDS.items():
        assert kind.kind == name
        assert kind.__module__ == f"codegen.kinds.{name}"


def test_every_kind_has_a_template_for_each_backend() -> None:
    for name in KINDS:
        for folder in ("patterns", "memory_patterns"):
            assert (TEMPLATES / folder / f"{name}.py.jinja").is_file(), f"{folder}/{name}"


def test_no_template_belongs_to_an_unknown_kind() -> None:
    for folder in ("patterns", "memory_patterns"):
        for template in Path(TEMPLATES / folder).glob("*.jinja"):
            assert template.name.split(".")[0] in KINDS, template.name


def test_the_json_schema_offers_every_kind_with_its_own_fields() -> None:
    table = json_schema()["properties"]["tables"]["additionalProperties"]
    offered = table["properties"]["access_patterns"]["items"]["oneOf"]
    by_kind = {pattern["properties"]["kind"]["const"]: pattern for pattern in offered}
    assert set(by_kind) == set(KINDS)
    for name, kind in KINDS.items():
        assert set(by_kind[name]["properties"]) == {"name", "kind", *kind.schema_fields}
