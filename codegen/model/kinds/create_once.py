"""``try_*(key) -> bool``: a conditional create, ``True`` only the first time (TTL optional)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from ...schema import ATTRIBUTE_NAME, Field, Problem
from .. import types as m
from ..types import KEY_LOCALS, AccessPattern, TableContext, TableKeys, key_params


@dataclass(frozen=True)
class CreateOncePattern(AccessPattern):
    timestamp_attribute: m.AttributeSpec
    default_ttl_seconds: int | None  # None: the table has no TTL attribute

    kind: ClassVar[str] = "create_once"
    description: ClassVar[str] = (
        "try_*(key) -> bool: conditional create with TTL; True only the first time."
    )
    schema_fields: ClassVar[Mapping[str, Field]] = {
        "timestamp_attribute": Field(
            "string", "Attribute set to the creation time.", True, pattern=ATTRIBUTE_NAME
        ),
        "default_ttl_seconds": Field(
            "integer",
            "Default lifetime of the marker, in seconds; required exactly when the table has a ttl_attribute.",
            minimum=1,
        ),
    }
    needs_model: ClassVar[bool] = False
    table_keys: ClassVar[TableKeys] = "hash_only"
    operations: ClassVar[tuple[str, ...]] = ("PutItem",)
    abc_imports: ClassVar[tuple[str, ...]] = ("Callable",)
    uses_clock: ClassVar[bool] = True
    method_locals: ClassVar[tuple[str, ...]] = (
        *KEY_LOCALS,
        "bool",
        "ttl_seconds",
        "now",
        "expires",
        "refused",
    )
    memory_method_locals: ClassVar[tuple[str, ...]] = (
        *KEY_LOCALS,
        "bool",
        "ttl_seconds",
        "now",
        "expires",
        "record",
        "current",
        "ttl",
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
        if table.names_ttl != ("default_ttl_seconds" in data):
            problems.append(
                Problem(
                    f"{path}.default_ttl_seconds",
                    "required when the table has a ttl_attribute"
                    if table.names_ttl
                    else "only allowed when the table has a ttl_attribute (nothing would expire)",
                )
            )
            return None
        stamp = table.attribute(
            str(data["timestamp_attribute"]), f"{path}.timestamp_attribute", ("N",)
        )
        ttl = data.get("default_ttl_seconds")
        return cls(name, stamp, ttl if isinstance(ttl, int) else None) if stamp else None

    def signature(self, table: m.TableSpec, method: str | None = None) -> str:
        if table.ttl_attribute:
            return (
                f"    def {self.name}(self, {key_params(table)}, *, "
                f"ttl_seconds: int = {self.default_ttl_seconds}) -> bool:"
            )
        return f"    def {self.name}(self, {key_params(table)}) -> bool:"


KIND = CreateOncePattern
