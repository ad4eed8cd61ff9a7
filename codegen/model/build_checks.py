"""Checks across the built resources: names they share, error classes they import.

``check_whole_schema`` is the one step that needs the whole schema built: it
runs last, once, and only when every section built cleanly (a clash with a
resource that failed to build would be noise).
"""

from __future__ import annotations

from ..schema import Problem
from . import types as m
from .kinds.update import TRANSITION_ERROR
from .layouts import check_layouts
from .model_catalog import import_module
from .names import check_names


def check_whole_schema(schema: m.SchemaSpec, problems: list[Problem]) -> None:
    """Name clashes and cross-references: Terraform outputs and env vars, layouts and the
    queues they notify, then every name the generated code binds."""
    if problems:
        return
    check_unique_names(schema, problems)
    check_layouts(schema, problems)
    if not problems:
        problems += check_names(schema)


def check_error_classes(
    generator: m.GeneratorSpec, tables: tuple[m.TableSpec, ...], problems: list[Problem]
) -> None:
    """Every error class a generated module imports must be an exception of the errors module."""
    module = import_module(
        generator.errors_module, generator.python_path, "generator.errors_module", problems
    )
    if module is None:
        return
    for table in tables:
        needed: dict[tuple[str, str], None] = {}  # in order, once each
        for i, pattern in enumerate(table.patterns):
            for class_name in pattern.errors(table):
                if class_name == table.not_found_error:
                    path = f"{table.schema_path}.not_found_error"
                elif class_name == TRANSITION_ERROR and table.lifecycle is not None:
                    path = table.lifecycle.schema_path
                else:
                    path = f"{table.schema_path}.access_patterns[{i}].kind"
                needed[class_name, path] = None
        if table.lifecycle is not None:
            needed[TRANSITION_ERROR, table.lifecycle.schema_path] = None
        for class_name, path in needed:
            found = getattr(module, class_name, None)
            if not (isinstance(found, type) and issubclass(found, Exception)):
                problems.append(
                    Problem(
                        path, f"{generator.errors_module} has no exception class {class_name!r}"
                    )
                )


def check_unique_names(schema: m.SchemaSpec, problems: list[Problem]) -> None:
    """Two resources must not share a Terraform output or an environment variable."""
    for label in ("terraform_output", "env_var"):
        seen: dict[str, str] = {}
        for resource in schema.resources:
            value = getattr(resource, label)
            if value in seen:
                problems.append(
                    Problem(
                        f"{resource.schema_path}.{label}",
                        f"{label} {value!r} is also used by {seen[value]}",
                    )
                )
            else:
                seen[value] = resource.schema_path
