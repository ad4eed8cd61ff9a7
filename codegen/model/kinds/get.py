"""``get(key) -> Model | None``: one strongly consistent GetItem."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .. import types as m
from ..types import KEY_LOCALS, AccessPattern, key_params


@dataclass(frozen=True)
class GetPattern(AccessPattern):
    kind: ClassVar[str] = "get"
    description: ClassVar[str] = "get(key) -> Model | None, strongly consistent."
    operations: ClassVar[tuple[str, ...]] = ("GetItem",)
    method_locals: ClassVar[tuple[str, ...]] = (*KEY_LOCALS, "key", "response", "item")
    memory_method_locals: ClassVar[tuple[str, ...]] = (*KEY_LOCALS, "record")

    def signature(self, table: m.TableSpec, method: str | None = None) -> str:
        return f"    def {self.name}(self, {key_params(table)}) -> {table.model} | None:"


KIND = GetPattern
