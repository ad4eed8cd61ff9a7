"""``put_many(models)``: BatchWriteItem in chunks of 25, leftovers retried."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .. import types as m
from ..binding import Name
from ..types import AccessPattern


@dataclass(frozen=True)
class BatchPutPattern(AccessPattern):
    kind: ClassVar[str] = "batch_put"
    description: ClassVar[str] = (
        "put_many(models): BatchWriteItem in chunks of 25 with bounded retries."
    )
    operations: ClassVar[tuple[str, ...]] = ("BatchWriteItem",)
    abc_imports: ClassVar[tuple[str, ...]] = ("Sequence",)
    signature_abc_imports: ClassVar[tuple[str, ...]] = ("Sequence",)
    writes_in_batches: ClassVar[bool] = True
    method_locals: ClassVar[tuple[str, ...]] = (
        "self",
        "items",
        "rows",
        "position",
        "outcome",
        "row",
        "enumerate",
        "len",
        "list",
    )
    memory_method_locals: ClassVar[tuple[str, ...]] = (
        "self",
        "items",
        "records",
        "position",
        "enumerate",
        "list",
    )

    def signature(self, table: m.TableSpec, method: str | None = None) -> str:
        return f"    def {self.name}(self, items: Sequence[{table.model}]) -> None:"

    def parameters(
        self, table: m.TableSpec, keys: tuple[Name, ...], model: tuple[Name, ...]
    ) -> tuple[Name, ...]:
        return model

    def errors(self, table: m.TableSpec) -> tuple[str, ...]:
        return ("BatchWriteError",)


KIND = BatchPutPattern
