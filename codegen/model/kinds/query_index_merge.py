"""``list_*(limit=N) -> list[Model]``: the first ``limit`` items of several fixed index partitions, merged.

One query per partition (each for its first ``limit`` items, in index order),
merged by the index's sort key: the original's ``list_in_progress``, which lists
the jobs of six statuses from its ``status-created_at`` index, newest first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import ClassVar

from ...schema import Field, Problem
from .. import types as m
from ..binding import Name
from ..index_pages import IndexPagePattern, check_fixed_value
from ..types import AccessPattern, TableContext


@dataclass(frozen=True)
class QueryIndexMergePattern(IndexPagePattern):
    hash_values: tuple[str, ...] = ()
    default_limit: int = 20

    kind: ClassVar[str] = "query_index_merge"
    description: ClassVar[str] = (
        "list(limit=N) -> list[Model]: the first items of several fixed index partitions, "
        "merged by the index sort key."
    )
    schema_fields: ClassVar[Mapping[str, Field]] = {
        **{k: v for k, v in IndexPagePattern.schema_fields.items() if k != "hash_value"},
        "hash_values": Field("string_list", "The index partitions to list and merge.", True),
        "default_limit": Field("integer", "The default of ``limit`` (default 20).", minimum=1),
    }
    abc_imports: ClassVar[tuple[str, ...]] = ()
    signature_abc_imports: ClassVar[tuple[str, ...]] = ()
    uses_page_token: ClassVar[bool] = False
    method_locals: ClassVar[tuple[str, ...]] = (
        *IndexPagePattern.method_locals,
        "sorted",
    )
    memory_method_locals: ClassVar[tuple[str, ...]] = (
        *IndexPagePattern.memory_method_locals,
        "items",
        "item",
        "sorted",
        "_",
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
        before = len(problems)
        page_data = {k: v for k, v in data.items() if k not in ("hash_values", "default_limit")}
        page = IndexPagePattern.build(name, page_data, path, table, problems)
        if not isinstance(page, IndexPagePattern):
            return None
        values = data["hash_values"]
        assert isinstance(values, list)  # a string_list, checked against the declaration
        if not values:
            problems.append(Problem(f"{path}.hash_values", "name at least one partition"))
        for i, value in enumerate(values):
            where = f"{path}.hash_values[{i}]"
            if values.index(value) != i:
                problems.append(Problem(where, f"{value!r} is named twice"))
            check_fixed_value(page.index.hash_key, str(value), table.model_cls, where, problems)
        if page.index.range_key is None:
            problems.append(
                Problem(f"{path}.index", f"index {page.index.name!r} has no sort key to merge by")
            )
        if len(problems) > before:
            return None
        limit = data.get("default_limit", 20)
        inherited = {f.name: getattr(page, f.name) for f in fields(IndexPagePattern)}
        return cls(
            **inherited,
            hash_values=tuple(str(v) for v in values),
            default_limit=limit if isinstance(limit, int) else 20,
        )

    @property
    def sort_key(self) -> str:
        """The merge's sort key of a listed ``item`` (a missing optional value sorts as 0)."""
        assert self.index.range_key is not None  # checked in build
        name = self.index.range_key.name
        optional = any(a.name == name and a.optional for a in self.item_attributes)
        return f"item.{name} or 0" if optional else f"item.{name}"

    def signature(self, table: m.TableSpec, method: str | None = None) -> str:
        return (
            f"    def {self.name}(self, limit: int = {self.default_limit})"
            f" -> list[{self.item_model}]:"
        )

    def parameters(
        self, table: m.TableSpec, keys: tuple[Name, ...], model: tuple[Name, ...]
    ) -> tuple[Name, ...]:
        return ()

    def module_globals(
        self, table: m.TableSpec, path: str, generator: m.GeneratorSpec
    ) -> list[Name]:
        origin = f"{generator.models_module}.{self.item_model}"
        return [
            Name(self.item_model, "item_model", f"{path}.item_model", origin),
            Name(
                f"_{self.name}_item", f"module global of access pattern {self.name}", f"{path}.name"
            ),
            Name(
                f"_{self.name.upper()}_PARTITIONS",
                f"module global of access pattern {self.name}",
                f"{path}.hash_values",
            ),
        ]


KIND = QueryIndexMergePattern
