"""Access-pattern kinds are found by name: a module, its two templates, nothing else."""

from __future__ import annotations

import pkgutil
from pathlib import Path

from codegen.model import kinds
from codegen.model.kinds import KINDS
from codegen.model.kinds.query_index_page import QueryIndexPagePattern
from codegen.model.types import AttributeSpec, IndexSpec
from codegen.render.jsonschema import json_schema
from codegen.render.sources import TEMPLATES


def test_every_module_of_the_package_is_a_kind_named_like_it() -> None:
    modules = {m.name for m in pkgutil.iter_modules(kinds.__path__)}
    assert set(KINDS) == modules
    assert list(KINDS) == sorted(KINDS), "listed alphabetically, so messages are stable"
    for name, kind in KINDS.items():
        assert kind.kind == name
        assert kind.__module__ == f"codegen.model.kinds.{name}"


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


def _index_page(hash_key: AttributeSpec, hash_value: str | None) -> QueryIndexPagePattern:
    index = IndexSpec("by_owner", hash_key, None, "ALL", (), "tables.t.indexes[0]")
    return QueryIndexPagePattern("listing", index, hash_value, "Item", (), (), False)


def test_a_page_token_pins_the_fixed_or_string_partition_and_leaves_a_number_unpinned() -> None:
    text = AttributeSpec("owner", "S", "str", "str", False, "tables.t.attributes.owner")
    number = AttributeSpec("shard", "N", "int", "int", False, "tables.t.attributes.shard")
    assert _index_page(text, 'say "hi"').pinned_partition == '{"owner": "say \\"hi\\""}'
    assert _index_page(text, None).pinned_partition == '{"owner": owner}'
    assert _index_page(number, None).pinned_partition == "{}"
