"""``delete_by_*(hash) -> int``: delete every item of a partition, page by page, in batches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .. import types as m
from ..binding import Name
from ..types import KEY_LOCALS, AccessPattern, TableKeys, hash_param


@dataclass(frozen=True)
class DeletePartitionPattern(AccessPattern):
    kind: ClassVar[str] = "delete_partition"
    description: ClassVar[str] = (
        "delete_by_*(hash) -> int: delete every item of a partition, all pages, batched, retried."
    )
    table_keys: ClassVar[TableKeys] = "with_range"
    # The keys, page by page, deleted in batches.
    operations: ClassVar[tuple[str, ...]] = ("Query", "BatchWriteItem")
    uses_query_input: ClassVar[bool] = True
    writes_in_batches: ClassVar[bool] = True
    method_locals: ClassVar[tuple[str, ...]] = (*KEY_LOCALS, "request", "outcome", "key", "len")
    memory_method_locals: ClassVar[tuple[str, ...]] = KEY_LOCALS

    def signature(self, table: m.TableSpec, method: str | None = None) -> str:
        return f"    def {self.name}(self, {hash_param(table)}) -> int:"

    def parameters(
        self, table: m.TableSpec, keys: tuple[Name, ...], model: tuple[Name, ...]
    ) -> tuple[Name, ...]:
        return keys[:1]

    def errors(self, table: m.TableSpec) -> tuple[str, ...]:
        return ("BatchWriteError",)


KIND = DeletePartitionPattern
