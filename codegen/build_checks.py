"""Checks across the built resources: names they share, error classes they import."""

from __future__ import annotations

from . import model as m
from .errors import Problem
from .model_catalog import import_module
from .names import PATTERN_ERRORS, TRANSITION_ERROR


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
        needed = [
            (PATTERN_ERRORS[p.kind], f"{table.schema_path}.access_patterns[{i}].kind")
            for i, p in enumerate(table.patterns)
            if p.kind in PATTERN_ERRORS
        ]
        if table.has("update"):
            needed.append((table.not_found_error, f"{table.schema_path}.not_found_error"))
        if table.lifecycle is not None:
            needed.append((TRANSITION_ERROR, f"{table.lifecycle.schema_path}"))
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
    resources: list[m.TableSpec | m.QueueSpec | m.BucketSpec] = [
        *schema.tables,
        *schema.queues,
        *schema.buckets,
    ]
    for label in ("terraform_output", "env_var"):
        seen: dict[str, str] = {}
        for resource in resources:
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
