"""``put(model)``: create or overwrite one item with PutItem."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .. import types as m
from ..binding import Name, snake
from ..types import AccessPattern


@dataclass(frozen=True)
class PutPattern(AccessPattern):
    kind: ClassVar[str] = "put"
    description: ClassVar[str] = "put(model): create or overwrite one item."
    operations: ClassVar[tuple[str, ...]] = ("PutItem",)
    method_locals: ClassVar[tuple[str, ...]] = ("self", "item")
    memory_method_locals: ClassVar[tuple[str, ...]] = ("self",)

    def signature(self, table: m.TableSpec, method: str | None = None) -> str:
        model = table.model or ""
        return f"    def {self.name}(self, {snake(model)}: {model}) -> None:"

    def parameters(
        self, table: m.TableSpec, keys: tuple[Name, ...], model: tuple[Name, ...]
    ) -> tuple[Name, ...]:
        return model


KIND = PutPattern
