"""``count_by_*(hash) -> int``: how many items a partition holds, every page counted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .. import types as m
from ..binding import Name
from ..types import KEY_LOCALS, AccessPattern, TableKeys, hash_param


@dataclass(frozen=True)
class CountPartitionPattern(AccessPattern):
    kind: ClassVar[str] = "count_partition"
    description: ClassVar[str] = (
        "count_by_*(hash) -> int: how many items a partition holds (Select COUNT, all pages)."
    )
    needs_model: ClassVar[bool] = False  # it counts items, it reads none
    table_keys: ClassVar[TableKeys] = "with_range"
    operations: ClassVar[tuple[str, ...]] = ("Query",)
    uses_query_input: ClassVar[bool] = True
    method_locals: ClassVar[tuple[str, ...]] = (*KEY_LOCALS, "request")
    memory_method_locals: ClassVar[tuple[str, ...]] = (*KEY_LOCALS, "len")

    def signature(self, table: m.TableSpec, method: str | None = None) -> str:
        return f"    def {self.name}(self, {hash_param(table)}) -> int:"

    def parameters(
        self, table: m.TableSpec, keys: tuple[Name, ...], model: tuple[Name, ...]
    ) -> tuple[Name, ...]:
        return keys[:1]


KIND = CountPartitionPattern
