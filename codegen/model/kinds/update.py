"""``update(key, *, field=None, ...)``: set named fields on an existing item, lifecycle-guarded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from ...schema import Field, Problem
from .. import types as m
from ..binding import Name
from ..types import KEY_LOCALS, AccessPattern, TableContext, error_names, key_params

TRANSITION_ERROR = "InvalidTransitionError"
"""The error a lifecycle-guarded update raises for a refused move."""


@dataclass(frozen=True)
class UpdatePattern(AccessPattern):
    fields: tuple[m.AttributeSpec, ...]
    lifecycle: m.LifecycleSpec | None = None  # set when the update may change the status

    kind: ClassVar[str] = "update"
    description: ClassVar[str] = (
        "update(key, *, field=None, ...): set the named fields on an existing item only."
    )
    schema_fields: ClassVar[Mapping[str, Field]] = {
        "fields": Field(
            "string_list", "Attributes the update may set; each becomes an optional keyword.", True
        ),
    }
    operations: ClassVar[tuple[str, ...]] = ("UpdateItem",)
    fenced: ClassVar[bool] = True
    method_locals: ClassVar[tuple[str, ...]] = (
        *KEY_LOCALS,
        "fence",
        "request",
        "key",
        "names",
        "values",
        "assignments",
        "refused",
        "dict",
        "list",
        # a lifecycle-guarded update
        "removals",
        "condition",
        "requested",
        "stored",
    )
    memory_method_locals: ClassVar[tuple[str, ...]] = (
        *KEY_LOCALS,
        "fence",
        "held",
        "key",
        "changes",
        "record",
        "removals",
        "requested",
        "allowed",
        "changed",
        "current",
        "list",
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
        fields = []
        refs = data["fields"]
        assert isinstance(refs, list)  # a string_list, checked against the declaration
        for i, ref in enumerate(refs):
            where = f"{path}.fields[{i}]"
            found = table.attribute(ref, where)
            if found is not None and ref in table.key_names:
                problems.append(Problem(where, f"{ref!r} is a key attribute and cannot be updated"))
            elif found is not None and found.derived:
                marker = table.lifecycle.in_progress_attribute if table.lifecycle else None
                problems.append(
                    Problem(
                        where,
                        f"{ref!r} is the lifecycle marker; updates of the status set it"
                        if marker is not None and marker.name == ref
                        else f"{ref!r} is storage-only: the generated code sets it",
                    )
                )
            elif found is not None:
                fields.append(found)
        lifecycle = table.lifecycle
        guarded = lifecycle if lifecycle is not None and lifecycle.attribute in fields else None
        return cls(name, tuple(fields), guarded) if len(problems) == before else None

    def signature(self, table: m.TableSpec, method: str | None = None) -> str:
        keywords = "".join(
            f"{a.name}: {a.python_type}{' | str' if a.python_kind == 'enum' else ''} | None = None, "
            for a in self.fields
        )
        return (
            f"    def {self.name}(self, {key_params(table)}, *, {keywords}"
            "fence: FenceSource | None = None) -> None:"
        )

    def parameters(
        self, table: m.TableSpec, keys: tuple[Name, ...], model: tuple[Name, ...]
    ) -> tuple[Name, ...]:
        return keys + tuple(Name(a.name, "update field", a.schema_path) for a in self.fields)

    def errors(self, table: m.TableSpec) -> tuple[str, ...]:
        guarded = (TRANSITION_ERROR,) if self.lifecycle else ()
        return (*guarded, table.not_found_error)

    def memory_errors(self, table: m.TableSpec) -> tuple[str, ...]:
        return self.errors(table)

    def models(self) -> frozenset[str]:
        return frozenset(a.python_type for a in self.fields if a.python_kind == "enum")

    def error_globals(self, table: m.TableSpec, generator: m.GeneratorSpec) -> list[Name]:
        errors = generator.errors_module
        names = error_names(generator, (TRANSITION_ERROR,) if self.lifecycle else ())
        names.append(
            Name(
                table.not_found_error,
                "not_found_error",
                f"{table.schema_path}.not_found_error",
                f"{errors}.{table.not_found_error}",
            )
        )
        return names

    def module_globals(
        self, table: m.TableSpec, path: str, generator: m.GeneratorSpec
    ) -> list[Name]:
        names = []
        for attribute in self.fields:
            if attribute.python_kind == "enum":
                origin = f"{generator.models_module}.{attribute.python_type}"
                names.append(
                    Name(attribute.python_type, "enum type", attribute.schema_path, origin)
                )
            names.append(
                Name(
                    f"_CHECK_{attribute.name.upper()}",
                    f"validator of update field {attribute.name}",
                    attribute.schema_path,
                    f"check:{attribute.name}",
                )
            )
        return names


KIND = UpdatePattern
