"""``get(key) -> dict | None``: the named fields of one item, by a strongly consistent GetItem.

For a table no model reads: the fields come back as a plain dict (``str`` for
an ``S`` attribute, ``int`` for an ``N`` one), the shape the original's
inference-invocations store returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from ...schema import Field, Problem
from .. import types as m
from ..binding import Name
from ..types import KEY_LOCALS, AccessPattern, TableContext, key_params, named_fields


@dataclass(frozen=True)
class GetFieldsPattern(AccessPattern):
    fields: tuple[m.AttributeSpec, ...]

    kind: ClassVar[str] = "get_fields"
    description: ClassVar[str] = (
        "get(key) -> dict | None: the named fields of one item, strongly consistent."
    )
    schema_fields: ClassVar[Mapping[str, Field]] = {
        "fields": Field("string_list", "Attributes the returned dict holds, in order.", True),
    }
    needs_model: ClassVar[bool] = False
    operations: ClassVar[tuple[str, ...]] = ("GetItem",)
    method_locals: ClassVar[tuple[str, ...]] = (*KEY_LOCALS, "dict", "key", "response", "item")
    memory_method_locals: ClassVar[tuple[str, ...]] = (*KEY_LOCALS, "dict", "record")

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
        fields = named_fields(data, path, table, problems)
        return None if len(problems) > before else cls(name, fields)

    @property
    def value_annotation(self) -> str:
        """``str | int``: the types of the dict's values, in a stable order."""
        types = sorted({f.key_annotation for f in self.fields}, key=("str", "int").index)
        return " | ".join(types)

    def module_globals(
        self, table: m.TableSpec, path: str, generator: m.GeneratorSpec
    ) -> list[Name]:
        return [
            Name(
                f"_{self.name}_fields",
                f"module global of access pattern {self.name}",
                f"{path}.name",
            )
        ]

    def signature(self, table: m.TableSpec, method: str | None = None) -> str:
        return (
            f"    def {self.name}(self, {key_params(table)})"
            f" -> dict[str, {self.value_annotation}] | None:"
        )


KIND = GetFieldsPattern
