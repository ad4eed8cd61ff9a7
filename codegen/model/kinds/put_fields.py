"""``put(key, field, ...)``: one item from its key and named fields, stamped, with a TTL.

For a table no model reads: the fields are the method's parameters, in schema
order after the key. The item gets ``timestamp_attribute`` (the creation time)
and, when the table has a ``ttl_attribute``, an expiry ``ttl_seconds`` later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from ...schema import ATTRIBUTE_NAME, Field, Problem
from .. import types as m
from ..binding import Name
from ..types import KEY_LOCALS, AccessPattern, TableContext, key_params, named_fields


@dataclass(frozen=True)
class PutFieldsPattern(AccessPattern):
    fields: tuple[m.AttributeSpec, ...]
    timestamp_attribute: m.AttributeSpec
    default_ttl_seconds: int | None  # None: the table has no TTL attribute

    kind: ClassVar[str] = "put_fields"
    description: ClassVar[str] = (
        "put(key, field, ...) -> None: create or overwrite one item from its fields, "
        "stamped with its creation time (and TTL)."
    )
    schema_fields: ClassVar[Mapping[str, Field]] = {
        "fields": Field(
            "string_list", "Attributes the method takes, in order, after the key.", True
        ),
        "timestamp_attribute": Field(
            "string", "Attribute set to the creation time.", True, pattern=ATTRIBUTE_NAME
        ),
        "default_ttl_seconds": Field(
            "integer",
            "Default lifetime of the item, in seconds; required exactly when the table has a ttl_attribute.",
            minimum=1,
        ),
    }
    needs_model: ClassVar[bool] = False
    operations: ClassVar[tuple[str, ...]] = ("PutItem",)
    abc_imports: ClassVar[tuple[str, ...]] = ("Callable",)
    uses_clock: ClassVar[bool] = True
    method_locals: ClassVar[tuple[str, ...]] = (*KEY_LOCALS, "ttl_seconds", "now", "item")
    memory_method_locals: ClassVar[tuple[str, ...]] = (*KEY_LOCALS, "ttl_seconds", "now", "record")

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
        if table.names_ttl != ("default_ttl_seconds" in data):
            problems.append(
                Problem(
                    f"{path}.default_ttl_seconds",
                    "required when the table has a ttl_attribute"
                    if table.names_ttl
                    else "only allowed when the table has a ttl_attribute (nothing would expire)",
                )
            )
        fields = named_fields(data, path, table, problems)
        stamp = table.attribute(
            str(data["timestamp_attribute"]), f"{path}.timestamp_attribute", ("N",)
        )
        ttl = data.get("default_ttl_seconds")
        if stamp is None or len(problems) > before:
            return None
        return cls(name, fields, stamp, ttl if isinstance(ttl, int) else None)

    def signature(self, table: m.TableSpec, method: str | None = None) -> str:
        params = ", ".join(f"{f.name}: {f.key_annotation}" for f in self.fields)
        ttl = f", *, ttl_seconds: int = {self.default_ttl_seconds}" if table.ttl_attribute else ""
        return f"    def {self.name}(self, {key_params(table)}, {params}{ttl}) -> None:"

    def module_globals(
        self, table: m.TableSpec, path: str, generator: m.GeneratorSpec
    ) -> list[Name]:
        if not table.ttl_attribute:
            return []
        return [
            Name(f"{self.name.upper()}_TTL_SECONDS", "default TTL", f"{path}.default_ttl_seconds")
        ]

    def parameters(
        self, table: m.TableSpec, keys: tuple[Name, ...], model: tuple[Name, ...]
    ) -> tuple[Name, ...]:
        return keys + tuple(Name(f.name, "field parameter", f.schema_path) for f in self.fields)


KIND = PutFieldsPattern
