"""Index queries: one page with a JSON-safe continuation token (kind ``query_index_page``).

Kept outside ``kinds/`` (whose modules stand alone) because ``query_index_merge``
builds on it: the same index, item model and checks, several partitions merged.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, cast

from pydantic import BaseModel

from ..schema import CLASS_NAME, INDEX_NAME, Field, Problem
from . import types as m
from .binding import Name
from .literals import python_literal
from .pytypes import python_type, unwrap_optional
from .types import KEY_LOCALS, AccessPattern, TableContext


@dataclass(frozen=True)
class IndexPagePattern(AccessPattern):
    index: m.IndexSpec
    hash_value: str | None  # a fixed partition ("completed"), or None: a parameter
    item_model: str
    item_attributes: tuple[m.AttributeSpec, ...]
    token_attributes: tuple[m.AttributeSpec, ...]  # table keys + index keys, sorted by name
    descending: bool

    kind: ClassVar[str] = "query_index_page"
    description: ClassVar[str] = "One page of an index query with a JSON-safe continuation token."
    schema_fields: ClassVar[Mapping[str, Field]] = {
        "index": Field("string", "Name of the index to query.", True, pattern=INDEX_NAME),
        "hash_value": Field(
            "string", "Fixed index partition to list; omit to take it as a parameter."
        ),
        "item_model": Field(
            "string", "Model each listed item is returned as.", True, pattern=CLASS_NAME
        ),
        "descending": Field("boolean", "Highest sort key first."),
    }
    operations: ClassVar[tuple[str, ...]] = ("Query",)
    abc_imports: ClassVar[tuple[str, ...]] = ("Mapping",)
    signature_abc_imports: ClassVar[tuple[str, ...]] = ("Mapping",)
    uses_query_input: ClassVar[bool] = True
    uses_page_token: ClassVar[bool] = True
    method_locals: ClassVar[tuple[str, ...]] = (
        *KEY_LOCALS,
        "limit",
        "exclusive_start_key",
        "partition",
        "request",
        "response",
        "error",
        "items",
        "item",
        "object",
        "list",
        "tuple",
    )
    memory_method_locals: ClassVar[tuple[str, ...]] = (
        *KEY_LOCALS,
        "limit",
        "exclusive_start_key",
        "partition",
        "start",
        "records",
        "token",
        "record",
        "object",
        "list",
        "tuple",
    )

    @classmethod
    def build(
        cls,
        name: str,
        data: Mapping[str, object],
        path: str,
        table: TableContext,
        problems: list[Problem],
    ) -> AccessPattern | None:
        before = len(problems)
        index = _index(str(data["index"]), path, table, problems)
        if index is None:
            return None
        item_model = table.models.model(str(data["item_model"]), f"{path}.item_model", problems)
        if item_model is None:
            return None
        raw_hash_value = data.get("hash_value")
        hash_value = _hash_value(
            index,
            raw_hash_value if isinstance(raw_hash_value, str) else None,
            path,
            table,
            problems,
        )
        item_attributes = _item_attributes(item_model, index, path, table, problems)
        token_names = sorted(
            table.key_names
            | {index.hash_key.name}
            | ({index.range_key.name} if index.range_key else set())
        )
        # Page tokens are plain JSON: every key they carry must be a string or a number.
        token_attributes = tuple(
            found
            for token in token_names
            if (found := table.attribute(token, f"{path}.index", ("S", "N"))) is not None
        )
        if len(problems) > before:
            return None
        return cls(
            name,
            index,
            hash_value,
            item_model.__name__,
            item_attributes,
            token_attributes,
            bool(data.get("descending", False)),
        )

    @property
    def queried_index(self) -> str | None:
        return self.index.name

    @property
    def pinned_partition(self) -> str:
        """The ``fixed`` argument of the page-token check, as a Python dict expression.

        A token must carry the partition it was issued for: the fixed ``hash_value``,
        or the partition parameter of the generated method. The runtime's ``fixed``
        holds strings only, so a number partition is left unpinned (``{}``).
        """
        hash_key = self.index.hash_key
        if self.hash_value is not None:
            return f"{{{python_literal(hash_key.name)}: {python_literal(self.hash_value)}}}"
        if hash_key.dynamo_type == "S":
            return f"{{{python_literal(hash_key.name)}: {hash_key.name}}}"
        return "{}"

    def signature(self, table: m.TableSpec, method: str | None = None) -> str:
        hash_key = self.index.hash_key
        partition = (
            f"{hash_key.name}: {hash_key.key_annotation}, " if self.hash_value is None else ""
        )
        return (
            f"    def {self.name}(self, {partition}limit: int, "
            "exclusive_start_key: Mapping[str, object] | None = None) "
            f"-> tuple[list[{self.item_model}], PageToken | None]:"
        )

    def parameters(
        self, table: m.TableSpec, keys: tuple[Name, ...], model: tuple[Name, ...]
    ) -> tuple[Name, ...]:
        if self.hash_value is not None:
            return ()
        hash_key = self.index.hash_key
        return (Name(hash_key.name, "index hash key", hash_key.schema_path),)

    def models(self) -> frozenset[str]:
        return frozenset({self.item_model})

    def module_globals(
        self, table: m.TableSpec, path: str, generator: m.GeneratorSpec
    ) -> list[Name]:
        names = []
        origin = f"{generator.models_module}.{self.item_model}"
        names.append(Name(self.item_model, "item_model", f"{path}.item_model", origin))
        for generated in (f"_{self.name}_item", f"_{self.name.upper()}_TOKEN"):
            names.append(
                Name(generated, f"module global of access pattern {self.name}", f"{path}.name")
            )
        return names


def _index(
    name: str, path: str, table: TableContext, problems: list[Problem]
) -> m.IndexSpec | None:
    index = table.indexes.get(name)
    if index is None and name not in table.declared_indexes:
        declared = ", ".join(sorted(table.indexes)) or "none"
        problems.append(
            Problem(
                f"{path}.index",
                f"table {table.name!r} has no index {name!r} (indexes: {declared})",
            )
        )
    return index  # None for a declared but invalid index: reported where it is declared


def _hash_value(
    index: m.IndexSpec,
    hash_value: str | None,
    path: str,
    table: TableContext,
    problems: list[Problem],
) -> str | None:
    """The fixed partition the page lists, checked against the index's hash key."""
    marker = table.lifecycle.in_progress_attribute if table.lifecycle else None
    if marker is not None and index.hash_key.name == marker.name:
        # The marker partition holds one value only: the one the generated code writes.
        if hash_value not in (None, m.IN_PROGRESS_MARKER):
            problems.append(
                Problem(
                    f"{path}.hash_value",
                    f"{marker.name!r} only ever holds {m.IN_PROGRESS_MARKER!r}; omit hash_value",
                )
            )
        return m.IN_PROGRESS_MARKER
    if hash_value is not None:
        check_fixed_value(
            index.hash_key, hash_value, table.model_cls, f"{path}.hash_value", problems
        )
    return hash_value


def _item_attributes(
    item_model: type[BaseModel],
    index: m.IndexSpec,
    path: str,
    table: TableContext,
    problems: list[Problem],
) -> tuple[m.AttributeSpec, ...]:
    """The item model's fields as table attributes: each projected, each of the table's type."""
    projected = _projected(index, table.key_names)
    item_attributes = []
    for field_name, field in item_model.model_fields.items():
        found = table.attribute(field_name, f"{path}.item_model")
        if found is None:
            continue
        if projected is not None and field_name not in projected:
            problems.append(
                Problem(
                    f"{path}.item_model",
                    f"{item_model.__name__}.{field_name} is not projected into index {index.name!r}",
                )
            )
        python = python_type(field.annotation)
        if python is None or python[1] != found.python_type:
            problems.append(
                Problem(
                    f"{path}.item_model",
                    f"{item_model.__name__}.{field_name} does not have the table's type {found.python_type}",
                )
            )
        item_attributes.append(
            m.AttributeSpec(
                found.name,
                found.dynamo_type,
                found.python_kind,
                found.python_type,
                not field.is_required(),
                found.schema_path,
            )
        )
    return tuple(item_attributes)


def _projected(index: m.IndexSpec, table_keys: frozenset[str]) -> set[str] | None:
    """Attribute names an index holds, or None for ALL."""
    if index.projection == "ALL":
        return None
    names = set(table_keys) | {index.hash_key.name}
    if index.range_key is not None:
        names.add(index.range_key.name)
    return names | set(index.non_key_attributes)


def check_fixed_value(
    attribute: m.AttributeSpec,
    value: str,
    model_cls: type[BaseModel] | None,
    path: str,
    problems: list[Problem],
) -> None:
    if attribute.dynamo_type != "S":
        problems.append(
            Problem(
                path,
                f"a fixed hash_value needs a string index key; {attribute.name!r} is {attribute.dynamo_type}",
            )
        )
    elif attribute.python_kind == "enum" and model_cls is not None:
        enum_cls = unwrap_optional(model_cls.model_fields[attribute.name].annotation)[0]
        members = [member.value for member in cast(type[enum.Enum], enum_cls)]
        if value not in members:
            problems.append(
                Problem(
                    path,
                    f"{value!r} is not a {attribute.python_type} (one of {', '.join(members)})",
                )
            )
