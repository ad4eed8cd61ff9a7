"""``get(key, *, consistent_read=True) -> Model | None``: one strongly consistent GetItem.

``consistent_read`` is accepted for callers written against the original
interface (its progress page passes ``consistent_read=True``); reads are always
strongly consistent, whatever it says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .. import types as m
from ..types import KEY_LOCALS, AccessPattern, key_params


@dataclass(frozen=True)
class GetPattern(AccessPattern):
    kind: ClassVar[str] = "get"
    description: ClassVar[str] = (
        "get(key, *, consistent_read=True) -> Model | None, always strongly consistent."
    )
    operations: ClassVar[tuple[str, ...]] = ("GetItem",)
    method_locals: ClassVar[tuple[str, ...]] = (
        *KEY_LOCALS,
        "consistent_read",
        "bool",
        "key",
        "response",
        "item",
    )
    memory_method_locals: ClassVar[tuple[str, ...]] = (
        *KEY_LOCALS,
        "consistent_read",
        "bool",
        "record",
    )

    def signature(self, table: m.TableSpec, method: str | None = None) -> str:
        return (
            f"    def {self.name}(self, {key_params(table)}, *, consistent_read: bool = True)"
            f" -> {table.model} | None:"
        )


KIND = GetPattern
