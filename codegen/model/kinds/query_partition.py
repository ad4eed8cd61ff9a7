"""``query(hash) -> list[Model]``: every item of a partition, in sort order, all pages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from ...schema import Field, Problem
from .. import types as m
from ..binding import Name
from ..types import KEY_LOCALS, AccessPattern, TableContext, TableKeys, hash_param


@dataclass(frozen=True)
class QueryPartitionPattern(AccessPattern):
    descending: bool

    kind: ClassVar[str] = "query_partition"
    description: ClassVar[str] = (
        "query(hash) -> list[Model]: every item of a partition, in sort order, all pages."
    )
    schema_fields: ClassVar[Mapping[str, Field]] = {
        "descending": Field("boolean", "Newest (highest sort key) first."),
    }
    table_keys: ClassVar[TableKeys] = "with_range"
    operations: ClassVar[tuple[str, ...]] = ("Query",)
    uses_query_input: ClassVar[bool] = True
    method_locals: ClassVar[tuple[str, ...]] = (*KEY_LOCALS, "request", "page", "model", "list")
    memory_method_locals: ClassVar[tuple[str, ...]] = (*KEY_LOCALS, "records", "record", "list")

    @classmethod
    def build(
        cls,
        name: str,
        data: Mapping[str, object],
        path: str,
        table: TableContext,
        problems: list[Problem],
    ) -> AccessPattern | None:
        return cls(name, bool(data.get("descending", False)))

    def signature(self, table: m.TableSpec, method: str | None = None) -> str:
        return f"    def {self.name}(self, {hash_param(table)}) -> list[{table.model}]:"

    def parameters(
        self, table: m.TableSpec, keys: tuple[Name, ...], model: tuple[Name, ...]
    ) -> tuple[Name, ...]:
        return keys[:1]


KIND = QueryPartitionPattern
