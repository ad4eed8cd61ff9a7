"""``scan() -> list[Model]``: every item of the table, all pages (a small table: subscriptions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .. import types as m
from ..binding import Name
from ..types import AccessPattern


@dataclass(frozen=True)
class ScanPattern(AccessPattern):
    kind: ClassVar[str] = "scan"
    description: ClassVar[str] = (
        "scan() -> list[Model]: every item of the table, all pages; for small tables only."
    )
    operations: ClassVar[tuple[str, ...]] = ("Scan",)
    method_locals: ClassVar[tuple[str, ...]] = ("self", "page", "item", "list")
    memory_method_locals: ClassVar[tuple[str, ...]] = ("self", "record", "list")

    def signature(self, table: m.TableSpec, method: str | None = None) -> str:
        return f"    def {self.name}(self) -> list[{table.model}]:"

    def parameters(
        self, table: m.TableSpec, keys: tuple[Name, ...], model: tuple[Name, ...]
    ) -> tuple[Name, ...]:
        return ()  # the whole table: no key


KIND = ScanPattern
